"""The replicas row of workloads that have no replica count: DaemonSets (one pod per node),
Jobs (run to completion), CronJobs (on a schedule) and bare Pods (one, never recreated)."""

from __future__ import annotations

from wizard.checks import Severity
from wizard.mapping.common import Context, row
from wizard.mapping.model import DiffRow

KINDS = frozenset({"DaemonSet", "Job", "CronJob", "Pod"})


def kind_replicas_row(ctx: Context) -> DiffRow:
    field = "replicas"
    workload = ctx.workload
    wanted = ctx.service.replicas if ctx.service.replicas is not None else 1
    compose_text = str(wanted) if ctx.service.replicas is not None else "1 (not set)"
    what = f"{workload.kind} {workload.name}"
    if workload.kind == "DaemonSet":
        return row(
            field,
            compose_text,
            "one per node (DaemonSet)",
            Severity.INFO,
            f"{what} runs one pod on every node it may use, whatever the count; Compose runs "
            f"{wanted}.",
        )
    if workload.kind == "Pod":
        kube_text, note = (
            "1 (bare Pod)",
            (f"{what} is a bare Pod: nothing recreates it if it is deleted or its node fails."),
        )
        fix = f"Make it a Deployment with spec.replicas: {wanted} to keep it running."
    else:
        schedule = f" on the schedule {workload.schedule}" if workload.schedule else ""
        kube_text = f"runs to completion ({workload.kind}{schedule})"
        note = f"{what} runs its pod to completion{schedule}, it does not keep one running."
        fix = f"If {ctx.service.name} must keep running, make it a Deployment."
    if wanted > 1:
        return row(
            field,
            compose_text,
            kube_text,
            Severity.WARN,
            f"Compose keeps {wanted} running; {note}",
            fix,
        )
    return row(field, compose_text, kube_text, Severity.INFO, note)
