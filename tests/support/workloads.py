"""Small real objects and configs that several integration tests build the same way."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from tests.support.pods import Container, running, template
from wizard.config import CutoverConfig, Flags, resolve_config

# RWO, 1Gi, class "manual": no StorageClass provisions it, so it stays Pending until a PV matches.
CLAIM: Any = {
    "metadata": {"name": "data", "labels": {"app": "db"}},
    "spec": {
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": "manual",
        "resources": {"requests": {"storage": "1Gi"}},
    },
}


def project_config(
    project: Any, kubeconfig: str, namespace: str, docker_host: str
) -> CutoverConfig:
    """The config `cutover -f FILE -p NAME -n NS --kubeconfig K -H HOST` gives for a test project."""
    flags = Flags(
        compose_files=[str(project.file)],
        project_name=project.name,
        namespace=namespace,
        kubeconfig=kubeconfig,
        docker_host=docker_host,
    )
    return resolve_config(flags, env={}, cwd=project.dir)


def create_deployment(
    admin_api: Any,
    namespace: str,
    name: str,
    replicas: int,
    volumes: list[Any] | None = None,
    container: Container | None = None,
) -> None:
    """A Deployment labelled app=<name> whose pods the real kubelet runs: `container` (default:
    busybox that runs until stopped, tests/support/pods.py has others), `volumes` at /data."""
    labels = {"app": name}
    container = dict(container or running(name))
    extra: dict[str, Any] = {}
    if volumes:
        extra["volumes"] = volumes
        container["volumeMounts"] = [{"name": v["name"], "mountPath": "/data"} for v in volumes]
    body: Any = {
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": template(labels, [container], **extra),
        },
    }
    client.AppsV1Api(admin_api).create_namespaced_deployment(namespace, body)


class CountingHost:
    """A ComposeHost passed through, counting every call made through it (a refusal must come
    before any Docker request)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attr(*args, **kwargs)

        return call


def create_bound_claim(admin_api: Any, namespace: str, name: str, source: dict[str, Any]) -> str:
    """A ReadWriteMany claim `name` pre-bound to a PersistentVolume of `source` (e.g.
    ``{"hostPath": {...}}`` or ``{"nfs": {...}}``); returns the PV's name, which is
    cluster-wide: the caller deletes it."""
    core = client.CoreV1Api(admin_api)
    pv = f"{namespace}-{name}"[:63]
    core.create_persistent_volume(
        {
            "metadata": {"name": pv},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteMany"],
                "persistentVolumeReclaimPolicy": "Retain",
                "claimRef": {"namespace": namespace, "name": name},
                **source,
            },
        }
    )
    core.create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": name},
            "spec": {
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )
    return pv
