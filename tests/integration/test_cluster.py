"""The real Cluster gateway against the real kube-apiserver of the test environment."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.support.pods import crashing, running, template
from wizard.errors import Conflict, Forbidden, ReadOnlyRefused, Unauthorized, Unreachable
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster
from wizard.model import Pvc, Workload

PASSWORD = "pg-" + secrets.token_hex(8)
API_KEY = "sk-" + secrets.token_hex(8)


def poll(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
    return result


@pytest.fixture
def admin(admin_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=False)
    yield cluster
    cluster.close()


@pytest.fixture
def viewer(viewer_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    cluster = connect_cluster(viewer_kubeconfig, None, namespace, read_only=False)
    yield cluster
    cluster.close()


def test_server_and_namespace(admin: KubeCluster, namespace: str) -> None:
    assert admin.server_version().startswith("v1.20.")
    assert admin.namespace_exists(namespace)
    assert not admin.namespace_exists(f"{namespace}-absent")
    assert admin.identity.namespace == namespace


def test_secret_create_read_digests_and_conflict(
    admin: KubeCluster, admin_api: Any, namespace: str
) -> None:
    data = {"postgres-password": PASSWORD, "openai-api-key": API_KEY}
    created = admin.create_secret("email-rag-secrets", data, {"app": "email-rag"})
    assert created.keys == ["openai-api-key", "postgres-password"]
    assert created.labels == {"app": "email-rag"} and created.type == "Opaque"
    read = admin.read_secret_keys("email-rag-secrets")
    assert read == created
    assert read.digests["postgres-password"] == hashlib.sha256(PASSWORD.encode()).hexdigest()
    assert PASSWORD not in repr(read) and API_KEY not in repr(read)
    stored = client.CoreV1Api(admin_api).read_namespaced_secret("email-rag-secrets", namespace)
    assert base64.b64decode(stored.data["openai-api-key"]).decode() == API_KEY

    with pytest.raises(Conflict) as again:
        admin.create_secret("email-rag-secrets", data, {})
    shown = f"{again.value} {again.value!r} {again.value.fix}"
    assert "email-rag-secrets" in shown and PASSWORD not in shown and API_KEY not in shown
    assert admin.read_secret_keys("absent") is None


def test_viewer_may_list_but_not_write_or_read_secrets(
    viewer: KubeCluster, admin_api: Any, namespace: str
) -> None:
    client.CoreV1Api(admin_api).create_namespaced_pod(
        namespace,
        {
            "metadata": {"name": "web-0", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "local/busybox:1"}]},
        },
    )
    assert [p.name for p in viewer.list_pods("app=web")] == ["web-0"]
    assert viewer.list_pods("app=other") == []
    with pytest.raises(Forbidden) as refused:
        viewer.create_secret("email-rag-secrets", {"k": PASSWORD}, {})
    text = refused.value.message
    assert "'viewer'" in text and "create secrets" in text and namespace in text
    assert PASSWORD not in f"{refused.value!r} {refused.value.fix}"
    assert "auth can-i create secrets" in refused.value.fix
    with pytest.raises(Forbidden):  # `view` excludes Secrets by design
        viewer.read_secret_keys("email-rag-secrets")


def test_read_only_admin_refuses_and_nothing_is_created(
    admin_kubeconfig: str, admin_api: Any, namespace: str
) -> None:
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    with pytest.raises(ReadOnlyRefused):
        cluster.create_secret("email-rag-secrets", {"k": PASSWORD}, {})
    with pytest.raises(ApiException) as absent:
        client.CoreV1Api(admin_api).read_namespaced_secret("email-rag-secrets", namespace)
    assert absent.value.status == 404
    # Reads work in read-only mode; access reviews, POSTs themselves, are refused unsent.
    with pytest.raises(ReadOnlyRefused):
        cluster.can_i("create", "secrets")
    assert cluster.list_pods() == []


def test_can_i_for_admin_and_viewer(admin: KubeCluster, viewer: KubeCluster) -> None:
    assert admin.can_i("create", "secrets").allowed
    assert admin.can_i("patch", "deployments", group="apps").allowed
    assert viewer.can_i("list", "pods").allowed
    assert viewer.can_i("watch", "deployments", group="apps").allowed
    denied = viewer.can_i("create", "secrets")
    assert not denied.allowed and denied.namespace == viewer.identity.namespace
    assert not viewer.can_i("get", "secrets").allowed


def test_contexts_of_a_multi_context_kubeconfig(
    multi_kubeconfig: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    current = connect_cluster(multi_kubeconfig, None, namespace, read_only=False)
    assert current.identity.context == "admin@cutover-test"
    switched = connect_cluster(multi_kubeconfig, "viewer@cutover-test", namespace, False)
    assert switched.identity.context == "viewer@cutover-test"
    assert switched.identity.user == "viewer"
    assert switched.identity.server == current.identity.server
    with pytest.raises(Forbidden):
        switched.create_secret("s", {"k": "v"}, {})
    # The same through KUBECONFIG, as kubectl would read it.
    monkeypatch.setenv("KUBECONFIG", multi_kubeconfig)
    from_env = connect_cluster(None, "viewer@cutover-test", namespace, False)
    assert from_env.identity.user == "viewer"
    assert from_env.list_pods() == []


def test_deployment_becomes_available(
    admin: KubeCluster, admin_api: Any, namespace: str, kubelet_node: str
) -> None:
    apps = client.AppsV1Api(admin_api)
    for name, replicas, container in (("web", 2, running("web")), ("other", 1, crashing("other"))):
        labels = {"app": name}
        apps.create_namespaced_deployment(
            namespace,
            {
                "metadata": {"name": name, "labels": labels},
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": labels},
                    "template": template(labels, [container]),
                },
            },
        )

    def web_available() -> Workload | None:
        [web] = admin.list_workloads("app=web")
        return web if web.desired == web.available == 2 else None

    web = poll("Deployment web 2/2 available", web_available)
    assert (web.kind, web.name, web.ready, web.updated) == ("Deployment", "web", 2, 2)
    pods = admin.list_pods("app=web")
    assert len(pods) == 2
    assert all(p.phase == "Running" and p.ready_containers == p.total_containers == 1 for p in pods)
    assert all(p.node == kubelet_node for p in pods)
    [other] = admin.list_workloads("app=other")
    assert other.available == 0  # its container exits: never available


def test_pvc_pending_until_a_pv_binds_it(
    admin: KubeCluster, admin_api: Any, namespace: str
) -> None:
    core = client.CoreV1Api(admin_api)
    core.create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": "uploads", "labels": {"app": "email-rag"}},
            "spec": {
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )
    [pending] = admin.list_pvcs("app=email-rag")
    assert (pending.name, pending.phase, pending.requested) == ("uploads", "Pending", "1Gi")
    assert pending.access_modes == ("ReadWriteMany",)
    pv_name = f"pv-{namespace}"[:63]
    core.create_persistent_volume(
        {
            "metadata": {"name": pv_name},
            "spec": {
                "capacity": {"storage": "2Gi"},
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "persistentVolumeReclaimPolicy": "Retain",
                "nfs": {"server": "127.0.0.1", "path": "/exports/uploads"},
                "claimRef": {"namespace": namespace, "name": "uploads"},
            },
        }
    )
    try:

        def bound() -> Pvc | None:
            [claim] = admin.list_pvcs("app=email-rag")
            return claim if claim.phase == "Bound" else None

        claim = poll("PVC uploads Bound", bound)
        assert (claim.volume_name, claim.capacity) == (pv_name, "2Gi")
    finally:
        core.delete_persistent_volume(pv_name)


def test_rejected_token_is_unauthorized(admin_kubeconfig: str, tmp_path: Path) -> None:
    config = yaml.safe_load(Path(admin_kubeconfig).read_text())
    for entry in config["users"]:
        entry["user"] = {"token": "not-a-valid-token"}
    _relative_paths_from(admin_kubeconfig, config)
    bad = tmp_path / "bad.kubeconfig"
    bad.write_text(yaml.safe_dump(config))
    with pytest.raises(Unauthorized) as caught:
        connect_cluster(str(bad), None, None, read_only=False).list_pods()
    assert "'admin'" in caught.value.message and "kubectl --context" in caught.value.fix


def _relative_paths_from(original: str, config: dict[str, Any]) -> None:
    """A copy lives elsewhere: keep relative certificate paths pointing where they did."""
    for entry in config["clusters"]:
        ca = entry["cluster"].get("certificate-authority")
        if ca and not Path(ca).is_absolute():
            entry["cluster"]["certificate-authority"] = str(Path(original).parent / ca)


def test_unreachable_cluster_answers_within_seconds(admin_kubeconfig: str, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = yaml.safe_load(Path(admin_kubeconfig).read_text())
    for entry in config["clusters"]:
        entry["cluster"]["server"] = f"https://127.0.0.1:{port}"
    _relative_paths_from(admin_kubeconfig, config)
    down = tmp_path / "down.kubeconfig"
    down.write_text(yaml.safe_dump(config))

    started = time.monotonic()
    cluster = connect_cluster(str(down), None, None, read_only=False)
    with pytest.raises(Unreachable) as caught:
        cluster.server_version()
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, elapsed
    assert f"https://127.0.0.1:{port}" in caught.value.message
    assert "kubectl --context" in caught.value.fix
