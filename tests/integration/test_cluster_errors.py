"""The Cluster gateway's error paths and read-only guard, against the real kube-apiserver.

Every error here is the real server's own answer (401, 403, 404, 422, a non-JSON body); a
distinctive secret value goes out in each request and must never come back in an exception.
The read-only guard is checked on the server itself: whatever a raw client call tried, the
objects are unchanged (same resourceVersion) or absent afterwards.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.support.pods import running, template
from wizard.errors import (
    Forbidden,
    GatewayError,
    Invalid,
    NotFound,
    ReadOnlyRefused,
    Unauthorized,
)
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster

SECRET_VALUE = "Hunter2-" + secrets.token_hex(8)
ENCODED = base64.b64encode(SECRET_VALUE.encode()).decode()


def assert_no_secret_value(error: GatewayError) -> None:
    shown = " ".join(
        [
            str(error),
            repr(error),
            error.message,
            error.fix,
            repr(error.args),
            repr(error.__cause__),
            repr(error.__context__),
        ]
    )
    assert SECRET_VALUE not in shown and ENCODED not in shown


def secret_absent(admin_api: Any, name: str, namespace: str) -> bool:
    try:
        client.CoreV1Api(admin_api).read_namespaced_secret(name, namespace)
    except ApiException as exc:
        return exc.status == 404
    return False


def kubeconfig_copy(original: str, tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    """A copy of `original`, changed by `edit`, whose relative certificate paths still work."""
    config = yaml.safe_load(Path(original).read_text())
    for entry in config["clusters"]:
        ca = entry["cluster"].get("certificate-authority")
        if ca and not Path(ca).is_absolute():
            entry["cluster"]["certificate-authority"] = str(Path(original).parent / ca)
    edit(config)
    path = tmp_path / "edited.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return str(path)


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


# --- HTTP errors of the real server, translated ----------------------------------------------------


def test_401_from_a_token_the_server_does_not_know(
    admin_kubeconfig: str, admin_api: Any, namespace: str, tmp_path: Path
) -> None:
    def unknown_token(config: dict[str, Any]) -> None:
        for entry in config["users"]:
            entry["user"] = {"token": "unknown-" + secrets.token_hex(16)}

    cluster = connect_cluster(
        kubeconfig_copy(admin_kubeconfig, tmp_path, unknown_token), None, namespace, False
    )
    with pytest.raises(Unauthorized) as caught:
        cluster.create_secret("app", {"k": SECRET_VALUE}, {})
    err = caught.value
    assert "'admin'" in err.message and cluster.identity.server in err.message
    assert f"kubectl --context {cluster.identity.context} get ns" in err.fix
    assert_no_secret_value(err)
    assert secret_absent(admin_api, "app", namespace)


def test_403_as_viewer_names_verb_resource_namespace_and_user(
    viewer: KubeCluster, admin_api: Any, namespace: str
) -> None:
    ctx = viewer.identity.context
    with pytest.raises(Forbidden) as created:
        viewer.create_secret("app", {"k": SECRET_VALUE}, {"app": "x"})
    text = created.value.message
    assert "'viewer'" in text and "create secrets 'app'" in text and f"'{namespace}'" in text
    assert f"kubectl --context {ctx} auth can-i create secrets -n {namespace}" in created.value.fix
    assert_no_secret_value(created.value)
    assert secret_absent(admin_api, "app", namespace)

    client.CoreV1Api(admin_api).create_namespaced_secret(
        namespace, {"metadata": {"name": "app"}, "data": {"k": ENCODED}}
    )
    with pytest.raises(Forbidden) as patched:
        viewer.patch_secret("app", {"k": SECRET_VALUE})
    assert "'viewer'" in patched.value.message and "patch secrets 'app'" in patched.value.message
    assert f"auth can-i patch secrets -n {namespace}" in patched.value.fix
    assert_no_secret_value(patched.value)


def test_404_missing_secret_reads_as_none_and_a_missing_object_is_not_found(
    admin: KubeCluster, namespace: str
) -> None:
    assert admin.read_secret_keys("absent") is None
    assert not admin.namespace_exists(f"{namespace}-absent")
    with pytest.raises(NotFound) as caught:
        admin.patch_secret("absent", {"k": SECRET_VALUE})
    err = caught.value
    assert "secrets 'absent'" in err.message and f"'{namespace}'" in err.message
    assert f"-n {namespace} get secrets" in err.fix
    assert_no_secret_value(err)


@pytest.mark.parametrize(
    ("name", "key", "field"),
    [
        ("Bad_Name", "k", "metadata.name"),
        ("app", "bad key!", "data[bad key!]"),
    ],
    ids=["invalid-name", "invalid-key"],
)
def test_422_from_an_invalid_secret_name_or_key(
    admin: KubeCluster, admin_api: Any, namespace: str, name: str, key: str, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        admin.create_secret(name, {key: SECRET_VALUE}, {})
    err = caught.value
    assert field in err.message  # the offending field is named; its value is not
    assert f"create secrets {name!r}" in err.message and err.fix
    assert_no_secret_value(err)
    assert secret_absent(admin_api, name.lower(), namespace)


def test_a_server_answer_that_is_not_json_is_explained(
    admin_kubeconfig: str, tmp_path: Path
) -> None:
    # The kubeconfig's server points at the apiserver's /healthz, which answers a plain "ok".
    def health_endpoint(config: dict[str, Any]) -> None:
        for entry in config["clusters"]:
            entry["cluster"]["server"] = entry["cluster"]["server"].rstrip("/") + "/healthz?"

    cluster = connect_cluster(
        kubeconfig_copy(admin_kubeconfig, tmp_path, health_endpoint), None, None, False
    )
    with pytest.raises(GatewayError, match="not a JSON object") as caught:
        cluster.server_version()
    assert "get --raw /version" in caught.value.fix


# --- read-only: refused before sending, whatever client method is used -----------------------------


def test_read_only_refuses_raw_client_writes_and_the_server_is_unchanged(
    admin_kubeconfig: str, admin_api: Any, namespace: str
) -> None:
    admin_core = client.CoreV1Api(admin_api)
    admin_core.create_namespaced_config_map(
        namespace, {"metadata": {"name": "kept"}, "data": {"a": "1"}}
    )
    admin_core.create_namespaced_secret(
        namespace, {"metadata": {"name": "app"}, "data": {"k": ENCODED}}
    )
    before = {
        "ns": admin_core.read_namespace(namespace).metadata.resource_version,
        "cm": admin_core.read_namespaced_config_map("kept", namespace).metadata.resource_version,
        "secret": admin_core.read_namespaced_secret("app", namespace).metadata.resource_version,
    }
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    core = client.CoreV1Api(cluster._api)  # the library's own methods, as a future step might
    apps = client.AppsV1Api(cluster._api)
    new_ns = f"{namespace}-new"[:63]
    attempts: list[Callable[[], Any]] = [
        lambda: core.delete_namespace(namespace),
        lambda: core.patch_namespace(namespace, {"metadata": {"labels": {"touched": "yes"}}}),
        lambda: core.create_namespace({"metadata": {"name": new_ns}}),
        lambda: core.create_namespaced_config_map(
            namespace, {"metadata": {"name": "new"}, "data": {"a": "1"}}
        ),
        lambda: core.replace_namespaced_config_map(
            "kept", namespace, {"metadata": {"name": "kept"}, "data": {"a": "2"}}
        ),
        lambda: core.delete_namespaced_config_map("kept", namespace),
        lambda: core.delete_collection_namespaced_secret(namespace),
        lambda: apps.create_namespaced_deployment(
            namespace,
            {
                "metadata": {"name": "web"},
                "spec": {
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "local/busybox:1"}]},
                    },
                },
            },
        ),
        lambda: cluster.create_secret("other", {"k": SECRET_VALUE}, {}),
        lambda: cluster.patch_secret("app", {"k": "changed"}),
    ]
    for attempt in attempts:
        with pytest.raises(ReadOnlyRefused, match="nothing was sent") as caught:
            attempt()
        assert_no_secret_value(caught.value)

    ns = admin_core.read_namespace(namespace)
    assert ns.status.phase == "Active" and "touched" not in (ns.metadata.labels or {})
    kept = admin_core.read_namespaced_config_map("kept", namespace)
    assert kept.data == {"a": "1"}
    secret = admin_core.read_namespaced_secret("app", namespace)
    assert secret.data == {"k": ENCODED}
    after = {
        "ns": ns.metadata.resource_version,
        "cm": kept.metadata.resource_version,
        "secret": secret.metadata.resource_version,
    }
    assert after == before
    maps = admin_core.list_namespaced_config_map(namespace).items
    assert "new" not in [m.metadata.name for m in maps]
    with pytest.raises(ApiException) as no_ns:
        admin_core.read_namespace(new_ns)
    assert no_ns.value.status == 404
    assert client.AppsV1Api(admin_api).list_namespaced_deployment(namespace).items == []
    assert secret_absent(admin_api, "other", namespace)


def test_read_only_lets_reads_through_and_refuses_even_access_reviews(
    admin_kubeconfig: str, admin_api: Any, namespace: str
) -> None:
    client.CoreV1Api(admin_api).create_namespaced_secret(
        namespace, {"metadata": {"name": "app"}, "data": {"k": ENCODED}}
    )
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    assert cluster.read_only
    assert cluster.server_version().startswith("v1.")
    assert cluster.namespace_exists(namespace)
    with pytest.raises(ReadOnlyRefused):  # a SelfSubjectAccessReview is a POST: not sent
        cluster.can_i("delete", "namespaces")
    secret = cluster.read_secret_keys("app")
    assert secret is not None and secret.keys == ["k"]
    assert cluster.list_pods() == [] and cluster.list_workloads() == []
    assert cluster.list_pvcs() == []
    raw = client.CoreV1Api(cluster._api).read_namespace(namespace)  # a raw GET goes out too
    assert raw.metadata.name == namespace


# --- lists: server-side selectors, plain JSON -------------------------------------------------------


def test_list_pods_counts_ready_containers_and_restarts(
    admin: KubeCluster, admin_api: Any, namespace: str, unattended_node: str
) -> None:
    """Statuses written by hand, on a node no kubelet serves (a real one would overwrite them):
    the counting rules, exactly."""
    core = client.CoreV1Api(admin_api)
    node = unattended_node
    for name, app in (("web-1", "web"), ("db-0", "db")):
        core.create_namespaced_pod(
            namespace,
            {
                "metadata": {"name": name, "labels": {"app": app}},
                "spec": {
                    "nodeName": node,
                    "containers": [
                        {"name": "a", "image": "local/busybox:1"},
                        {"name": "b", "image": "local/busybox:1"},
                    ],
                },
            },
        )
    # What a kubelet would report: one container ready, the other not, three restarts in all.
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    core.patch_namespaced_pod_status(
        "web-1",
        namespace,
        {
            "status": {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": c,
                        "ready": ready_,
                        "restartCount": restarts,
                        "image": "local/busybox:1",
                        "imageID": "",
                        "state": {"running": {"startedAt": now}},
                    }
                    for c, ready_, restarts in (("a", True, 2), ("b", False, 1))
                ],
            }
        },
    )
    [found] = admin.list_pods("app=web")
    assert (found.name, found.namespace, found.labels) == ("web-1", namespace, {"app": "web"})
    assert (found.phase, found.node) == ("Running", node)
    assert (found.ready_containers, found.total_containers, found.restarts) == (1, 2, 3)
    [pending] = admin.list_pods("app=db")
    assert (pending.phase, pending.ready_containers, pending.total_containers) == ("Pending", 0, 2)
    assert sorted(p.name for p in admin.list_pods()) == ["db-0", "web-1"]


def test_list_workloads_reads_deployments_and_statefulsets(
    admin: KubeCluster, admin_api: Any, namespace: str
) -> None:
    apps = client.AppsV1Api(admin_api)
    # web's image is nowhere (it never becomes available); db really runs.
    web = {"name": "web", "image": "local/never-built:1"}

    apps.create_namespaced_deployment(
        namespace,
        {
            "metadata": {"name": "web", "labels": {"tier": "x"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": template({"app": "web"}, [web]),
            },
        },
    )
    apps.create_namespaced_stateful_set(
        namespace,
        {  # no replicas given: the server defaults it to 1
            "metadata": {"name": "db", "labels": {"tier": "x"}},
            "spec": {
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": template({"app": "db"}, [running("db")]),
            },
        },
    )
    deadline = time.monotonic() + 60
    while True:
        web, db = admin.list_workloads("tier=x")
        if db.ready == 1:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"StatefulSet db never became ready: {db}")
        time.sleep(0.2)
    assert (web.kind, web.name, web.desired, web.available) == ("Deployment", "web", 2, 0)
    # StatefulSets report no availableReplicas before Kubernetes 1.22: ready stands in.
    assert (db.kind, db.name, db.desired, db.ready, db.available) == ("StatefulSet", "db", 1, 1, 1)
