"""Pod status reasons exactly as `kubectl get pods` prints them, from pod JSON shaped the way a
v1.20 kubelet writes it (test_health_kubelet.py reads documents a real one wrote); the
per-service rollup; kubectl's durations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from wizard.health.rollup import ServiceHealth, rollup
from wizard.health.status import (
    PodRow,
    event_row,
    human_duration,
    latest_events,
    pod_row,
    workload_health,
)

T0 = "2026-11-27T05:00:00Z"
T1 = "2026-11-27T05:10:00Z"
EPOCH0 = datetime(2026, 11, 27, 5, 0, tzinfo=UTC).timestamp()


def pod(
    containers: list[dict[str, Any]] | None = None,
    init: list[dict[str, Any]] | None = None,
    phase: str = "Running",
    conditions: list[dict[str, Any]] | None = None,
    **status: Any,
) -> dict[str, Any]:
    """A pod as the API server returns it; `containers` are containerStatuses."""
    containers = containers if containers is not None else [running()]
    body: dict[str, Any] = {
        "metadata": {
            "name": "backend-7d9c8b6f5-x2x4k",
            "namespace": "email-rag",
            "uid": "0d6b3f8e-1f7c-4c53-9d0e-0c3a2b1d9e11",
            "resourceVersion": "4242",
            "creationTimestamp": T0,
            "labels": {"app": "email-rag", "pod-template-hash": "7d9c8b6f5"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "backend-7d9c8b6f5",
                    "uid": "a",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "nodeName": "node-1",
            "containers": [
                {"name": c["name"], "image": "local/busybox:1"} for c in (containers or [])
            ]
            or [{"name": "backend", "image": "local/busybox:1"}],
            "volumes": [
                {"name": "uploads", "persistentVolumeClaim": {"claimName": "upload-data"}},
                {"name": "token", "secret": {"secretName": "default-token-abcde"}},
            ],
        },
        "status": {"phase": phase, "conditions": conditions or [], **status},
    }
    if containers:
        body["status"]["containerStatuses"] = containers
    if init is not None:
        body["spec"]["initContainers"] = [{"name": c["name"]} for c in init]
        body["status"]["initContainerStatuses"] = init
    return body


def cstatus(name: str, state: dict[str, Any], ready: bool = False, restarts: int = 0, **extra: Any):
    return {
        "name": name,
        "image": "local/busybox:1",
        "imageID": "",
        "ready": ready,
        "restartCount": restarts,
        "started": "running" in state,
        "state": state,
        "lastState": {},
        **extra,
    }


def running(name: str = "backend", ready: bool = True) -> dict[str, Any]:
    return cstatus(name, {"running": {"startedAt": T0}}, ready=ready)


def waiting(reason: str, message: str = "", name: str = "backend", **kw: Any) -> dict[str, Any]:
    w: dict[str, Any] = {"reason": reason}
    if message:
        w["message"] = message
    return cstatus(name, {"waiting": w}, **kw)


def terminated(
    reason: str = "", exit_code: int = 0, name: str = "backend", signal: int = 0, **kw: Any
) -> dict[str, Any]:
    t: dict[str, Any] = {"exitCode": exit_code, "startedAt": T0, "finishedAt": T1}
    if reason:
        t["reason"] = reason
    if signal:
        t["signal"] = signal
    return cstatus(name, {"terminated": t}, **kw)


def cond(kind: str, ok: bool, reason: str = "", message: str = "") -> dict[str, Any]:
    c: dict[str, Any] = {"type": kind, "status": "True" if ok else "False"}
    if reason:
        c["reason"], c["message"] = reason, message
    return c


BACKOFF = (
    "back-off 40s restarting failed container=backend pod=backend-7d9c8b6f5-x2x4k_email-rag(0d6b)"
)
PULL = "rpc error: code = Unknown desc = Error response from daemon: pull access denied for ghcr.io/acme/backend"


@pytest.mark.parametrize(
    ("body", "status", "ready_text", "restarts"),
    [
        (pod([running()]), "Running", "1/1", 0),
        (pod([waiting("ContainerCreating")], phase="Pending"), "ContainerCreating", "0/1", 0),
        (
            pod(
                [
                    waiting(
                        "CrashLoopBackOff",
                        BACKOFF,
                        restarts=3,
                        lastState={
                            "terminated": {"exitCode": 1, "reason": "Error", "finishedAt": T1}
                        },
                    )
                ]
            ),
            "CrashLoopBackOff",
            "0/1",
            3,
        ),
        (pod([waiting("ErrImagePull", PULL)], phase="Pending"), "ErrImagePull", "0/1", 0),
        (
            pod([waiting("ImagePullBackOff", 'Back-off pulling image "x"')], phase="Pending"),
            "ImagePullBackOff",
            "0/1",
            0,
        ),
        (pod([terminated("OOMKilled", 137, restarts=1)]), "OOMKilled", "0/1", 1),
        (pod([terminated("Error", 1)], phase="Failed"), "Error", "0/1", 0),
        (pod([terminated("Completed", 0)], phase="Succeeded"), "Completed", "0/1", 0),
        (pod([terminated(exit_code=2)], phase="Failed"), "ExitCode:2", "0/1", 0),
        (pod([terminated(exit_code=137, signal=9)], phase="Failed"), "Signal:9", "0/1", 0),
        (
            pod([waiting("CreateContainerConfigError", 'secret "email-rag-secrets" not found')]),
            "CreateContainerConfigError",
            "0/1",
            0,
        ),
        # Two containers: one finished fine, one still running -> Running (Ready) / NotReady.
        (
            pod(
                [running("web"), terminated("Completed", name="sidecar")],
                conditions=[cond("Ready", True)],
            ),
            "Running",
            "1/2",
            0,
        ),
        (
            pod(
                [running("web", ready=True), terminated("Completed", name="sidecar")],
                conditions=[cond("Ready", False, "ContainersNotReady", "x")],
            ),
            "NotReady",
            "1/2",
            0,
        ),
        # The last container decides (kubectl walks them last to first).
        (
            pod([waiting("CrashLoopBackOff", name="a", restarts=2), running("b")]),
            "CrashLoopBackOff",
            "1/2",
            2,
        ),
        # A running container that is not ready: phase Running, 0/1.
        (pod([running(ready=False)]), "Running", "0/1", 0),
    ],
)
def test_container_reasons(body: dict[str, Any], status: str, ready_text: str, restarts: int):
    row = pod_row(body)
    assert (row.status, row.ready_text, row.restarts) == (status, ready_text, restarts)
    assert row.node == "node-1" and row.workload == "backend"
    assert row.claims == ("upload-data",)


def test_waiting_message_and_last_restart_are_kept() -> None:
    row = pod_row(
        pod(
            [
                waiting(
                    "CrashLoopBackOff",
                    BACKOFF,
                    restarts=3,
                    lastState={"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": T1}},
                )
            ]
        )
    )
    assert row.why == BACKOFF
    assert row.last_restart == EPOCH0 + 600
    assert row.restarts_text(EPOCH0 + 642) == "3 (42s ago)"
    assert row.age(EPOCH0 + 642) == "10m"  # kubectl drops seconds from 10 minutes on
    assert not row.healthy
    pulled = pod_row(pod([waiting("ErrImagePull", PULL)], phase="Pending"))
    assert pulled.why == PULL


@pytest.mark.parametrize(
    ("init", "containers", "status", "restarts"),
    [
        # First init container running, none done: Init:0/2.
        (
            [running("migrate", ready=False), waiting("PodInitializing", name="wait")],
            None,
            "Init:0/2",
            0,
        ),
        (
            [terminated("Completed", name="migrate"), running("wait", ready=False)],
            None,
            "Init:1/2",
            0,
        ),
        (
            [waiting("CrashLoopBackOff", BACKOFF, name="migrate", restarts=4)],
            None,
            "Init:CrashLoopBackOff",
            4,
        ),
        ([terminated("Error", 1, name="migrate")], None, "Init:Error", 0),
        ([terminated(exit_code=3, name="migrate")], None, "Init:ExitCode:3", 0),
        ([terminated(exit_code=3, signal=15, name="migrate")], None, "Init:Signal:15", 0),
        ([waiting("ImagePullBackOff", name="migrate")], None, "Init:ImagePullBackOff", 0),
        # Init done, main container not started yet: PodInitializing.
        (
            [terminated("Completed", name="migrate")],
            [waiting("PodInitializing")],
            "PodInitializing",
            0,
        ),
        ([terminated("Completed", name="migrate")], [running()], "Running", 0),
    ],
)
def test_init_container_reasons(
    init: list[dict[str, Any]], containers: list[dict[str, Any]] | None, status: str, restarts: int
) -> None:
    phase = "Running" if status == "Running" else "Pending"
    body = pod(containers or [waiting("PodInitializing")], init=init, phase=phase)
    if containers is None:
        # While init containers run, the kubelet reports the app containers as PodInitializing.
        body["status"]["containerStatuses"] = [waiting("PodInitializing")]
    row = pod_row(body)
    assert (row.status, row.restarts) == (status, restarts)


def test_pending_unschedulable_carries_the_scheduler_message() -> None:
    message = "0/2 nodes are available: 2 Insufficient memory."
    body = pod(
        [],
        phase="Pending",
        conditions=[cond("PodScheduled", False, "Unschedulable", message)],
    )
    del body["spec"]["nodeName"]
    row = pod_row(body)
    assert (row.status, row.ready_text, row.node) == ("Pending", "0/1", "")
    assert row.why == f"Unschedulable: {message}"


def test_pending_not_yet_seen_by_a_kubelet() -> None:
    body = pod([], phase="Pending", conditions=[cond("PodScheduled", True)])
    assert pod_row(body).status == "Pending" and pod_row(body).why == ""


def test_terminating_unknown_and_node_lost() -> None:
    body = pod([running()])
    body["metadata"]["deletionTimestamp"] = T1
    row = pod_row(body)
    assert row.status == "Terminating" and row.deleting and not row.healthy
    lost = pod(
        [running()], reason="NodeLost", message="Node node-1 which was running pod is unresponsive"
    )
    assert pod_row(lost).status == "NodeLost"
    lost["metadata"]["deletionTimestamp"] = T1
    assert pod_row(lost).status == "Unknown"
    evicted = pod([], phase="Failed", reason="Evicted", message="The node was low on memory.")
    assert (pod_row(evicted).status, pod_row(evicted).why) == (
        "Evicted",
        "The node was low on memory.",
    )


def test_owner_workload_and_bare_pods() -> None:
    sts = pod([running()])
    sts["metadata"]["ownerReferences"] = [
        {"kind": "StatefulSet", "name": "postgres", "controller": True}
    ]
    assert pod_row(sts).workload == "postgres"
    bare = pod([running()])
    del bare["metadata"]["ownerReferences"]
    assert pod_row(bare).workload == ""


def test_row_keeps_only_small_fields() -> None:
    row = pod_row(pod([running()]))
    assert not hasattr(row, "__dict__")  # slots: no per-instance dict at 5,000 pods
    assert row == PodRow(
        name="backend-7d9c8b6f5-x2x4k",
        status="Running",
        ready=1,
        total=1,
        restarts=0,
        node="node-1",
        created=EPOCH0,
        phase="Running",
        workload="backend",
        claims=("upload-data",),
    )
    assert row.healthy


# --- workloads and the rollup ------------------------------------------------------------------


def deployment(desired: int, **status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "backend", "generation": 2},
        "spec": {"replicas": desired},
        "status": {"observedGeneration": 2, **status},
    }


def test_workload_health_states() -> None:
    ok = workload_health(
        deployment(2, replicas=2, readyReplicas=2, availableReplicas=2, updatedReplicas=2),
        "Deployment",
    )
    assert (ok.desired, ok.ready, ok.available, ok.updated, ok.state) == (2, 2, 2, 2, "ready")
    assert workload_health(deployment(2, replicas=2, updatedReplicas=2)).state == "not ready"
    assert workload_health(deployment(2, replicas=3, updatedReplicas=1)).state == "rolling out"
    unseen = deployment(1, readyReplicas=1, availableReplicas=1, updatedReplicas=1)
    unseen["status"]["observedGeneration"] = 1
    assert workload_health(unseen).state == "rolling out"
    assert workload_health(deployment(0)).state == "scaled to 0"
    stuck = deployment(1, updatedReplicas=1)
    stuck["status"]["conditions"] = [
        {
            "type": "Progressing",
            "status": "False",
            "reason": "ProgressDeadlineExceeded",
            "message": 'ReplicaSet "backend-7d9c8b6f5" has timed out progressing.',
        }
    ]
    assert workload_health(stuck).state == "failed"
    # A v1.20 StatefulSet has no availableReplicas: ready stands in.
    sts = {
        "kind": "StatefulSet",
        "metadata": {"name": "postgres"},
        "spec": {"replicas": 1},
        "status": {"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1},
    }
    assert workload_health(sts).available == 1 and workload_health(sts).is_ready
    assert workload_health({"metadata": {"name": "x"}, "spec": {}}).desired == 1


def test_rollup_per_compose_service() -> None:
    backend = workload_health(
        deployment(2, replicas=2, readyReplicas=1, availableReplicas=1, updatedReplicas=2),
        "Deployment",
    )
    good = pod_row(pod([running()]))
    bad_body = pod([waiting("CrashLoopBackOff", restarts=2)])
    bad_body["metadata"]["name"] = "backend-7d9c8b6f5-zzzzz"
    bad = pod_row(bad_body)
    rows = rollup({"backend": "backend", "worker": "celery"}, [backend], [good, bad])
    assert rows == [
        ServiceHealth("backend", backend, pods=2, unhealthy=("CrashLoopBackOff",)),
        ServiceHealth("worker", None),
    ]
    assert [r.state for r in rows] == ["not ready", "missing"]


def test_events_newest_first() -> None:
    def event(name: str, when: str, message: str) -> dict[str, Any]:
        return {
            "metadata": {"name": name},
            "involvedObject": {"kind": "PersistentVolumeClaim", "name": "uploads"},
            "type": "Normal",
            "reason": "FailedBinding",
            "message": message,
            "count": 3,
            "lastTimestamp": when,
        }

    rows = [event_row(event("a", T0, "old")), event_row(event("b", T1, "new"))]
    assert [e.message for e in latest_events(rows, "PersistentVolumeClaim", "uploads")] == [
        "new",
        "old",
    ]
    assert latest_events(rows, "Pod", "uploads") == []


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (59, "59s"),
        (119, "119s"),
        (120, "2m"),
        (150, "2m30s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 5 * 60, "3h5m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (2 * 86400, "2d"),
        (2 * 86400 + 3600, "2d1h"),
        (10 * 86400, "10d"),
        (800 * 86400, "2y70d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration_like_kubectl(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text
