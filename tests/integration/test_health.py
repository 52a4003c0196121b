"""Live pod health through our own watch, on the real control plane and a real kubelet.

Every wait is a deadline on what the watch callback has delivered: nothing sleeps to sync."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.support.pods import (
    crashing,
    missing_image,
    never_ready,
    out_of_memory,
    running,
    template,
)
from tests.support.seen import Seen
from tests.support.workloads import create_bound_claim
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster
from wizard.health.report import gather_health
from wizard.health.rollup import rollup
from wizard.health.status import PodRow, WorkloadHealth
from wizard.health.watch import WatchState


@pytest.fixture
def cluster(admin_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    c = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    yield c
    c.close()


@pytest.fixture
def watches() -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for handle in opened:
        handle.stop()


def create_deployment(api: Any, namespace: str, name: str, replicas: int = 1, **pod: Any) -> None:
    """A Deployment labelled app=health, component=<name>; `pod` holds its containers and
    volumes (default: one busybox container that runs until stopped)."""
    labels = {"app": "health", "component": name}
    containers = pod.pop("containers", [running(name)])
    client.AppsV1Api(api).create_namespaced_deployment(
        namespace,
        {
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": template(labels, containers, **pod),
            },
        },
    )


def nfs_claim(api: Any, namespace: str) -> str:
    """A claim bound to an NFS PersistentVolume whose server is nowhere: it binds, but no node can
    mount it. Returns the PV's name (cluster-wide: the caller deletes it)."""
    nfs = {"nfs": {"server": "nfs.example.invalid", "path": "/exports/media"}}
    return create_bound_claim(api, namespace, "media", nfs)


def test_the_real_kubelets_reasons_read_as_kubectl_shows_them(
    cluster: KubeCluster, admin_api: Any, namespace: str, watches: list[Any]
) -> None:
    """Every way a pod goes wrong, run for real; the watch reads each as `kubectl get pods` shows
    it, with the kubelet's own words behind it."""
    seen = Seen()
    watches.append(cluster.watch("pods", "app=health", seen))
    seen.wait("the first list", lambda: seen.updates and seen.updates[0].reset)
    assert seen.items == {}
    client.CoreV1Api(admin_api).create_namespaced_secret(
        namespace, {"metadata": {"name": "app"}, "stringData": {"present": "x"}}
    )
    missing_key = running("config")
    missing_key["env"] = [
        {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "app", "key": "openai-api-key"}}}
    ]
    create_deployment(admin_api, namespace, "ok")
    create_deployment(admin_api, namespace, "crash", containers=[crashing("crash")])
    create_deployment(admin_api, namespace, "pull", containers=[missing_image("pull")])
    create_deployment(admin_api, namespace, "oom", containers=[out_of_memory("oom")])
    create_deployment(admin_api, namespace, "unready", containers=[never_ready("unready")])
    create_deployment(admin_api, namespace, "config", containers=[missing_key])

    def by_workload() -> dict[str, PodRow]:
        return {row.workload: row for row in seen.items.values()}

    want = {
        "ok": ("Running", "1/1"),
        "crash": ("CrashLoopBackOff", "0/1"),
        "pull": ("ImagePullBackOff", "0/1"),
        "oom": ("CrashLoopBackOff", "0/1"),  # between restarts; why is in last_reason
        "unready": ("Running", "0/1"),
        "config": ("CreateContainerConfigError", "0/1"),
    }
    seen.wait(
        "every pod in its end state",
        lambda: (
            {w: (r.status, r.ready_text) for w, r in by_workload().items()} == want
            and by_workload()["crash"].restarts >= 1
            and by_workload()["oom"].last_reason == "OOMKilled"
        ),
        timeout=90,
    )
    rows = by_workload()
    assert rows["crash"].last_restart is not None and rows["crash"].last_reason == "Error"
    assert "back-off" in rows["crash"].why
    assert rows["config"].why == f"couldn't find key openai-api-key in Secret {namespace}/app"
    assert "local/never-built:1" in rows["pull"].why
    assert all(r.node == cluster_node(admin_api) and r.created for r in rows.values())
    assert rows["ok"].healthy and not any(rows[w].healthy for w in want if w != "ok")
    # Only one list: everything after it came through the watch.
    assert sum(u.reset for u in seen.updates) == 1
    assert all(u.status.state is WatchState.LIVE for u in seen.updates)


def cluster_node(admin_api: Any) -> str:
    nodes = client.CoreV1Api(admin_api).list_node(label_selector="cutover.test/kubelet=real")
    return str(nodes.items[0].metadata.name)


