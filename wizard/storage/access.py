"""One rule for a claim several pods share: may they all mount it, whichever node they land on?

The Volumes step and the Mapping diff both ask this of the same claim, so both call `shared_access`
and say what it says. What decides:

- the modes the claim requests (`spec.accessModes`) and, once Bound, the modes of its
  PersistentVolume (`status.accessModes`): the attach-detach controller lets a volume onto a
  second node when the PersistentVolume offers ReadWriteMany, whatever the claim asked for;
- every pod that may mount it at once: each workload that mounts the claim, up to its replicas
  (or its autoscaler's maximum), and the Compose services that share the volume it replaces
  (their workloads need the claim too, even before they mount it).

ReadOnlyMany lets every node mount the volume read-only: fine when every pod mounts it read-only
(the container's `readOnly: true`, or the claim's in the pod volume), a block when one writes
(the writes fail), whatever the number of pods.

More than one pod, then: ReadWriteMany requested: fine. ReadWriteMany only on the bound
PersistentVolume: warn (it works by luck of the binding; a claim re-created, or bound in another
cluster, gets a one-node volume). ReadWriteOncePod: block (one pod at all, even on one node).
Otherwise: block (pods on another node than the first stay ContainerCreating).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from wizard.checks import Severity
from wizard.target.model import TargetState, TargetWorkload

RWO = "ReadWriteOnce"
RWX = "ReadWriteMany"
ROX = "ReadOnlyMany"
RWOP = "ReadWriteOncePod"
PER_NODE = 2  # stands for a DaemonSet's "one pod on every node" in the counts


def _ordinal_claim(template: str, statefulset: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(template)}-{re.escape(statefulset)}-\d+$")


@dataclass(frozen=True)
class Sharer:
    """Who mounts the claim, and how many pods of it may run at once."""

    name: str  # "Deployment backend", "Compose service celery"
    pods: int
    # For a Compose service sharing the volume whose workload does not mount the claim: why.
    note: str = ""
    # Mounts it writable (a Compose service whose workload does not mount it yet counts as
    # writing: how it will is not known).
    writes: bool = True


@dataclass(frozen=True)
class AccessVerdict:
    severity: Severity
    message: str
    fix: str


def most_pods(workload: TargetWorkload, target: TargetState) -> int:
    """How many pods of `workload` may run at once: its replicas, or its autoscaler's maximum;
    a DaemonSet runs one on every node, so at least two (PER_NODE) on any cluster that matters."""
    if workload.kind == "DaemonSet":
        return PER_NODE
    scalers = [a for a in target.autoscalers if a.target_name == workload.name]
    return max([workload.replicas or 1, *((a.max_replicas or 1) for a in scalers)])


def claim_sharers(
    claim: str,
    target: TargetState,
    compose_users: Mapping[str, TargetWorkload | None] | None = None,
) -> list[Sharer]:
    """Every workload whose pod spec mounts `claim`, and every Compose service in
    `compose_users` (those sharing the volume the claim replaces, with the workload each became)
    whose workload is not among them. A StatefulSet's per-pod claims (templates) are not shared."""
    sharers: dict[str, Sharer] = {}
    for workload in target.workloads:
        name = f"{workload.kind} {workload.name}"
        if any(v.kind == "persistentVolumeClaim" and v.ref == claim for v in workload.volumes):
            writes = _writes(workload, claim)
            sharers[name] = Sharer(name, most_pods(workload, target), writes=writes)
        elif any(_ordinal_claim(t, workload.name).match(claim) for t in workload.claim_templates):
            sharers[name] = Sharer(name, 1)  # one pod's own claim, made from the template
    for service, became in sorted((compose_users or {}).items()):
        if became is not None and f"{became.kind} {became.name}" in sharers:
            continue
        name = f"Compose service {service}"
        if became is None:
            sharers[name] = Sharer(name, 1, "no workload found for it yet")
        else:
            note = f"{became.kind} {became.name} does not mount it yet"
            sharers[name] = Sharer(name, most_pods(became, target), note)
    return list(sharers.values())


