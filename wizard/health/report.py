"""Per-service health as findings: what the Pod health step's verdict and `cutover status` say.

`service_findings` is pure over the rollup; `gather_health` reads it once through the same watch
the screen keeps open (list, first answer, stop), so status and screen reduce pods identically.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from wizard.checks import Finding, Severity
from wizard.errors import GatewayError, Unreachable
from wizard.health.status import (
    EventRow,
    PodRow,
    ServiceHealth,
    WorkloadHealth,
    latest_events,
    rollup,
)
from wizard.health.watch import WatchState, WatchUpdate

if TYPE_CHECKING:
    from wizard.compose.model import ComposeProject
    from wizard.gateways.protocols import Cluster
    from wizard.steps import Round

READ_TIMEOUT_S = 15.0

# What usually fixes a pod in this state; `{pod}` and `{ns}` are filled in.
REASON_FIX = {
    "CrashLoopBackOff": "Read why it exits: `kubectl -n {ns} logs {pod} --previous`; a missing "
    "Secret key or a dependency it cannot reach are the usual causes (see the Secrets step).",
    "Error": "Read why it exited: `kubectl -n {ns} logs {pod} --previous`.",
    "OOMKilled": "It ran out of memory: raise its memory limit in the manifest and apply it.",
    "CreateContainerConfigError": "A Secret or ConfigMap key it reads is missing: write it on the "
    "Secrets step (or `kubectl -n {ns} describe pod {pod}` names the key).",
    "ImagePullBackOff": "The image cannot be pulled: check its name and tag, and the registry "
    "credentials (imagePullSecrets); `kubectl -n {ns} describe pod {pod}`.",
    "ErrImagePull": "The image cannot be pulled: check its name and tag, and the registry "
    "credentials (imagePullSecrets); `kubectl -n {ns} describe pod {pod}`.",
    "Pending": "The scheduler cannot place it: an unbound PVC (see the Volumes step) or not "
    "enough CPU or memory; `kubectl -n {ns} describe pod {pod}`.",
}
DEFAULT_FIX = "See `kubectl -n {ns} describe pod {pod}` and its Warning events."

# What usually fixes the cause a pod's newest Warning event names, when its status alone does not
# say (a pod stuck in ContainerCreating, or Running but never ready).
EVENT_FIX = {
    "FailedMount": "A volume cannot be mounted on the node: check the PersistentVolume's source "
    "(an NFS server reachable from every node, its export, the node's NFS client) with "
    "`kubectl -n {ns} describe pod {pod}`.",
    "FailedAttachVolume": "The volume cannot be attached to the node: see "
    "`kubectl -n {ns} describe pod {pod}` and the storage driver's logs.",
    "Unhealthy": "Its probe fails (the event gives the probe's answer): check the probe's path and "
    "port against what the container serves, and `kubectl -n {ns} logs {pod}`.",
}
# Longest excerpt of an event's message in a finding: the first line says why (mount output
# and such follow on further lines).
EVENT_EXCERPT = 160


def service_fix(
    service: ServiceHealth, pods: Sequence[PodRow], ns: str, events: Sequence[EventRow] = ()
) -> str:
    """The fix for the first unhealthy pod of a service: its reason decides, then its newest
    Warning event's reason, then why its last run ended (OOMKilled between restarts)."""
    bad = next((p for p in pods if not p.healthy), None)
    if bad is None:
        w = service.workload
        target = f"{w.kind.lower()}/{w.name}" if w is not None else service.service
        return f"Wait for the rollout to finish: `kubectl -n {ns} rollout status {target}`."
    if bad.last_reason == "OOMKilled":
        fix = REASON_FIX["OOMKilled"]
    elif bad.status in REASON_FIX:
        fix = REASON_FIX[bad.status]
    else:
        newest = latest_events(events, "Pod", bad.name)
        fix = EVENT_FIX.get(newest[0].reason, DEFAULT_FIX) if newest else DEFAULT_FIX
    return fix.format(ns=ns, pod=bad.name)


def newest_warning(pods: Sequence[PodRow], events: Sequence[EventRow]) -> str:
    """`FailedMount: MountVolume.SetUp failed ...`: the newest Warning event of the first unhealthy
    pod, first line only; '' when it has none."""
    bad = next((p for p in pods if not p.healthy), None)
    newest = latest_events(events, "Pod", bad.name) if bad is not None else []
    if not newest:
        return ""
    line = newest[0].message.strip().splitlines()[0] if newest[0].message.strip() else ""
    if len(line) > EVENT_EXCERPT:
        line = line[: EVENT_EXCERPT - 1] + "…"
    return f"{newest[0].reason}: {line}" if line else newest[0].reason


