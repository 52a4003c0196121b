"""The matcher's findings: what was looked for, what similar names exist, and the fix.

A block never says only "not found": it names the kinds looked at, the closest names there are
(with their kind), an object of that name in another namespace, or one of a kind cutover does
not compare (a Rollout, a Knative Service), so the operator sees what to change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from pathlib import Path

from wizard.checks import Finding, Severity
from wizard.compose.model import ComposeProject, ComposeService
from wizard.mapping.containers import TargetRef, kube_name
from wizard.paths import shown
from wizard.target.model import WORKLOAD_KINDS, TargetState, TargetWorkload

SIMILAR_ENOUGH = 0.6
MOST_SHOWN = 3  # similar names listed in one finding
KINDS_TEXT = ", ".join(WORKLOAD_KINDS[:-1]) + f" or {WORKLOAD_KINDS[-1]}"


def similarity(a: str, b: str) -> float:
    a, b = kube_name(a), kube_name(b)
    if len(a) >= 3 and len(b) >= 3 and (a in b or b in a):
        return 0.9
    return SequenceMatcher(None, a, b).ratio()


def closest_name(name: str, candidates: list[str]) -> str | None:
    scored = [(similarity(name, c), c) for c in candidates]
    scored = [(score, c) for score, c in scored if score >= SIMILAR_ENOUGH]
    return max(scored, key=lambda pair: pair[0])[1] if scored else None


def similar_workloads(names: list[str], target: TargetState) -> list[TargetWorkload]:
    """The workloads named most like any of `names`, best first (at most MOST_SHOWN)."""
    scored = [(max(similarity(n, w.name) for n in names), w) for w in target.workloads]
    scored = [(s, w) for s, w in scored if s >= SIMILAR_ENOUGH]
    scored.sort(key=lambda pair: (-pair[0], pair[1].kind, pair[1].name))
    return [w for _, w in scored[:MOST_SHOWN]]


def _elsewhere_named(names: list[str], target: TargetState) -> list[str]:
    wanted = {kube_name(n) for n in names} | set(names)
    return [
        f"{r.kind} {r.name} in namespace {r.namespace}"
        for r in target.elsewhere
        if r.kind in WORKLOAD_KINDS and r.name in wanted
    ]


def _unsupported_named(names: list[str], target: TargetState) -> list[str]:
    return [
        f"{r.kind} {r.name}"
        for r in target.ignored
        if max(similarity(n, r.name) for n in names) >= SIMILAR_ENOUGH
    ]


def _also(names: list[str], target: TargetState) -> str:
    """What exists that looks like it: other namespaces, unsupported kinds, similar names."""
    parts = []
    if elsewhere := _elsewhere_named(names, target):
        parts.append(
            f" {', '.join(elsewhere)} exists, but cutover reads namespace {target.namespace}"
        )
    if unsupported := _unsupported_named(names, target):
        parts.append(
            f" Found {', '.join(unsupported)}: a kind cutover does not compare (it compares "
            f"{KINDS_TEXT})"
        )
    if similar := similar_workloads(names, target):
        parts.append(f" Similar names: {', '.join(f'{w.kind} {w.name}' for w in similar)}")
    return "".join(f"{p}." for p in parts)


def snippet(service: str, workload: str) -> str:
    return f"services:\n  {service}: {workload}"


def where_looked(target: TargetState) -> str:
    sources = " and ".join(target.sources) if target.sources else "the target"
    return f"namespace {target.namespace} ({sources})"


def _repository(image: str) -> str:
    """`registry.example.com/fleet/notify` of `registry.example.com/fleet/notify:2.1@sha256:..`."""
    name = image.strip().partition("@")[0]
    if name.rfind(":") > name.rfind("/"):
        name = name[: name.rfind(":")]
    return name.removeprefix("docker.io/").removeprefix("library/")


def same_image(
    service: ComposeService, unclaimed: Sequence[TargetWorkload]
) -> list[TargetWorkload]:
    """The workloads no Compose service became that run the service's image (any tag): what it
    may have become under a name too unlike its own (`notifier` -> `notifications`)."""
    if not service.image:
        return []
    wanted = _repository(service.image)
    return [w for w in unclaimed if any(_repository(c.image) == wanted for c in w.containers)][
        :MOST_SHOWN
    ]


def unmatched(
    service: ComposeService,
    target: TargetState,
    project_name: str,
    where: ConfigFile,
    unclaimed: Sequence[TargetWorkload] = (),
) -> Finding:
    name = service.name
    names = [name, f"{project_name}-{name}"]
    looked = (
        f"no workload ({KINDS_TEXT}) named {kube_name(name)} or "
        f"{kube_name(f'{project_name}-{name}')}, labelled component={name}, or with a "
        f"container named {name}"
    )
    message = f"Compose service {name} has no workload in {where_looked(target)}: {looked}."
    message += _also(names, target)
    host = service.network_mode.removeprefix("service:")
    if service.network_mode.startswith("service:"):
        message += (
            f" It shares the network of {host} (network_mode: {service.network_mode}): in "
            f"Kubernetes it is usually a second container in {host}'s pod."
        )
    elsewhere = _elsewhere_named(names, target)
    similar = similar_workloads(names, target)
    # `unclaimed`: the workloads no service became (the matcher's), to look for the same image.
    running = [w for w in same_image(service, unclaimed) if w not in similar]
    if running:
        message += (
            f" Running the same image ({_repository(service.image)}): "
            f"{', '.join(f'{w.kind} {w.name}' for w in running)}."
        )
    similar = similar + running
    if elsewhere:
        namespace = elsewhere[0].split()[-1]
        fix = (
            f"Run with --namespace {namespace} (or set `namespace: {namespace}` in {where.name}) "
            f"if that is the target; otherwise deploy {name} to {target.namespace}."
        )
    elif similar:
        candidate = similar[0]
        fix = (
            f"If {candidate.kind} {candidate.name} is what {name} became, add to "
            f"{where.name}:\n{snippet(name, candidate.name)}\n"
            f"Otherwise deploy a workload for {name} before the cutover."
        )
    else:
        fix = (
            f"Deploy a workload for {name} (apply its manifest), or, if it exists under "
            f"another name, add to {where.name}:\n{snippet(name, '<workload-name>')}"
        )
    if service.network_mode.startswith("service:"):
        fix += f"\nFor a container in {host}'s pod: `{name}: <workload>/<container>`."
    return Finding(check=f"match:{name}", severity=Severity.BLOCK, message=message, fix=fix)


def explicit_missing(service: str, ref: TargetRef, target: TargetState, line: str) -> Finding:
    kind = ref.kind or "workload"
    message = (
        f"{line} maps {service} to {kind} {ref.name}, but no {KINDS_TEXT if not ref.kind else ref.kind}"
        f" is named {ref.name} in {where_looked(target)}."
    )
    message += _also([ref.name, service], target)
    similar = similar_workloads([ref.name, service], target)
    if similar:
        candidate = similar[0]
        tail = f"/{ref.container}" if ref.container else ""
        fix = (
            f"If {candidate.kind} {candidate.name} is meant, change that line to "
            f"`  {service}: {candidate.name}{tail}`; otherwise deploy {ref.name} first."
        )
    else:
        fix = f"Correct the workload name on that line, or deploy {ref.name} first."
    return Finding(check=f"match:{service}", severity=Severity.BLOCK, message=message, fix=fix)


def bad_entry(service: str, value: str, problem: str, line: str) -> Finding:
    return Finding(
        check=f"match:{service}",
        severity=Severity.BLOCK,
        message=f"{line} cannot be read as a workload: {problem}.",
        fix=f"Write `  {service}: <workload>` or `  {service}: <workload>/<container>`.",
    )


def unknown_service(service: str, name: str, project: ComposeProject, line: str) -> Finding:
    known = list(project.services)
    guess = closest_name(service, known)
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


def ambiguous(service: str, why: str, where: ConfigFile) -> Finding:
    return Finding(
        check=f"match:{service}",
        severity=Severity.BLOCK,
        message=f"Compose service {service} could be more than one workload: {why}.",
        fix=f"Say which one in {where.name}:\n{snippet(service, '<workload-name>')}",
    )


def unmatched_workload(
    workload: TargetWorkload, unmatched_services: list[str], where: ConfigFile
) -> Finding:
    guess = closest_name(workload.name, unmatched_services)
    if guess:
        fix = (
            f"If it is what Compose service {guess} became, add to {where.name}:\n"
            f"{snippet(guess, workload.name)}"
        )
    else:
        fix = (
            f"Nothing to do if it is new in Kubernetes. If it replaces a Compose service, add "
            f"to {where.name}:\n{snippet('<service>', workload.name)}"
        )
    return Finding(
        check=f"match:{workload.kind}/{workload.name}",
        severity=Severity.INFO,
        message=f"{workload.kind} {workload.name} is not what any Compose service became.",
        fix=fix,
    )


def other_namespaces(target: TargetState, unmatched_services: list[str]) -> list[Finding]:
    """One finding per other namespace the manifests put objects in: they were not compared.
    A warning when a workload is among them (a service may have gone there), else a note."""
    by_namespace: dict[str, list[str]] = {}
    for ref in target.elsewhere:
        by_namespace.setdefault(ref.namespace, []).append(f"{ref.kind} {ref.name}")
    findings = []
    for namespace, objects in sorted(by_namespace.items()):
        workloads = [o for o in objects if o.split()[0] in WORKLOAD_KINDS]
        shown_objects = ", ".join(objects[:8]) + (
            f" and {len(objects) - 8} more" if len(objects) > 8 else ""
        )
        missing = (
            f" (unmatched here: {', '.join(unmatched_services)})" if unmatched_services else ""
        )
        findings.append(
            Finding(
                check=f"match:namespace:{namespace}",
                severity=Severity.WARN if workloads else Severity.INFO,
                message=f"{len(objects)} object(s) of the manifests are in namespace {namespace}, "
                f"not {target.namespace}, and were not compared: {shown_objects}.{missing}",
                fix=f"If namespace {namespace} is the target, run with --namespace {namespace} "
                f"(or set `namespace: {namespace}` in cutover.yaml). If those objects belong to "
                "something else, nothing to do.",
            )
        )
    return findings


class ConfigFile:
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
