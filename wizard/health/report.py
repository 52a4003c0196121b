"""Per-service health as findings: what the Pod health step's verdict and `cutover status` say.

`service_findings` is pure over the rollup; `gather_health` reads it once through the same watch
the screen keeps open (list, first answer, stop), so status and screen reduce pods identically.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from wizard.checks import Finding, Severity
from wizard.errors import GatewayError, Unreachable
from wizard.health.status import PodRow, ServiceHealth, WorkloadHealth, rollup
from wizard.health.watch import WatchState, WatchUpdate

if TYPE_CHECKING:
    from wizard.compose.model import ComposeProject
    from wizard.gateways import Cluster

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


def service_fix(service: ServiceHealth, pods: Sequence[PodRow], ns: str) -> str:
    """The fix for the first unhealthy pod of a service (its reason decides)."""
    bad = next((p for p in pods if not p.healthy), None)
    if bad is None:
        w = service.workload
        target = f"{w.kind.lower()}/{w.name}" if w is not None else service.service
        return f"Wait for the rollout to finish: `kubectl -n {ns} rollout status {target}`."
    return REASON_FIX.get(bad.status, DEFAULT_FIX).format(ns=ns, pod=bad.name)


def service_findings(
    services: Sequence[ServiceHealth], pods: Mapping[str, PodRow], names: Mapping[str, str], ns: str
) -> list[Finding]:
    """One finding per Compose service: ok when its workload is ready, else why not and the fix."""
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
        found.append(
            Finding(
                check,
                Severity.BLOCK,
                f"{row.service}: {counts}, {workload.state}{problems}{stalled}",
                fix=service_fix(row, mine, ns),
            )
        )
    return found


def _pod_order(pod: PodRow) -> tuple[bool, str]:
    return (pod.healthy, pod.name)


def service_names(project: ComposeProject, services_map: Mapping[str, str]) -> dict[str, str]:
    """Compose service -> the workload it became (cutover.yaml `services:`, else its own name)."""
    return {name: services_map.get(name, name) for name in project.services}


def read_once(
    cluster: Cluster, kind: str, selector: str = "", timeout: float = READ_TIMEOUT_S
) -> dict[str, Any]:
    """The rows of `kind` as a watch first lists them; GatewayError when it cannot."""
    first: list[WatchUpdate] = []
    answered = threading.Event()

    def on_change(update: WatchUpdate) -> None:
        if update.reset or update.status.state in (WatchState.RECONNECTING, WatchState.FAILED):
            first.append(update)
            answered.set()

    handle = cluster.watch(kind, selector, on_change)
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
    return service_findings(rows, pods, names, cluster.identity.namespace)
