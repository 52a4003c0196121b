"""Exec and port-forward leave the guarded pool (an upgraded connection): both go through one
`_upgraded` step that refuses in read-only mode, tells the observer, and turns a transport failure
into a GatewayError. Without a cluster: a closed port. The API server's refusals (403, 404) of
both are tested against the real kube-apiserver in tests/integration/test_portforward.py and
tests/integration/test_data_big_exec.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from kubernetes.client.exceptions import ApiException
from websocket import WebSocketBadStatusException

from tests.unit.test_cluster_gateway import closed_port, write_kubeconfig
from wizard.errors import ReadOnlyRefused, Unreachable
from wizard.gateways.kube.cluster import KubeCluster, _upgrade_answer, connect_cluster

Upgrade = Callable[[KubeCluster], object]
UPGRADES: dict[str, tuple[Upgrade, str, str]] = {
    # name: (the call, the method the transport sends, the path's last segment)
    "exec": (lambda c: c.exec_in("web-0", "web", ["true"]), "GET", "exec"),
    "port-forward": (
        lambda c: c.port_forward("web-0", 80, b"GET / HTTP/1.0\r\n\r\n", 5),
        "POST",
        "portforward",
    ),
}


def _cluster(tmp_path: Path, read_only: bool, sent: list[tuple[str, str]]) -> KubeCluster:
    return connect_cluster(
        write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{closed_port()}"),
        None,
        None,
        read_only=read_only,
        observer=lambda method, path: sent.append((method, path)),
    )


@pytest.mark.parametrize("name", UPGRADES)
def test_read_only_refuses_an_upgrade_before_the_observer_hears_of_it(
    name: str, tmp_path: Path
) -> None:
    call, _, _ = UPGRADES[name]
    sent: list[tuple[str, str]] = []
    with pytest.raises(ReadOnlyRefused, match="nothing was sent") as caught:
        call(_cluster(tmp_path, True, sent))
    assert "pod web-0" in caught.value.message and "--read-only" in caught.value.fix
    assert sent == []


@pytest.mark.parametrize("name", UPGRADES)
def test_an_upgrade_to_a_closed_port_is_unreachable_and_was_observed(
    name: str, tmp_path: Path
) -> None:
    call, method, subresource = UPGRADES[name]
    sent: list[tuple[str, str]] = []
    with pytest.raises(Unreachable, match="connection refused") as caught:
        call(_cluster(tmp_path, False, sent))
    assert "kubectl --context admin@test" in caught.value.fix
    assert sent == [(method, f"/api/v1/namespaces/apps/pods/web-0/{subresource}")]


@pytest.mark.parametrize("name", UPGRADES)
def test_reads_still_go_through_the_shared_client_after_an_upgrade(
    name: str, tmp_path: Path
) -> None:
    """The upgrade's ApiClient is its own and closed after: the gateway's reads still go out
    (and are still refused by the closed port, as a read, not as a websocket)."""
    call, _, _ = UPGRADES[name]
    sent: list[tuple[str, str]] = []
    cluster = _cluster(tmp_path, False, sent)
    with pytest.raises(Unreachable):
        call(cluster)
    with pytest.raises(Unreachable, match="connection refused"):
        cluster.list_pods()
    assert sent[-1] == ("GET", "/api/v1/namespaces/apps/pods")


def _wrapped_by_the_websocket(cause: Exception) -> ApiException:
    """What the client's websocket raises for any failure: a status-0 ApiException, raised while
    handling `cause` (so `cause` is its context)."""
    error = ApiException(status=0, reason=str(cause))
    error.__context__ = cause
    return error


def test_the_servers_refusal_of_an_upgrade_is_read_whichever_client_raised_it() -> None:
    spdy = ApiException(status=403, reason="Forbidden")
    spdy.body = '{"message": "no"}'
    assert _upgrade_answer(spdy) == (403, b'{"message": "no"}')
    handshake = WebSocketBadStatusException("Handshake status 404", 404, resp_body=b"gone")
    assert _upgrade_answer(_wrapped_by_the_websocket(handshake)) == (404, b"gone")
    refused = ConnectionRefusedError(111, "Connection refused")
    assert _upgrade_answer(_wrapped_by_the_websocket(refused)) == (0, b"")