def test_a_pod_that_cannot_mount_its_volume_says_why(
    cluster: KubeCluster, admin_api: Any, namespace: str, tmp_path: Any
) -> None:
    """ContainerCreating has no reason of its own; the kubelet's FailedMount event has. The
    finding (the step's and `cutover status`'s) carries it, with a fix about the volume."""
    from wizard.compose.model import ComposeProject, ComposeService
    from wizard.config import CutoverConfig

    pv = nfs_claim(admin_api, namespace)
    try:
        create_deployment(
            admin_api,
            namespace,
            "media",
            containers=[{**running("media"), "volumeMounts": [{"name": "m", "mountPath": "/m"}]}],
            volumes=[{"name": "m", "persistentVolumeClaim": {"claimName": "media"}}],
        )

        def failed_mount() -> bool:
            return any(e.reason == "FailedMount" for e in cluster.list_events("type=Warning"))

        deadline = time.monotonic() + 60
        while not failed_mount():
            assert time.monotonic() < deadline, "no FailedMount event within 60 s"
            time.sleep(0.2)
        project = ComposeProject(name="p", services={"media": ComposeService(name="media")})
        config = CutoverConfig((tmp_path / "compose.yaml",), tmp_path, "p", selector="app=health")
        [finding] = gather_health(cluster, project, config)
        assert finding.blocks
        assert "ContainerCreating" in finding.message
        assert "FailedMount: MountVolume.SetUp failed" in finding.message
        assert "NFS" in finding.fix and "describe pod" in finding.fix
    finally:
        client.CoreV1Api(admin_api).delete_persistent_volume(pv)


def test_deployment_turns_available_and_its_service_row_ready(
    cluster: KubeCluster,
    admin_api: Any,
    namespace: str,
    watches: list[Any],
) -> None:
    deployments, pods = Seen(), Seen()
    watches.append(cluster.watch("deployments", "app=health", deployments))
    watches.append(cluster.watch("pods", "app=health", pods))
    slow = running("web", readinessProbe={"exec": {"command": ["true"]}, "periodSeconds": 1})
    create_deployment(admin_api, namespace, "web", replicas=2, containers=[slow])
    deployments.wait("the Deployment", lambda: "web" in deployments.items)
    first: WorkloadHealth = deployments.items["web"]
    assert first.desired == 2 and not first.is_ready

    def service_rows() -> Any:
        return rollup({"frontend": "web"}, deployments.items.values(), pods.items.values())

    deployments.wait("web ready", lambda: service_rows()[0].state == "ready", timeout=60)
    pods.wait(
        "both pods Running",
        lambda: len(pods.items) == 2 and all(p.healthy for p in pods.items.values()),
    )
    [row] = service_rows()
    assert row.workload is not None
    assert (row.workload.desired, row.workload.ready, row.workload.available) == (2, 2, 2)
    assert row.workload.updated == 2 and row.pods == 2 and row.unhealthy == ()
    states = [u.changed["web"].state for u in deployments.updates if u.changed.get("web")]
    assert "ready" in states and states[0] != "ready"  # seen turning ready, live


def test_warning_events_of_a_pod_live(
    cluster: KubeCluster, admin_api: Any, namespace: str, watches: list[Any]
) -> None:
    seen = Seen()
    watches.append(cluster.watch("events", "", seen, field_selector="type=Warning"))
    seen.wait("the first list", lambda: seen.updates)
    client.CoreV1Api(admin_api).create_namespaced_event(
        namespace,
        {
            "metadata": {"name": "backend-1.abc"},
            "involvedObject": {"kind": "Pod", "name": "backend-1", "namespace": namespace},
            "type": "Warning",
            "reason": "BackOff",
            "message": "Back-off restarting failed container",
            "count": 4,
            "source": {"component": "kubelet"},
        },
    )
    client.CoreV1Api(admin_api).create_namespaced_event(
        namespace,
        {
            "metadata": {"name": "backend-1.normal"},
            "involvedObject": {"kind": "Pod", "name": "backend-1", "namespace": namespace},
            "type": "Normal",
            "reason": "Pulled",
            "message": "ok",
        },
    )
    seen.wait("the Warning", lambda: "backend-1.abc" in seen.items)
    event = seen.items["backend-1.abc"]
    assert (event.reason, event.object_kind, event.object_name, event.count) == (
        "BackOff",
        "Pod",
        "backend-1",
        4,
    )
    assert "backend-1.normal" not in seen.items  # the field selector filters server-side
    assert [e.reason for e in cluster.list_events("type=Warning")] == ["BackOff"]


def test_an_old_resource_version_ends_live_and_current(
    cluster: KubeCluster, admin_api: Any, namespace: str, watches: list[Any]
) -> None:
    """Resuming from resourceVersion 1. On a server that has been up a while this is answered
    with 410 Gone and the loop lists once; a freshly started 1.20 server may replay from there
    instead (seen in a fresh CI environment). Either way the watch must end live with exactly the
    current pods. The 410 path is proven for real in test_watch_reconnect (a restarted server
    answers 410 after writes) and with a scripted stream in tests/unit/test_health_watch.py."""
    create_deployment(admin_api, namespace, "old")
    seen = Seen()
    handle = cluster.watch("pods", "app=health", seen, since="1")
    watches.append(handle)
    seen.wait("the pod", lambda: len(seen.items) == 1)
    # And it is live: a new pod arrives through the watch, without another list.
    lists = handle.lists
    create_deployment(admin_api, namespace, "new")
    seen.wait("the new pod", lambda: len(seen.items) == 2)
    assert lists <= 1 and handle.lists == lists
    assert all(u.status.state is WatchState.LIVE for u in seen.updates)
