"""Smoke tests of the test environment itself: the services are real, the fixtures work.

Raw clients only; the product's gateways have their own integration tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.support.fixtures import KeyringScratch


def poll(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
    return result


def test_apiserver_is_kubernetes_1_20(admin_api: Any) -> None:
    version = client.VersionApi(admin_api).get_code()
    assert version.git_version.startswith("v1.20."), version.git_version


def test_viewer_may_list_but_not_create_secrets(viewer_api: Any, namespace: str) -> None:
    core = client.CoreV1Api(viewer_api)
    assert core.list_namespaced_pod(namespace).items == []
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_secret(
            namespace, {"metadata": {"name": "s"}, "stringData": {"k": "v"}}
        )
    assert refused.value.status == 403


def test_deployment_becomes_available_through_the_fake_kubelet(
    admin_api: Any, namespace: str, fake_kubelet: Any
) -> None:
    labels = {"app": "web"}
    client.AppsV1Api(admin_api).create_namespaced_deployment(
        namespace,
        {
            "metadata": {"name": "web", "labels": labels},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "web", "image": "local/busybox:1"}]},
                },
            },
        },
    )
    run = fake_kubelet.run(namespace, "app=web", fake_kubelet.ready(after=0.2))
    assert len(run.wait(pods=2)) == 2

    def available() -> bool:
        status = (
            client.AppsV1Api(admin_api)
            .read_namespaced_deployment(name="web", namespace=namespace)
            .status
        )
        return status.available_replicas == 2

    poll("2 available replicas", available)
    pod = client.CoreV1Api(admin_api).list_namespaced_pod(namespace).items[0]
    assert pod.status.phase == "Running" and pod.spec.node_name.startswith("node-")
    assert pod.status.container_statuses[0].state.running is not None


def test_fake_kubelet_crashloop(admin_api: Any, namespace: str, fake_kubelet: Any) -> None:
    core = client.CoreV1Api(admin_api)
    core.create_namespaced_pod(
        namespace,
        {
            "metadata": {"name": "bad", "labels": {"app": "bad"}},
            "spec": {"containers": [{"name": "c", "image": "local/busybox:1"}]},
        },
    )
    fake_kubelet.run(namespace, "app=bad", fake_kubelet.crashloop(restarts=2)).wait(pods=1)
    status = core.read_namespaced_pod("bad", namespace).status.container_statuses[0]
    assert status.state.waiting.reason == "CrashLoopBackOff"
    assert status.restart_count == 2
    assert status.last_state.terminated.exit_code == 1


def test_pvc_binds_once_a_matching_pv_exists(admin_api: Any, namespace: str) -> None:
    core = client.CoreV1Api(admin_api)
    core.create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": "uploads"},
            "spec": {
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )

    def failed_binding() -> bool:
        events = core.list_namespaced_event(namespace, field_selector="involvedObject.name=uploads")
        return any(e.reason == "FailedBinding" for e in events.items)

    poll("the PV controller's FailedBinding event", failed_binding)
    assert (
        core.read_namespaced_persistent_volume_claim("uploads", namespace).status.phase == "Pending"
    )
    pv_name = f"{namespace}-uploads"
    core.create_persistent_volume(
        {
            "metadata": {"name": pv_name},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "persistentVolumeReclaimPolicy": "Retain",
                "nfs": {"server": "nfs.invalid", "path": "/exports/uploads"},
            },
        }
    )
    try:
        poll(
            "the PVC to bind",
            lambda: (
                core.read_namespaced_persistent_volume_claim("uploads", namespace).status.phase
                == "Bound"
            ),
        )
    finally:
        core.delete_persistent_volume(pv_name)


def test_compose_project_runs_on_the_private_daemon(
    compose_project: Any, docker_client: Any
) -> None:
    project = compose_project({"web": {"command": ["httpd", "-f", "-p", "8080"]}, "worker": {}})
    containers = docker_client.containers.list(
        filters={"label": f"com.docker.compose.project={project.name}"}
    )
    services = sorted(c.labels["com.docker.compose.service"] for c in containers)
    assert services == ["web", "worker"]
    assert all(c.status == "running" for c in containers)


def test_real_keyring_round_trip(real_keyring: KeyringScratch) -> None:
    import keyring

    service = real_keyring.service("roundtrip")
    keyring.set_password(service, "postgres-password", "s3cret")
    assert keyring.get_password(service, "postgres-password") == "s3cret"


def test_no_keyring_raises_no_keyring_error(no_keyring: None) -> None:
    import keyring
    from keyring.errors import NoKeyringError

    with pytest.raises(NoKeyringError):
        keyring.set_password("cutover-test", "user", "pw")
