"""Per-service health as findings: what the Pod health step's verdict and `cutover status` say.

`service_findings` is pure over the rollup; `gather_health` reads it once through the same watch
the screen keeps open (list, first answer, stop), so status and screen reduce pods identically.
Which workload a service became is the Mapping step's answer (`health_targets`, through
wizard.mapping.match), never a rule of this step's own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from wizard.checks import Finding, Severity
from wizard.errors import GatewayError, Unreachable
from wizard.health.kinds import cronjob_health
from wizard.health.rollup import ServiceHealth, pods_of, rollup
from wizard.health.status import EventRow, PodRow, WorkloadHealth, latest_events
from wizard.health.watch import WatchState, WatchUpdate
from wizard.health.watch_kinds import WORKLOAD_WATCHES
from wizard.mapping.match import match_services

if TYPE_CHECKING:
    from wizard.compose.model import ComposeProject
    from wizard.config import CutoverConfig
    from wizard.gateways.protocols import Cluster
    from wizard.steps import Round
    from wizard.target.model import TargetState

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
        if w is not None and w.kind in ("Job", "Pod"):
            done = "complete" if w.kind == "Job" else "Ready"
            return f"Wait for it: `kubectl -n {ns} wait --for=condition={done} {target}`."
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
    missing: Mapping[str, Finding] | None = None,
) -> list[Finding]:
    """One finding per Compose service: ok when its workload is ready, else why not and the fix.
    `events` (Warning events) let a blocked service say what its pod's newest warning says: a pod
    stuck in ContainerCreating has no reason of its own, its FailedMount event has. `missing`:
    the matcher's finding for each service it found no workload for (what it looked for, what
    similar names exist), so Pod health and Mapping say the same."""
    warnings = list(events)
    missing = missing or {}
    found = []
    for row in services:
        check = f"health.{row.service}"
        workload = row.workload
        if workload is None:
            if row.service in missing:
                found.append(replace(missing[row.service], check=check))
                continue
            found.append(
                Finding(
                    check,
                    Severity.BLOCK,
                    f"{row.service}: no workload named {names.get(row.service, row.service)!r} "
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
            found.append(_idle(row.service, workload, ns))
            continue
        mine = sorted(pods_of(workload.kind, workload.name, pods.values()), key=_pod_order)
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


def _idle(service: str, workload: WorkloadHealth, ns: str) -> Finding:
    """A workload that runs no pod on purpose: scaled to 0, a suspended CronJob, a DaemonSet no
    node may run."""
    what = f"{workload.kind.lower()} {workload.name}"
    if workload.kind == "CronJob":
        said, fix = (
            "is suspended",
            (
                f"Resume it: `kubectl -n {ns} patch cronjob {workload.name} "
                """-p '{"spec":{"suspend":false}}'`."""
            ),
        )
    elif workload.kind == "DaemonSet":
        said, fix = (
            "runs on no node",
            (
                f"No node matches its nodeSelector, affinity or tolerations: "
                f"`kubectl -n {ns} describe daemonset {workload.name}`."
            ),
        )
    else:
        said = "is scaled to 0"
        fix = f"Scale it up: `kubectl -n {ns} scale {what} --replicas=<n>`."
    return Finding(
        f"health.{service}",
        Severity.WARN,
        f"{service}: {workload.kind} {workload.name} {said}",
        fix=fix,
    )


def _pod_order(pod: PodRow) -> tuple[bool, str]:
    return (pod.healthy, pod.name)


@dataclass(frozen=True)
class HealthTargets:
    """What the one matcher (wizard.mapping.match) says each Compose service became."""

    names: dict[str, str]  # service -> workload name (matched services only)
    kinds: dict[str, str]  # service -> the workload's kind
    missing: dict[str, Finding]  # service -> why no workload matched
    # Health known from the target read itself, not watched (CronJobs).
    fixed: tuple[WorkloadHealth, ...] = ()

    def rows(
        self, workloads: Iterable[WorkloadHealth], pods: Iterable[PodRow]
    ) -> list[ServiceHealth]:
        """Every Compose service's row, by service name; those with no workload as missing."""
        rows = rollup(self.names, [*workloads, *self.fixed], pods, self.kinds)
        rows += [ServiceHealth(s, None) for s in self.missing if s not in self.names]
        return sorted(rows, key=lambda r: r.service)

    def watches(self) -> list[str]:
        """The watches (plurals) that keep these workloads' health, in a stable order."""
        wanted = {WORKLOAD_WATCHES[k] for k in self.kinds.values() if k in WORKLOAD_WATCHES}
        return sorted(wanted)


def health_targets(
    project: ComposeProject, target: TargetState, config: CutoverConfig
) -> HealthTargets:
    """Match every service as the Mapping step does, with the same cutover.yaml."""
    matching = match_services(
        project, target, config.services, config.project_name, config.config_file
    )
    services = set(project.services)
    cronjobs = {w.name: w for w in matching.workloads.values() if w and w.kind == "CronJob"}
    return HealthTargets(
        names=matching.names(),
        kinds={s: w.kind for s, w in matching.workloads.items() if w is not None},
        missing={
            f.check.removeprefix("match:"): f
            for f in matching.findings
            if f.check.removeprefix("match:") in services
            and matching.workloads.get(f.check.removeprefix("match:")) is None
        },
        fixed=tuple(cronjob_health(w) for w in cronjobs.values()),
    )


def read_targets(cluster: Cluster, project: ComposeProject, config: CutoverConfig) -> HealthTargets:
    """Read the target once (its workloads, labels and containers) and match every service."""
    return health_targets(project, cluster.read_target(config.selector), config)


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
    cluster: Cluster, project: ComposeProject, config: CutoverConfig
) -> list[Finding]:
    """Read the target, the matched workloads' health and the pods once; one finding per
    Compose service."""
    targets = read_targets(cluster, project, config)
    selector = config.selector
    workloads: list[WorkloadHealth] = [
        w for plural in targets.watches() for w in read_once(cluster, plural, selector).values()
    ]
    pods: dict[str, PodRow] = read_once(cluster, "pods", selector)
    rows = targets.rows(workloads, pods.values())
    events: list[EventRow] = []
    if any(not p.healthy for p in pods.values()):
        # Only when something is wrong: the newest warning of a stuck pod is its why.
        events = list(read_once(cluster, "events", "", field_selector="type=Warning").values())
    return service_findings(
        rows, pods, targets.names, cluster.identity.namespace, events, targets.missing
    )


def check(round: Round) -> list[Finding]:
    """The Pod health step (wizard.steps): each Compose service's workload and pods, read once."""
    from wizard.compose.loader import load_project

    config = round.config
    return gather_health(round.gateways.cluster(), load_project(config), config)