def _writes(workload: TargetWorkload, claim: str) -> bool:
    """Does the workload mount the claim writable? Read-only when the pod volume says so, or
    every container mount of it does; a volume no container mounts counts as writable."""
    for volume in workload.volumes:
        if volume.kind != "persistentVolumeClaim" or volume.ref != claim or volume.read_only:
            continue
        mounts = [m for c in workload.containers for m in c.mounts if m.volume == volume.name]
        if not mounts or any(not m.read_only for m in mounts):
            return True
    return False


def shared_access(
    claim: str,
    requested: Sequence[str],
    bound: Sequence[str],
    sharers: Sequence[Sharer],
    running_pods: Iterable[str] = (),
) -> AccessVerdict | None:
    """The verdict on `claim` shared by `sharers` (see the module doc); None when at most one pod
    uses it, the modes are not known, or ReadWriteMany is requested. `bound` is the bound
    PersistentVolume's modes (empty while the claim is not Bound or when not known);
    `running_pods` the pods seen mounting it now (live), which count when they are more."""
    requested = tuple(requested) or tuple(bound)
    if not requested:
        return None
    running = sorted(running_pods)
    pods = max(sum(s.pods for s in sharers), len(running))
    effective = tuple(bound) or requested
    users = _users(sharers, running)
    writers = [s.name for s in sharers if s.writes]
    if ROX in effective and not set(effective) & {RWO, RWX, RWOP} and writers:
        return AccessVerdict(
            Severity.BLOCK,
            f"PVC {claim} is ReadOnlyMany: nodes mount it read-only, but {' and '.join(writers)} "
            "mounts it writable, and writes to it fail.",
            f"Set `readOnly: true` on the volumeMounts of {claim} in {' and '.join(writers)} if "
            f"it only reads; if it writes, re-create {claim} with `accessModes: "
            "[ReadWriteMany]` (or ReadWriteOnce for one pod) and copy the data into it again.",
        )
    if pods <= 1 or RWX in requested:
        return None
    if not writers and ROX in requested:
        return None  # every pod reads it, which ReadOnlyMany allows from any node
    asked = f"PVC {claim} requests {', '.join(requested)}"
    offered = (
        f"its PersistentVolume offers {', '.join(bound)}"
        if bound
        else "it is not bound to a PersistentVolume yet, so any volume offering that may serve it"
    )
    spread = f"{pods} pods, which the scheduler may place on up to {pods} nodes"
    if any(s.name.startswith("DaemonSet ") for s in sharers):
        spread = "a pod on every node"
    fix = (
        f"Use a ReadWriteMany class (NFS): re-create {claim} with `accessModes: [ReadWriteMany]` "
        "and a storageClassName that provides it (`kubectl get storageclass`), then copy the "
        "data into it again."
    )
    if RWOP in effective:
        return AccessVerdict(
            Severity.BLOCK,
            f"{asked}; {offered}. ReadWriteOncePod lets one pod mount it, even on one node, but "
            f"it is shared by {users}: {spread}.",
            fix,
        )
    if RWX in effective:
        return AccessVerdict(
            Severity.WARN,
            f"{asked}, but {offered}, so it can be shared by {users} ({spread}). That holds only "
            "for this binding: re-created, or bound in another cluster, the claim may get a "
            "volume that one node only mounts.",
            f"Make the claim say what it needs: request ReadWriteMany in {claim}'s "
            "accessModes (re-create it; its access modes cannot change in place).",
        )
    return AccessVerdict(
        Severity.BLOCK,
        f"{asked}; {offered}. It is shared by {users}: {spread}, and a ReadWriteOnce volume is "
        "mounted on one node only: pods on any other node stay ContainerCreating.",
        fix,
    )


def _count(sharer: Sharer) -> str:
    if sharer.name.startswith("DaemonSet "):
        return "a pod on every node"
    return f"up to {sharer.pods} pods" if sharer.pods > 1 else "1 pod"


def _users(sharers: Sequence[Sharer], running: Sequence[str]) -> str:
    parts = [f"{s.name} ({_count(s)}" + (f", {s.note}" if s.note else "") + ")" for s in sharers]
    who = " and ".join(parts) if parts else "pods"
    # Pods beyond what the workloads account for (a bare pod, a Job's) are named.
    more = len(running) > sum(s.pods for s in sharers)
    return f"{who}; pods {', '.join(running)} mount it now" if more else who
