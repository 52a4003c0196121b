"""Pod and workload health from the API server's raw JSON, the way `kubectl get pods` shows it.

`pod_row` reduces one pod dict to a small frozen `PodRow` holding only what the Health screen
shows (5,000 pods must stay well under the memory budget: no labels, no spec, no raw dict kept).
Its `status` follows kubectl's pod printer (pkg/printers/internalversion, `printPod`) rule for rule:

- start from `status.phase`, or `status.reason` when set (NodeLost, Evicted, ...);
- the first init container that has not exited 0 decides, as `Init:<reason>`,
  `Init:ExitCode:N`, `Init:Signal:N`, or `Init:i/n` while it runs;
- otherwise the containers, last to first: a waiting reason (ContainerCreating, CrashLoopBackOff,
  ImagePullBackOff, ErrImagePull, CreateContainerConfigError, PodInitializing), else a terminated
  reason (Completed, Error, OOMKilled), else `ExitCode:N` / `Signal:N`; ready counts containers that
  are ready and running; `Completed` with a container still running becomes Running or NotReady;
- a pod being deleted is `Terminating` (`Unknown` when its node is lost).

One addition kubectl leaves to `describe`: a pod the scheduler could not place stays `Pending`,
and `why` carries the scheduler's message (`0/2 nodes are available: ...`). `why` holds the
message behind any other reason too (back-off, pull error), for the detail pane.

`workload_health` does the same for a Deployment or StatefulSet: desired/ready/available/updated.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

NODE_LOST = "NodeLost"  # the pod reason the node controller sets when a node is unreachable


@dataclass(frozen=True, slots=True)
class PodRow:
    """One pod as the Health table shows it. Times are Unix seconds (None: not known)."""

    name: str
    status: str  # kubectl's STATUS column
    ready: int
    total: int
    restarts: int
    node: str = ""
    created: float | None = None
    last_restart: float | None = None  # when the last restarted container last ended
    why: str = ""  # the message behind the status (scheduler, back-off, pull error)
    phase: str = ""
    workload: str = ""  # the Deployment or StatefulSet that owns it ("" for a bare pod)
    claims: tuple[str, ...] = ()  # the PVCs it mounts
    deleting: bool = False
    # Why the last run of a restarted container ended (OOMKilled, Error ...): a real kubelet shows
    # CrashLoopBackOff between restarts, and only this says the container ran out of memory.
    last_reason: str = ""

    @property
    def ready_text(self) -> str:
        return f"{self.ready}/{self.total}"

    @property
    def healthy(self) -> bool:
        """Running with every container ready, or finished successfully."""
        if self.deleting:
            return False
        return (self.status == "Running" and self.ready == self.total) or self.status == "Completed"

    def age(self, now: float) -> str:
        return "<unknown>" if self.created is None else human_duration(now - self.created)

    def restarts_text(self, now: float) -> str:
        """`3 (42s ago)` as kubectl >= 1.22 prints it; just the count when no time is known."""
        if self.restarts and self.last_restart is not None:
            return f"{self.restarts} ({human_duration(now - self.last_restart)} ago)"
        return str(self.restarts)


def pod_row(pod: Mapping[str, Any]) -> PodRow:
    """Reduce one pod (API JSON, as listed or watched) to its `PodRow`."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or phase)
    why = str(status.get("message") or "")
    restarts = 0
    ready = 0
    last_restart: float | None = None
    last_reason = ""

    init_specs = spec.get("initContainers") or ()
    initializing = False
    for i, c in enumerate(status.get("initContainerStatuses") or ()):
        restarts += int(c.get("restartCount") or 0)
        last_restart = _later(last_restart, _last_finish(c))
        state = c.get("state") or {}
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        if terminated is not None and int(terminated.get("exitCode") or 0) == 0:
            continue
        if terminated is not None:
            if terminated.get("reason"):
                reason = f"Init:{terminated['reason']}"
            elif terminated.get("signal"):
                reason = f"Init:Signal:{terminated['signal']}"
            else:
                reason = f"Init:ExitCode:{terminated.get('exitCode') or 0}"
            why = str(terminated.get("message") or why)
        elif (
            waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing"
        ):
            reason = f"Init:{waiting['reason']}"
            why = str(waiting.get("message") or why)
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing:
        restarts = 0
        last_restart = None
        has_running = False
        for c in reversed(status.get("containerStatuses") or ()):
            restarts += int(c.get("restartCount") or 0)
            if c.get("restartCount"):
                last_restart = _later(last_restart, _last_finish(c))
                ended = (c.get("lastState") or {}).get("terminated") or {}
                last_reason = str(ended.get("reason") or last_reason)
            state = c.get("state") or {}
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = str(waiting["reason"])
                why = str(waiting.get("message") or why)
            elif terminated is not None and terminated.get("reason"):
                reason = str(terminated["reason"])
                why = str(terminated.get("message") or why)
            elif terminated is not None:
                reason = (
                    f"Signal:{terminated['signal']}"
                    if terminated.get("signal")
                    else f"ExitCode:{terminated.get('exitCode') or 0}"
                )
            elif c.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"

    if reason == "Pending" and not why:
        why = _unschedulable(status)

    deleting = bool(meta.get("deletionTimestamp"))
    if deleting:
        reason = "Unknown" if status.get("reason") == NODE_LOST else "Terminating"

    return PodRow(
        name=str(meta.get("name") or ""),
        status=sys.intern(reason),
        ready=ready,
        total=len(spec.get("containers") or ()),
        restarts=restarts,
        node=sys.intern(str(spec.get("nodeName") or "")),
        created=parse_time(meta.get("creationTimestamp")),
        last_restart=last_restart,
        why=why,
        phase=sys.intern(phase),
        workload=_owner_workload(meta),
        claims=tuple(
            str(v["persistentVolumeClaim"].get("claimName") or "")
            for v in spec.get("volumes") or ()
            if v.get("persistentVolumeClaim")
        ),
        deleting=deleting,
        last_reason=sys.intern(last_reason),
    )


