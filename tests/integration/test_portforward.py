"""A port-forward through the real API server and kubelet, from Python (the Traffic step's smoke
request to a Kubernetes pod): the answer comes back whole, a closed port says so, read-only mode
refuses before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.pods import BUSYBOX, is_ready, wait_for_pods
from tests.support.workloads import create_deployment
from wizard.errors import Forbidden, NotFound, PodDidNotAnswer, ReadOnlyRefused
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster

pytestmark = pytest.mark.integration

# busybox httpd on 8080: / is 200 with a known body; /missing is its own 404.
HTTPD = {
    "name": "web",
    "image": BUSYBOX,
    "command": [
        "sh",
        "-c",
        "mkdir -p /www && echo hello-from-k8s > /www/index.html && exec httpd -f -p 8080 -h /www",
    ],
    "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1},
}
REQUEST = b"GET %s HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n"


@pytest.fixture
def web_pod(admin_api: Any, namespace: str) -> str:
    create_deployment(admin_api, namespace, "web", replicas=1, container=HTTPD)
    [pod] = wait_for_pods(
        admin_api, namespace, "app=web", lambda ps: len(ps) == 1 and all(map(is_ready, ps))
    )
    return str(pod.metadata.name)


@pytest.fixture
def cluster(admin_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=False)
    yield cluster
    cluster.close()


def status_line(answer: bytes) -> bytes:
    return answer.split(b"\r\n", 1)[0]


def test_an_http_exchange_through_port_forward(cluster: KubeCluster, web_pod: str) -> None:
    answer = cluster.port_forward(web_pod, 8080, REQUEST % b"/", deadline_s=20)
    assert status_line(answer).startswith(b"HTTP/1.") and b" 200 " in status_line(answer)
    assert b"hello-from-k8s" in answer
    missing = cluster.port_forward(web_pod, 8080, REQUEST % b"/missing", deadline_s=20)
    assert b" 404 " in status_line(missing)
    # Reads through the same gateway still work after the upgrades (their own ApiClients).
    assert cluster.namespace_exists(cluster.identity.namespace)


def test_a_port_nothing_listens_on_says_which_pod_and_port(
    cluster: KubeCluster, web_pod: str
) -> None:
    with pytest.raises(PodDidNotAnswer) as caught:
        cluster.port_forward(web_pod, 9999, REQUEST % b"/", deadline_s=20)
    assert f"port 9999 of pod {web_pod}" in str(caught.value)


def test_read_only_refuses_in_the_gateway_before_sending(
    admin_kubeconfig: str, namespace: str, web_pod: str
) -> None:
    seen: list[tuple[str, str]] = []
    cluster = connect_cluster(
        admin_kubeconfig,
        None,
        namespace,
        read_only=True,
        observer=lambda method, path: seen.append((method, path)),
    )
    try:
        with pytest.raises(ReadOnlyRefused, match="nothing was sent"):
            cluster.port_forward(web_pod, 8080, REQUEST % b"/", deadline_s=20)
    finally:
        cluster.close()
    assert not any("portforward" in path for _, path in seen)


def test_the_servers_refusals_name_the_pod_and_who_may_not(
    viewer_kubeconfig: str, cluster: KubeCluster, namespace: str, web_pod: str
) -> None:
    """The SPDY upgrade's 403 and 404 are the API server's answers, translated as every other
    request's; the upgrade reaches the observer once, as the POST it is."""
    seen: list[tuple[str, str]] = []
    viewer = connect_cluster(
        viewer_kubeconfig,
        None,
        namespace,
        read_only=False,
        observer=lambda method, path: seen.append((method, path)),
    )
    try:
        with pytest.raises(Forbidden) as refused:
            viewer.port_forward(web_pod, 8080, REQUEST % b"/", deadline_s=20)
    finally:
        viewer.close()
    assert f"may not port-forward to pod {web_pod}" in refused.value.message
    assert f"auth can-i create pods/portforward -n {namespace}`" in refused.value.fix
    assert seen == [("POST", f"/api/v1/namespaces/{namespace}/pods/{web_pod}/portforward")]
    with pytest.raises(NotFound):
        cluster.port_forward("gone", 8080, REQUEST % b"/", deadline_s=20)
