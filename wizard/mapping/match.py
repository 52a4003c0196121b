"""Which Kubernetes workload each Compose service became.

In this order: the explicit `services:` map of `cutover.yaml`; else a workload with the service's
own name (with `_` as `-`, as Kubernetes names need); else `<project>-<service>`; else one
workload labelled `component=<service>` (or `app.kubernetes.io/component`, then
`app.kubernetes.io/name`). Each pass runs over every service before the next, so a looser rule
never takes a workload a stricter rule gave to another service.

Every Compose service gets exactly one finding with check `match:<service>`: ok with how it was
matched, or block with the `cutover.yaml` lines that would fix it. Findings about no one service
(a workload no service matched, an unknown service name in `cutover.yaml`) have check
`match:<Kind>/<workload>` or `match:<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import SequenceMatcher
from pathlib import Path
from typing import NamedTuple

from wizard.checks import Finding, Severity
from wizard.compose.model import ComposeProject
from wizard.paths import shown
from wizard.target.model import TargetState, TargetWorkload

LABEL_KEYS = ("component", "app.kubernetes.io/component", "app.kubernetes.io/name")
_SIMILAR_ENOUGH = 0.6


class Matching(NamedTuple):
    """Service -> the workload it became (None: unmatched), and every finding about matching."""

    workloads: dict[str, TargetWorkload | None]
    findings: list[Finding]


def kube_name(name: str) -> str:
    """A Compose name as a Kubernetes object name would spell it: lower case, `_` as `-`."""
    return re.sub(r"[^a-z0-9.-]", "-", name.lower()).strip("-.")


def match_services(
    project: ComposeProject,
    target: TargetState,
    explicit: Mapping[str, str],
    project_name: str,
    config_file: Path | None = None,
) -> Matching:
    """Match every Compose service to a workload; see the module docstring for the order."""
    where = _ConfigFile(config_file)
    workloads: dict[str, TargetWorkload | None] = dict.fromkeys(project.services)
    how: dict[str, str] = {}
    blocked: dict[str, Finding] = {}
    extra: list[Finding] = []
    claimed: set[tuple[str, str]] = set()

    for service, name in explicit.items():
        line = where.describe(service, name)
        if service not in project.services:
            extra.append(_unknown_service(service, name, project, line))
            continue
        workload = target.workload(name)
        if workload is None:
            blocked[service] = _explicit_missing(service, name, target, line, claimed)
            continue
        workloads[service] = workload
        how[service] = f"by {line}"
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

    for service in open_services:
        if workloads[service] is not None:
            continue
        found, note = _by_label(target, service, claimed)
        if found is not None:
            workloads[service] = found
            how[service] = note
            claimed.add(_key(found))
        elif note:
            blocked[service] = _ambiguous(service, note, where)

    findings: list[Finding] = []
    for service, workload in workloads.items():
        if workload is not None:
            findings.append(
                Finding(
                    check=f"match:{service}",
                    severity=Severity.OK,
                    message=f"Compose service {service} became {workload.kind} {workload.name} ({how[service]}).",
                )
            )
        else:
            findings.append(
                blocked.get(service) or _unmatched(service, target, project_name, claimed, where)
            )

    unmatched = [s for s, w in workloads.items() if w is None]
    for workload in target.workloads:
        if _key(workload) not in claimed:
            extra.append(_unmatched_workload(workload, unmatched, where))
    return Matching(workloads, findings + extra)


# --- the heuristics -----------------------------------------------------------------------------


def _key(workload: TargetWorkload) -> tuple[str, str]:
    return (workload.kind, workload.name)


def _by_names(
    target: TargetState, names: list[str], claimed: set[tuple[str, str]]
) -> TargetWorkload | None:
    for name in dict.fromkeys(names):
        for workload in target.workloads:
            if workload.name == name and _key(workload) not in claimed:
                return workload
    return None


def _by_label(
    target: TargetState, service: str, claimed: set[tuple[str, str]]
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


def _similarity(a: str, b: str) -> float:
    a, b = kube_name(a), kube_name(b)
    if len(a) >= 3 and len(b) >= 3 and (a in b or b in a):
        return 0.9
    return SequenceMatcher(None, a, b).ratio()


def _closest_workload(
    service: str, target: TargetState, claimed: set[tuple[str, str]]
) -> TargetWorkload | None:
    scored = [(_similarity(service, w.name), w) for w in target.workloads if _key(w) not in claimed]
    scored = [(score, w) for score, w in scored if score >= _SIMILAR_ENOUGH]
    return max(scored, key=lambda pair: pair[0])[1] if scored else None


def _closest_name(name: str, candidates: list[str]) -> str | None:
    scored = [(_similarity(name, c), c) for c in candidates]
    scored = [(score, c) for score, c in scored if score >= _SIMILAR_ENOUGH]
    return max(scored, key=lambda pair: pair[0])[1] if scored else None


# --- the findings -------------------------------------------------------------------------------


def _snippet(service: str, workload: str) -> str:
    return f"services:\n  {service}: {workload}"


def _where_looked(target: TargetState) -> str:
    sources = " and ".join(target.sources) if target.sources else "the target"
    return f"namespace {target.namespace} ({sources})"


def _unmatched(
    service: str,
    target: TargetState,
    project_name: str,
    claimed: set[tuple[str, str]],
    where: _ConfigFile,
) -> Finding:
    candidate = _closest_workload(service, target, claimed)
    looked = (
        f"no Deployment or StatefulSet named {kube_name(service)} or "
        f"{kube_name(f'{project_name}-{service}')}, or labelled component={service}"
    )
    if candidate is not None:
        message = (
            f"Compose service {service} has no workload in {_where_looked(target)}: {looked}. "
            f"The closest is {candidate.kind} {candidate.name}."
        )
        fix = (
            f"If {candidate.kind} {candidate.name} is what {service} became, add to "
            f"{where.name}:\n{_snippet(service, candidate.name)}\n"
            f"Otherwise deploy a workload for {service} before the cutover."
        )
    else:
        message = f"Compose service {service} has no workload in {_where_looked(target)}: {looked}."
        fix = (
            f"Deploy a workload for {service} (apply its manifest), or, if it exists under "
            f"another name, add to {where.name}:\n{_snippet(service, '<workload-name>')}"
        )
    return Finding(check=f"match:{service}", severity=Severity.BLOCK, message=message, fix=fix)


def _explicit_missing(
    service: str, name: str, target: TargetState, line: str, claimed: set[tuple[str, str]]
) -> Finding:
    candidate = _closest_workload(name, target, claimed) or _closest_workload(
        service, target, claimed
    )
    message = (
        f"{line} maps {service} to workload {name}, but no Deployment or StatefulSet is named "
        f"{name} in {_where_looked(target)}."
    )
    if candidate is not None:
        fix = (
            f"If {candidate.kind} {candidate.name} is meant, change that line to "
            f"`  {service}: {candidate.name}`; otherwise deploy {name} first."
        )
    else:
        fix = f"Correct the workload name on that line, or deploy {name} first."
    return Finding(check=f"match:{service}", severity=Severity.BLOCK, message=message, fix=fix)


def _unknown_service(service: str, name: str, project: ComposeProject, line: str) -> Finding:
    known = list(project.services)
    guess = _closest_name(service, known)
    hint = f" Did you mean {guess}?" if guess else ""
    message = (
        f"{line} names Compose service {service}, but the Compose project has no service "
        f"{service} (it has: {', '.join(known) or 'none'}).{hint}"
    )
    fix = (
        f"Change that line to `  {guess}: {name}`."
        if guess
        else "Remove that line, or check that cutover reads the right Compose files (-f) and profiles."
    )
    return Finding(check=f"match:{service}", severity=Severity.BLOCK, message=message, fix=fix)


def _ambiguous(service: str, why: str, where: _ConfigFile) -> Finding:
    return Finding(
        check=f"match:{service}",
        severity=Severity.BLOCK,
        message=f"Compose service {service} could be more than one workload: {why}.",
        fix=f"Say which one in {where.name}:\n{_snippet(service, '<workload-name>')}",
    )


def _unmatched_workload(
    workload: TargetWorkload, unmatched_services: list[str], where: _ConfigFile
) -> Finding:
    guess = _closest_name(workload.name, unmatched_services)
    if guess:
        fix = (
            f"If it is what Compose service {guess} became, add to {where.name}:\n"
            f"{_snippet(guess, workload.name)}"
        )
    else:
        fix = (
            f"Nothing to do if it is new in Kubernetes. If it replaces a Compose service, add "
            f"to {where.name}:\n{_snippet('<service>', workload.name)}"
        )
    return Finding(
        check=f"match:{workload.kind}/{workload.name}",
        severity=Severity.INFO,
        message=f"{workload.kind} {workload.name} is not what any Compose service became.",
        fix=fix,
    )


class _ConfigFile:
    """Names `cutover.yaml` and, when it can be read, the line of a `services:` entry."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.name = shown(path) if path is not None else "cutover.yaml"
        try:
            self._lines = path.read_text(encoding="utf-8").splitlines() if path else []
        except (OSError, UnicodeDecodeError):
            self._lines = []

    def describe(self, service: str, workload: str) -> str:
        number = self._line_of(service)
        at = f"{self.name} line {number}" if number else f"{self.name} (services:)"
        return f"{at} `{service}: {workload}`"

    def _line_of(self, service: str) -> int | None:
        in_services = False
        entry = re.compile(rf"^\s+['\"]?{re.escape(service)}['\"]?\s*:")
        for number, text in enumerate(self._lines, start=1):
            if re.match(r"^services\s*:", text):
                in_services = True
            elif text[:1] not in ("", " ", "\t", "#"):
                in_services = False
            elif in_services and entry.match(text):
                return number
        return None