def _condition_true(status: Mapping[str, Any], kind: str) -> bool:
    return any(
        c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or ()
    )


def _unschedulable(status: Mapping[str, Any]) -> str:
    """The scheduler's reason a Pending pod has no node, e.g. `Unschedulable: 0/2 nodes ...`."""
    for c in status.get("conditions") or ():
        if c.get("type") == "PodScheduled" and c.get("status") == "False":
            reason, message = str(c.get("reason") or ""), str(c.get("message") or "")
            return f"{reason}: {message}" if reason and message else reason or message
    return ""


def _last_finish(container: Mapping[str, Any]) -> float | None:
    last = (container.get("lastState") or {}).get("terminated") or {}
    return parse_time(last.get("finishedAt"))


def _later(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _owner_workload(meta: Mapping[str, Any]) -> str:
    """The Deployment (through its ReplicaSet) or StatefulSet that owns the pod."""
    for owner in meta.get("ownerReferences") or ():
        if not owner.get("controller"):
            continue
        name = str(owner.get("name") or "")
        if owner.get("kind") == "ReplicaSet":
            template_hash = (meta.get("labels") or {}).get("pod-template-hash")
            if template_hash and name.endswith(f"-{template_hash}"):
                return sys.intern(name[: -len(template_hash) - 1])
        return sys.intern(name)
    return ""


def parse_time(value: object) -> float | None:
    """Unix seconds from an RFC 3339 time as the API server writes it (None when absent/bad)."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """A duration as kubectl prints ages (apimachinery's `duration.HumanDuration`)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


# --- workloads ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkloadHealth:
    """A Deployment's or StatefulSet's rollout counters, and what they add up to."""

    kind: str
    name: str
    desired: int
    ready: int
    available: int
    updated: int
    current: int = 0  # pods that exist (status.replicas)
    observed: bool = True  # the controller has seen the latest spec (observedGeneration)
    stalled: str = ""  # a Deployment's Progressing=False message (ProgressDeadlineExceeded)

    @property
    def state(self) -> str:
        """ready | scaled to 0 | rolling out | failed | not ready."""
        if self.stalled:
            return "failed"
        if self.desired == 0:
            return "scaled to 0"
        if not self.observed or self.updated < self.desired:
            return "rolling out"
        if self.ready >= self.desired and self.available >= self.desired:
            return "ready"
        return "not ready"

    @property
    def is_ready(self) -> bool:
        return self.state == "ready"


def workload_health(obj: Mapping[str, Any], kind: str = "") -> WorkloadHealth:
    """From a Deployment or StatefulSet (API JSON). `kind` when the item carries none (lists)."""
    kind = kind or str(obj.get("kind") or "")
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    ready = int(status.get("readyReplicas") or 0)
    # StatefulSets report availableReplicas only from Kubernetes 1.22 on: ready stands in.
    available = status.get("availableReplicas")
    if available is None and kind == "StatefulSet":
        available = ready
    stalled = ""
    for c in status.get("conditions") or ():
        if c.get("type") == "Progressing" and c.get("status") == "False":
            stalled = str(c.get("message") or c.get("reason") or "no progress")
    generation = int(meta.get("generation") or 0)
    return WorkloadHealth(
        kind=sys.intern(kind),
        name=str(meta.get("name") or ""),
        desired=int(1 if spec.get("replicas") is None else spec["replicas"]),
        ready=ready,
        available=int(available or 0),
        updated=int(status.get("updatedReplicas") or 0),
        current=int(status.get("replicas") or 0),
        observed=int(status.get("observedGeneration") or 0) >= generation,
        stalled=stalled,
    )


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRow:
    """One Event, as the Warning events pane shows it."""

    name: str
    type: str  # Normal | Warning
    reason: str
    message: str
    object_kind: str
    object_name: str
    count: int = 1
    last_seen: float | None = None


def event_row(obj: Mapping[str, Any]) -> EventRow:
    meta = obj.get("metadata") or {}
    involved = obj.get("involvedObject") or {}
    last = (
        obj.get("lastTimestamp")
        or obj.get("eventTime")
        or (obj.get("series") or {}).get("lastObservedTime")
        or obj.get("firstTimestamp")
        or meta.get("creationTimestamp")
    )
    return EventRow(
        name=str(meta.get("name") or ""),
        type=sys.intern(str(obj.get("type") or "")),
        reason=sys.intern(str(obj.get("reason") or "")),
        message=str(obj.get("message") or ""),
        object_kind=sys.intern(str(involved.get("kind") or "")),
        object_name=str(involved.get("name") or ""),
        count=int(obj.get("count") or 1),
        last_seen=parse_time(last),
    )


def latest_events(events: Iterable[EventRow], kind: str, name: str) -> list[EventRow]:
    """The events of one object, newest first."""
    mine = [e for e in events if e.object_kind == kind and e.object_name == name]
    return sorted(mine, key=lambda e: e.last_seen or 0.0, reverse=True)
