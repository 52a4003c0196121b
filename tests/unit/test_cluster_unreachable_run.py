"""A one-shot report's Cluster gateway remembers an unreachable API server for the rest of the
run (`remember_unreachable`): the later requests fail at once and send nothing. The wizard's
gateway keeps asking: it lives long and must see the server come back.

No cluster here: a listening socket that never answers (a hung server, as one stopped with
SIGSTOP) and a closed port. The same against a real stopped kube-apiserver, through
`cutover status`: tests/integration/test_status_hung_apiserver.py.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.unit.test_cluster_gateway import closed_port, write_kubeconfig
from wizard.errors import Unreachable
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster


@pytest.fixture
def hung_server() -> Iterator[str]:
    """Accepts connections (the kernel does, from the backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def closed_server() -> str:
    return f"http://127.0.0.1:{closed_port()}"


@dataclass
class Run:
    """A gateway on one server, and the paths of the requests that reached its transport."""

    cluster: KubeCluster
    sent: list[str] = field(default_factory=list)


@pytest.fixture
def gateway_on(tmp_path: Path) -> Callable[..., Run]:
    """`gateway_on(server, remember_unreachable=..., read_only=..., timeout=...)`: a Cluster
    gateway of a kubeconfig naming `server`, its requests observed; a short timeout for a hung
    server, where the test waits it out."""

    def make(
        server: str,
        remember_unreachable: bool,
        read_only: bool = True,
        timeout: tuple[float, float] = (0.5, 0.5),
    ) -> Run:
        sent: list[str] = []
        cluster = connect_cluster(
            write_kubeconfig(tmp_path / "kc", server),
            None,
            None,
            read_only=read_only,
            timeout=timeout,
            observer=lambda method, path: sent.append(path),
            remember_unreachable=remember_unreachable,
        )
        return Run(cluster, sent)

    return make


def test_a_report_waits_for_a_hung_server_once_then_knows(
    hung_server: str, gateway_on: Callable[..., Run]
) -> None:
    run = gateway_on(hung_server, remember_unreachable=True)
    cluster = run.cluster
    with pytest.raises(Unreachable, match="did not answer") as first:
        cluster.server_version()
    assert run.sent == ["/version"]
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
    assert run.sent == ["/version"]  # nothing more reached the socket


def test_the_wizard_keeps_asking_a_server_that_was_unreachable(
    closed_server: str, gateway_on: Callable[..., Run]
) -> None:
    run = gateway_on(closed_server, remember_unreachable=False, read_only=False)
    for _ in range(2):
        with pytest.raises(Unreachable, match="connection refused") as caught:
            run.cluster.server_version()
        assert "not asked again" not in caught.value.message
    assert run.sent == ["/version", "/version"]


def test_a_refused_connection_is_remembered_too(
    closed_server: str, gateway_on: Callable[..., Run]
) -> None:
    run = gateway_on(closed_server, remember_unreachable=True, read_only=False)
    with pytest.raises(Unreachable, match="connection refused"):
        run.cluster.can_i("get", "pods")
    with pytest.raises(Unreachable, match="not asked again"):
        run.cluster.can_i("list", "pods")
    assert len(run.sent) == 1


def test_requests_started_meanwhile_learn_the_first_ones_fate(
    hung_server: str, gateway_on: Callable[..., Run]
) -> None:
    """Four requests at once to a hung server: one goes out, the others wait for it and fail
    with its answer right after it, without sending (a probe and the first step's request)."""
    run = gateway_on(hung_server, remember_unreachable=True)
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(run.cluster.list_pods) for _ in range(4)]
        errors = [f.exception() for f in futures]
    assert all(isinstance(e, Unreachable) and "did not answer" in str(e) for e in errors)
    assert len(run.sent) == 1
    with pytest.raises(Unreachable, match="not asked again"):  # one that starts afterwards
        run.cluster.list_pods()
    assert len(run.sent) == 1