def service_findings(
    services: Sequence[ServiceHealth],
    pods: Mapping[str, PodRow],
    names: Mapping[str, str],
    ns: str,
    events: Iterable[EventRow] = (),
) -> list[Finding]:
    """One finding per Compose service: ok when its workload is ready, else why not and the fix.
    `events` (Warning events) let a blocked service say what its pod's newest warning says: a pod
    stuck in ContainerCreating has no reason of its own, its FailedMount event has."""
    warnings = list(events)
    found = []
    for row in services:
        check = f"health.{row.service}"
        workload = row.workload
        if workload is None:
            found.append(
                Finding(
                    check,
                    Severity.BLOCK,
                    f"{row.service}: no Deployment or StatefulSet named {names[row.service]!r} "
                    f"in namespace {ns!r}",
                    fix="Apply its manifest, or name the workload in cutover.yaml: "
                    f"`services: {{{row.service}: <workload>}}`.",
                )
            )
            continue
        counts = f"{workload.ready}/{workload.desired} ready"
        if workload.is_ready:
            found.append(Finding(check, Severity.OK, f"{row.service}: {counts}"))
            continue
        if workload.state == "scaled to 0":
            found.append(
                Finding(
                    check,
                    Severity.WARN,
                    f"{row.service}: {workload.kind} {workload.name} is scaled to 0",
                    fix=f"Scale it up: `kubectl -n {ns} scale {workload.kind.lower()} "
                    f"{workload.name} --replicas=<n>`.",
                )
            )
            continue
        mine = sorted((p for p in pods.values() if p.workload == workload.name), key=_pod_order)
        problems = f" ({', '.join(row.unhealthy)})" if row.unhealthy else ""
        stalled = f": {workload.stalled}" if workload.stalled else ""
        warning = newest_warning(mine, warnings)
        said = f"; {warning}" if warning else ""
        found.append(
            Finding(
                check,
                Severity.BLOCK,
                f"{row.service}: {counts}, {workload.state}{problems}{stalled}{said}",
                fix=service_fix(row, mine, ns, warnings),
            )
        )
    return found


def _pod_order(pod: PodRow) -> tuple[bool, str]:
    return (pod.healthy, pod.name)


def service_names(project: ComposeProject, services_map: Mapping[str, str]) -> dict[str, str]:
    """Compose service -> the workload it became (cutover.yaml `services:`, else its own name)."""
    return {name: services_map.get(name, name) for name in project.services}


def read_once(
    cluster: Cluster,
    kind: str,
    selector: str = "",
    timeout: float = READ_TIMEOUT_S,
    field_selector: str = "",
) -> dict[str, Any]:
    """The rows of `kind` as a watch first lists them; GatewayError when it cannot."""
    first: list[WatchUpdate] = []
    answered = threading.Event()

    def on_change(update: WatchUpdate) -> None:
        if update.reset or update.status.state in (WatchState.RECONNECTING, WatchState.FAILED):
            first.append(update)
            answered.set()

    handle = cluster.watch(kind, selector, on_change, field_selector=field_selector)
    try:
        answered.wait(timeout)
    finally:
        handle.stop(1.0)
    if not first:
        raise Unreachable(
            f"The API server did not list {kind} within {timeout:.0f} s.",
            "Check that the cluster is up: `kubectl cluster-info`.",
        )
    update = first[0]
    if not update.reset:
        raise GatewayError(update.status.error, update.status.fix)
    return dict(update.items)


def gather_health(
    cluster: Cluster, project: ComposeProject, services_map: Mapping[str, str], selector: str
) -> list[Finding]:
    """Read pods and workloads once; one finding per Compose service."""
    names = service_names(project, services_map)
    workloads: list[WorkloadHealth] = [
        *read_once(cluster, "deployments", selector).values(),
        *read_once(cluster, "statefulsets", selector).values(),
    ]
    pods: dict[str, PodRow] = read_once(cluster, "pods", selector)
    rows = rollup(names, workloads, pods.values())
    events: list[EventRow] = []
    if any(not p.healthy for p in pods.values()):
        # Only when something is wrong: the newest warning of a stuck pod is its why.
        events = list(read_once(cluster, "events", "", field_selector="type=Warning").values())
    return service_findings(rows, pods, names, cluster.identity.namespace, events)


def check(round: Round) -> list[Finding]:
    """The Pod health step (wizard.steps): each Compose service's workload and pods, read once."""
    from wizard.compose.loader import load_project

    config = round.config
    return gather_health(
        round.gateways.cluster(), load_project(config), config.services, config.selector
    )
