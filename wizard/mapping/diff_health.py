"""Healthcheck against readiness/liveness probes, and depends_on against startup ordering.

Compose's healthcheck only reports (and gates `depends_on: service_healthy`); it never restarts
a container. A readinessProbe is its closest equivalent: it keeps traffic and rollouts from a pod
that is not ready. A livenessProbe goes further and restarts the container.
"""

from __future__ import annotations

import shlex

from wizard.checks import Severity
from wizard.compose.model import Healthcheck
from wizard.mapping.common import NONE, Context, main_container, row
from wizard.mapping.match import kube_name
from wizard.mapping.model import DiffRow
from wizard.target.model import ContainerSpec, Probe


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}s"


def _healthcheck_text(check: Healthcheck) -> str:
    test = check.test
    if test and test[0] == "CMD-SHELL":
        command = " ".join(test[1:])
    elif test and test[0] == "CMD":
        command = shlex.join(test[1:])
    else:
        command = shlex.join(test)
    timings = [
        f"every {_seconds(check.interval_s)}" if check.interval_s is not None else "",
        f"timeout {_seconds(check.timeout_s)}" if check.timeout_s is not None else "",
        f"{check.retries} retries" if check.retries is not None else "",
        f"start {_seconds(check.start_period_s)}" if check.start_period_s is not None else "",
    ]
    extra = ", ".join(t for t in timings if t)
    return f"{command} ({extra})" if extra else command


def _probe_text(kind: str, probe: Probe) -> str:
    timings = [
        f"every {probe.period_s}s" if probe.period_s is not None else "",
        f"timeout {probe.timeout_s}s" if probe.timeout_s is not None else "",
        f"{probe.failure_threshold} failures" if probe.failure_threshold is not None else "",
        f"delay {probe.initial_delay_s}s" if probe.initial_delay_s is not None else "",
    ]
    extra = ", ".join(t for t in timings if t)
    return f"{kind}: {probe.kind} {probe.detail}" + (f" ({extra})" if extra else "")


def probes_text(container: ContainerSpec) -> str:
    parts = [
        _probe_text(kind, probe)
        for kind, probe in (
            ("readiness", container.readiness),
            ("liveness", container.liveness),
            ("startup", container.startup),
        )
        if probe is not None
    ]
    return "; ".join(parts) or NONE


def _active(check: Healthcheck | None) -> bool:
    return check is not None and not check.disabled and check.test[:1] != ("NONE",)


def healthcheck_row(ctx: Context) -> DiffRow:
    field = "healthcheck"
    check = ctx.service.healthcheck
    container = ctx.container
    right = probes_text(container)
    left = _healthcheck_text(check) if check is not None and _active(check) else NONE
    probe_fix = (
        f"Add a readinessProbe to {ctx.spec('readinessProbe')}"
        + (
            f" running the same check: exec: {{command: {_exec_form(check)}}}"
            if check is not None and _active(check)
            else ""
        )
        + "."
    )
    if not _active(check):
        if container.readiness or container.liveness:
            return row(
                field,
                left,
                right,
                Severity.OK,
                "Kubernetes checks the pods' health; the Compose file had no healthcheck.",
            )
        return row(
            field,
            left,
            right,
            Severity.INFO,
            "Neither side checks health (the image may have a HEALTHCHECK, which Kubernetes "
            "ignores): pods get traffic as soon as they start, ready or not.",
            probe_fix,
        )
    if container.readiness is not None:
        return row(
            field,
            left,
            right,
            Severity.OK,
            "Compose's healthcheck became a readinessProbe"
            + (" and a livenessProbe." if container.liveness else "."),
        )
    if container.liveness is not None:
        return row(
            field,
            left,
            right,
            Severity.INFO,
            "Compose's healthcheck became only a livenessProbe: it restarts a stuck container, "
            "but without a readinessProbe every pod counts as ready at once (rollouts and "
            "Services do not wait for it).",
            probe_fix,
        )
    return row(
        field,
        left,
        NONE,
        Severity.WARN,
        "Compose checks this service's health; Kubernetes has no probe: a pod that is not "
        "ready yet gets traffic, and one that hangs is never noticed.",
        probe_fix,
    )


def _exec_form(check: Healthcheck | None) -> str:
    if check is None:
        return "[]"
    test = list(check.test)
    if test and test[0] == "CMD-SHELL":
        words = ["sh", "-c", " ".join(test[1:])]
    elif test and test[0] == "CMD":
        words = test[1:]
    else:
        words = test
    return "[" + ", ".join(_quote(w) for w in words) + "]"


def _quote(word: str) -> str:
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- depends_on ---------------------------------------------------------------------------------


def _waiting_init(ctx: Context, dependency: str) -> ContainerSpec | None:
    """An init container that looks like it waits for the dependency (by name or command)."""
    names = {
        dependency.lower(),
        kube_name(dependency),
        *(n.lower() for n in ctx.hosts.reaching(dependency)),
    }
    for init in ctx.workload.init_containers:
        words = " ".join([init.name, *(init.command or ()), *(init.args or ())]).lower()
        if any(n and n in words for n in names):
            return init
    return None


def depends_rows(ctx: Context) -> list[DiffRow]:
    return [
        _dependency(ctx, dependency, condition)
        for dependency, condition in ctx.service.depends_on.items()
    ]


def _dependency(ctx: Context, dependency: str, condition: str) -> DiffRow:
    field = f"depends_on:{dependency}"
    condition = condition or "service_started"
    left = f"{dependency} ({condition})"
    init = _waiting_init(ctx, dependency)
    inits = ", ".join(c.name for c in ctx.workload.init_containers)
    right = f"init containers: {inits}" if inits else "no ordering (all pods start at once)"
    if init is not None:
        return row(
            field,
            left,
            right,
            Severity.OK,
            f"The init container {init.name} runs before {ctx.service.name} starts, and waits for "
            f"{dependency}.",
        )
    workload = ctx.workload_of(dependency)
    if condition == "service_completed_successfully":
        return row(
            field,
            left,
            right,
            Severity.INFO,
            f"Compose runs {dependency} to completion before {ctx.service.name} (a one-off task, "
            "such as migrations). Kubernetes has no such ordering between workloads: make it an "
            f"init container of {ctx.workload.kind} {ctx.workload.name}, or a Job run before the "
            "rollout.",
        )
    if workload is None:
        return row(
            field,
            left,
            right,
            Severity.INFO,
            f"Compose starts {dependency} first; it has no workload in Kubernetes (see its match "
            "row).",
        )
    dep_container = ctx.containers.get(dependency) or main_container(dependency, workload)
    ready = dep_container is not None and dep_container.readiness is not None
    ordering = (
        f"Kubernetes starts all pods at once: {ctx.service.name} may start before {dependency} "
        "and must retry until it answers (or use an init container that waits for it)."
    )
    if condition == "service_healthy" and not ready:
        return row(
            field,
            left,
            right,
            Severity.WARN,
            f"Compose waits until {dependency} is healthy. {ordering} {workload.kind} "
            f"{workload.name} has no readinessProbe, so its Service sends traffic before it "
            "accepts connections.",
            f"Add a readinessProbe to {workload.kind} {workload.name} (its Compose healthcheck "
            "is a good start).",
        )
    healthy = (
        f" {workload.kind} {workload.name}'s readinessProbe keeps its Service from routing to "
        "it before it is ready."
        if ready
        else ""
    )
    return row(
        field, left, right, Severity.INFO, f"Compose starts {dependency} first. {ordering}{healthy}"
    )
