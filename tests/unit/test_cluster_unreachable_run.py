"""A one-shot report's Cluster gateway remembers an unreachable API server for the rest of the
run (`remember_unreachable`): the later requests fail at once and send nothing. The wizard's
gateway keeps asking: it lives long and must see the server come back.

No cluster here: a listening socket that never answers (a hung server, as one stopped with
SIGSTOP) and a closed port. The same against a real stopped kube-apiserver, through
`cutover status`: tests/integration/test_status_hung_apiserver.py.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.unit.test_cluster_gateway import closed_port, write_kubeconfig
from wizard.errors import Unreachable
from wizard.gateways.kube.cluster import connect_cluster


@pytest.fixture
def hung_server() -> Iterator[str]:
    """Accepts connections (the kernel does, from the backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_report_waits_for_a_hung_server_once_then_knows(hung_server: str, tmp_path: Path) -> None:
    sent: list[str] = []
    cluster = connect_cluster(
        write_kubeconfig(tmp_path / "kc", hung_server),
        None,
        None,
        read_only=True,
        timeout=(0.5, 0.5),
        observer=lambda method, path: sent.append(path),
        remember_unreachable=True,
    )
    with pytest.raises(Unreachable, match="did not answer") as first:
        cluster.server_version()
    assert sent == ["/version"]
    for later in (
        cluster.list_pods,
        cluster.list_pvcs,
        cluster.list_workloads,
        lambda: cluster.read_secret_keys("app"),
        lambda: cluster.namespace_exists("apps"),
        lambda: cluster.list_events(),
    ):
        with pytest.raises(Unreachable) as caught:
            later()
        assert caught.value.message.startswith(first.value.message)
        assert "not asked again" in caught.value.message
        assert caught.value.fix == first.value.fix
    assert sent == ["/version"]  # nothing more reached the socket


def test_the_wizard_keeps_asking_a_server_that_was_unreachable(tmp_path: Path) -> None:
    sent: list[str] = []
    cluster = connect_cluster(
        write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{closed_port()}"),
        None,
        None,
        read_only=False,
        observer=lambda method, path: sent.append(path),
    )
    for _ in range(2):
        with pytest.raises(Unreachable, match="connection refused") as caught:
            cluster.server_version()
        assert "not asked again" not in caught.value.message
    assert sent == ["/version", "/version"]


def test_a_refused_connection_is_remembered_too(tmp_path: Path) -> None:
    sent: list[str] = []
    cluster = connect_cluster(
        write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{closed_port()}"),
        None,
        None,
        read_only=False,
        observer=lambda method, path: sent.append(path),
        remember_unreachable=True,
    )
    with pytest.raises(Unreachable, match="connection refused"):
        cluster.can_i("get", "pods")
    with pytest.raises(Unreachable, match="not asked again"):
        cluster.can_i("list", "pods")
    assert len(sent) == 1


def test_requests_started_meanwhile_learn_the_first_ones_fate(
    hung_server: str, tmp_path: Path
) -> None:
    """Four requests at once to a hung server: one goes out, the others wait for it and fail
    with its answer right after it, without sending (a probe and the first step's request)."""
    sent: list[str] = []
    cluster = connect_cluster(
        write_kubeconfig(tmp_path / "kc", hung_server),
        None,
        None,
        read_only=True,
        timeout=(0.5, 0.5),
        observer=lambda method, path: sent.append(path),
        remember_unreachable=True,
    )
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(cluster.list_pods) for _ in range(4)]
        errors = [f.exception() for f in futures]
    assert all(isinstance(e, Unreachable) and "did not answer" in str(e) for e in errors)
    assert len(sent) == 1
    with pytest.raises(Unreachable, match="not asked again"):  # one that starts afterwards
        cluster.list_pods()
    assert len(sent) == 1
