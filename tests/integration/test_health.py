"""Live pod health through our own watch, on the real control plane with the fake kubelet.

Every wait is a deadline on what the watch callback has delivered: nothing sleeps to sync."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.support.fake_kubelet import crashloop, image_pull_backoff, oomkilled, ready
from tests.support.seen import Seen
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster
from wizard.health.status import PodRow, WorkloadHealth, rollup
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


def create_deployment(api: Any, namespace: str, name: str, replicas: int = 1) -> None:
    labels = {"app": "health", "component": name}
    client.AppsV1Api(api).create_namespaced_deployment(
        namespace,
        {
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": name, "image": "local/busybox:1"}]},
                },
            },
        },
    )


def test_fake_kubelet_scenarios_show_with_kubectls_reasons(
    cluster: KubeCluster,
    admin_api: Any,
    namespace: str,
    fake_kubelet: Any,
    watches: list[Any],
) -> None:
    seen = Seen()
    watches.append(cluster.watch("pods", "app=health", seen))
    seen.wait("the first list", lambda: seen.updates and seen.updates[0].reset)
    assert seen.items == {}
    for name in ("ok", "crash", "pull", "oom"):
        create_deployment(admin_api, namespace, name)
    fake_kubelet.run_rules(
        namespace,
        [
            ("component=ok", ready(after=0.2)),
            ("component=crash", crashloop(restarts=2)),
            ("component=pull", image_pull_backoff()),
            ("component=oom", oomkilled()),
        ],
    )

    def by_workload() -> dict[str, PodRow]:
        return {row.workload: row for row in seen.items.values()}

    want = {
        "ok": ("Running", "1/1", 0),
        "crash": ("CrashLoopBackOff", "0/1", 2),  # the scenario's end: two restarts
        "pull": ("ImagePullBackOff", "0/1", 0),
        "oom": ("OOMKilled", "0/1", 1),
    }
    seen.wait(
        "every scenario's reason",
        lambda: {w: (r.status, r.ready_text, r.restarts) for w, r in by_workload().items()} == want,
    )
    rows = by_workload()
    assert rows["crash"].last_restart is not None
    assert "back-off" in rows["crash"].why
    assert "pull access denied" in "".join(
        u.changed[k].why
        for u in seen.updates
        for k in u.changed
        if u.changed[k] is not None and u.changed[k].status == "ErrImagePull"
    )
    assert all(r.node.startswith("node-") and r.created for r in rows.values())
    assert rows["ok"].healthy and not rows["oom"].healthy
    # Only one list: everything after it came through the watch.
    assert sum(u.reset for u in seen.updates) == 1
    assert all(u.status.state is WatchState.LIVE for u in seen.updates)


def test_deployment_turns_available_and_its_service_row_ready(
    cluster: KubeCluster,
    admin_api: Any,
    namespace: str,
    fake_kubelet: Any,
    watches: list[Any],
) -> None:
    deployments, pods = Seen(), Seen()
    watches.append(cluster.watch("deployments", "app=health", deployments))
    watches.append(cluster.watch("pods", "app=health", pods))
    create_deployment(admin_api, namespace, "web", replicas=2)
    deployments.wait("the Deployment", lambda: "web" in deployments.items)
    first: WorkloadHealth = deployments.items["web"]
    assert first.desired == 2 and not first.is_ready

    def service_rows() -> Any:
        return rollup({"frontend": "web"}, deployments.items.values(), pods.items.values())

    fake_kubelet.run(namespace, "component=web", ready(after=0.3))
    deployments.wait("web ready", lambda: service_rows()[0].state == "ready")
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
