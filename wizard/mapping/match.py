"""Which Kubernetes workload each Compose service became: the one matcher every step asks.

Mapping, Pod health, Volumes and `cutover status` all call `match_services`, so two steps never
give two answers. Workloads are Deployments, StatefulSets, DaemonSets, ReplicationControllers,
CronJobs, Jobs and bare Pods (a name several kinds share resolves in that order).

In this order: the explicit `services:` map of `cutover.yaml` (`workload`, `workload/container`
or `Kind/workload[/container]`); else a workload with the service's own name (with `_` as `-`,
as Kubernetes names need); else `<project>-<service>`; else one workload labelled
`component=<service>` (or `app.kubernetes.io/component`, then `app.kubernetes.io/name`); else
the one workload with a container named like the service (a sidecar, `network_mode:
service:x`). Each pass runs over every service before the next, so a looser rule never takes a
workload a stricter rule gave to another service. Several services may share one workload as
containers of its pod; which container runs each is `wizard.mapping.containers.pick_container`.

Every Compose service gets exactly one finding with check `match:<service>`: ok with how it was
matched, or block with what was looked for, what similar names exist (and of which kind, and in
which namespace), and the `cutover.yaml` lines that would fix it. Findings about no one service
(a workload no service matched, objects in another namespace, an unknown service name in
`cutover.yaml`) have check `match:<Kind>/<workload>`, `match:namespace:<ns>` or `match:<name>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from wizard.checks import Finding, Severity
from wizard.compose.model import ComposeProject, ComposeService
from wizard.mapping import match_text as text
from wizard.mapping.containers import kube_name, pick_container, ref_problem, resolve
from wizard.target.model import ContainerSpec, TargetState, TargetWorkload, kind_rank

__all__ = ["LABEL_KEYS", "Matching", "kube_name", "match_services"]

LABEL_KEYS = ("component", "app.kubernetes.io/component", "app.kubernetes.io/name")
Key = tuple[str, str]  # (kind, name) of a workload


class Matching(NamedTuple):
    """Service -> the workload it became (None: unmatched), service -> the container that runs
    it (None: unmatched, or which container is not known), and every finding about matching."""

    workloads: dict[str, TargetWorkload | None]
    findings: list[Finding]
    containers: dict[str, ContainerSpec | None]

    def names(self) -> dict[str, str]:
        """Service -> workload name, for the services that matched."""
        return {s: w.name for s, w in self.workloads.items() if w is not None}


def match_services(
    project: ComposeProject,
    target: TargetState,
    explicit: Mapping[str, str],
    project_name: str,
    config_file: Path | None = None,
) -> Matching:
    """Match every Compose service to a workload; see the module docstring for the order."""
    where = text.ConfigFile(config_file)
    workloads: dict[str, TargetWorkload | None] = dict.fromkeys(project.services)
    chosen: dict[str, str] = {}  # service -> the container the mapping names
    how: dict[str, str] = {}
    blocked: dict[str, Finding] = {}
    extra: list[Finding] = []
    claimed: set[Key] = set()  # taken whole: no looser rule gives them to another service
    used: set[Key] = set()  # what any service became (a pod shared by container included)

    for service, value in explicit.items():
        line = where.describe(service, value)
        if service not in project.services:
            extra.append(text.unknown_service(service, value, project, line))
            continue
        if problem := ref_problem(value):
            blocked[service] = text.bad_entry(service, value, problem, line)
            continue
        workload, ref = resolve(value, target)
        if workload is None:
            blocked[service] = text.explicit_missing(service, ref, target, line)
            continue
        workloads[service] = workload
        chosen[service] = ref.container
        how[service] = f"by {line}"
        used.add(_key(workload))
        if not ref.container:  # `workload/container` leaves the pod's other containers open
            claimed.add(_key(workload))

    open_services = [s for s in project.services if s not in explicit]

    def by_name(service: str) -> TargetWorkload | None:
        return _by_names(target, [service, kube_name(service)], claimed)

    def by_project_name(service: str) -> TargetWorkload | None:
        name = f"{project_name}-{service}"
        return _by_names(target, [name, kube_name(name)], claimed)

    passes = (("by name", by_name), (f"by the name {project_name}-<service>", by_project_name))
    for reason, find in passes:
        for service in open_services:
            if workloads[service] is not None:
                continue
            workload = find(service)
            if workload is not None:
                workloads[service] = workload
                how[service] = reason
                claimed.add(_key(workload))
                used.add(_key(workload))

    for service in open_services:
        if workloads[service] is not None:
            continue
        found, note = _by_label(target, service, claimed)
        if found is not None:
            workloads[service] = found
            how[service] = note
            claimed.add(_key(found))
            used.add(_key(found))
        elif note:
            blocked[service] = text.ambiguous(service, note, where)

    for service in open_services:
        if workloads[service] is not None or service in blocked:
            continue
        taken = {(_key(w), chosen.get(s) or "") for s, w in workloads.items() if w is not None}
        found, note = _by_container(target, project.services[service], workloads, taken)
        if found is not None:
            workloads[service] = found
            chosen[service] = note
            how[service] = f"as container {note} of its pod"
            used.add(_key(found))
        elif note:
            blocked[service] = text.ambiguous(service, note, where)

    findings: list[Finding] = []
    containers: dict[str, ContainerSpec | None] = dict.fromkeys(project.services)
    for service, workload in workloads.items():
        if workload is None:
            findings.append(
                blocked.get(service)
                or text.unmatched(
                    project.services[service],
                    target,
                    project_name,
                    where,
                    [w for w in target.workloads if _key(w) not in used],
                )
            )
            continue
        pick = pick_container(
            project.services[service], workload, chosen.get(service, ""), where.name
        )
        containers[service] = pick.container
        if pick.container is None:
            findings.append(
                Finding(
                    f"match:{service}",
                    Severity.BLOCK,
                    f"Compose service {service} became "
                    f"{workload.kind} {workload.name} ({how[service]}), but {pick.problem}",
                    fix=pick.fix,
                )
            )
            continue
        # Said once: how it matched already names the container when a container decided.
        said = how[service].startswith("as container")
        which = f", {pick.how}" if len(workload.containers) > 1 and not said else ""
        findings.append(
            Finding(
                check=f"match:{service}",
                severity=Severity.OK,
                message=f"Compose service {service} became {workload.kind} {workload.name} "
                f"({how[service]}{which}).",
            )
        )

    extra.extend(_same_container(workloads, containers))
    unmatched = [s for s, w in workloads.items() if w is None]
    for workload in target.workloads:
        if _key(workload) not in used:
            extra.append(text.unmatched_workload(workload, unmatched, where))
    extra.extend(text.other_namespaces(target, unmatched))
    return Matching(workloads, findings + extra, containers)


# --- the heuristics -----------------------------------------------------------------------------


def _key(workload: TargetWorkload) -> Key:
    return (workload.kind, workload.name)


def _by_names(target: TargetState, names: list[str], claimed: set[Key]) -> TargetWorkload | None:
    for name in dict.fromkeys(names):
        found = [w for w in target.workloads if w.name == name and _key(w) not in claimed]
        if found:
            return min(found, key=kind_rank)
    return None


def _by_label(
    target: TargetState, service: str, claimed: set[Key]
) -> tuple[TargetWorkload | None, str]:
    """(the workload, how) for a unique label match; (None, why) when several carry the label."""
    values = {service, kube_name(service)}
    for key in LABEL_KEYS:
        found = [
            w
            for w in target.workloads
            if _key(w) not in claimed
            and (w.labels.get(key) in values or w.pod_labels.get(key) in values)
        ]
        if len(found) == 1:
            return found[0], f"by the label {key}={found[0].labels.get(key) or service}"
        if len(found) > 1:
            names = ", ".join(f"{w.kind} {w.name}" for w in found)
            return None, f"{len(found)} workloads are labelled {key}={service}: {names}"
    return None, ""


def _by_container(
    target: TargetState,
    service: ComposeService,
    matched: Mapping[str, TargetWorkload | None],
    taken: set[tuple[Key, str]],
) -> tuple[TargetWorkload | None, str]:
    """(the workload, its container) when exactly one workload has a container named like the
    service (the pod of `network_mode: service:x` first); (None, why) when several do.
    `taken`: (workload, container) another service runs in ("" : the workload as a whole, so
    its only container, or any of them when it has one), never given to a second service."""

    def free(w: TargetWorkload, container: str) -> bool:
        whole = (_key(w), "") in taken
        return (_key(w), container) not in taken and not (whole and len(w.containers) == 1)

    names = {service.name, kube_name(service.name)}
    if service.container_name:
        names |= {service.container_name, kube_name(service.container_name)}
    found = [
        (w, c.name)
        for w in target.workloads
        for c in w.containers
        if c.name in names and free(w, c.name)
    ]
    if service.network_mode.startswith("service:"):
        host = matched.get(service.network_mode.removeprefix("service:"))
        shared = [(w, c) for w, c in found if host is not None and _key(w) == _key(host)]
        found = shared or found
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        names_text = ", ".join(f"{w.kind} {w.name} (container {c})" for w, c in found)
        return None, f"{len(found)} workloads have a container named {service.name}: {names_text}"
    return None, ""


def _same_container(
    workloads: Mapping[str, TargetWorkload | None],
    containers: Mapping[str, ContainerSpec | None],
) -> list[Finding]:
    """A warning for each container two Compose services both became: one of the two is
    probably mapped wrong (each service runs its own process)."""
    by_container: dict[tuple[str, str, str], list[str]] = {}
    for service, workload in workloads.items():
        chosen = containers.get(service)
        if workload is not None and chosen is not None:
            key = (workload.kind, workload.name, chosen.name)
            by_container.setdefault(key, []).append(service)
    return [
        Finding(
            f"match:{kind}/{name}/{container}",
            Severity.WARN,
            f"Compose services {' and '.join(services)} both became container {container} of "
            f"{kind} {name}: each was diffed against the same container.",
            fix="If one of them runs in another container or workload, say which in "
            f"cutover.yaml:\nservices:\n  {services[-1]}: <workload>/<container>",
        )
        for (kind, name, container), services in by_container.items()
        if len(services) > 1
    ]
