"""`cutover status`: every step's state as plain text or JSON, for on-call, reviewers and scripts.

Read-only by nature: it only runs checks. Exit codes: 0 nothing blocks, 1 something blocks,
2 it could not find out (a service unreachable, bad configuration).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TextIO

from wizard.checks import Finding, Severity, worst
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.factory import Gateways
from wizard.gate.verdict import gate_findings
from wizard.preflight import run_preflight
from wizard.steps import CHECKLIST

EXIT_READY, EXIT_BLOCKED, EXIT_UNKNOWN = 0, 1, 2

# A word per severity, aligned, so the output reads the same with or without colour.
MARKS = {
    Severity.OK: "ok   ",
    Severity.INFO: "info ",
    Severity.WARN: "WARN ",
    Severity.BLOCK: "BLOCK",
}


@dataclass(frozen=True)
class StepStatus:
    id: str
    title: str
    state: str  # ok | info | warn | block | unknown
    findings: tuple[Finding, ...] = ()
    note: str = ""


def mapping_findings(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """The mapping diff as findings named `<service>/<field>`; a source it cannot read is unknown."""
    from wizard.mapping.build import build_plan

    try:
        plan = build_plan(config, gateways)
    except CutoverError as exc:
        return [Finding("mapping", Severity.BLOCK, exc.message, exc.fix, inconclusive=True)]
    named = [replace(f, check=f"{s.service}/{f.check}") for s in plan.services for f in s.findings]
    return named + list(plan.extra)


def secrets_findings(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """Which keys the workloads reference and whether the Secret has them. Never the keyring:
    status is for watchers, and their terminal has nothing to do with the operator's keyring."""
    from wizard.secrets.overview import gather
    from wizard.secrets.store import SecretValues

    session_only = SecretValues(None, "", "", "")
    try:
        return gather(config, gateways, store=session_only).findings
    except CutoverError as exc:  # e.g. a bad `secrets:` section in cutover.yaml
        return [Finding("secrets", Severity.BLOCK, exc.message, exc.fix, inconclusive=True)]


def volumes_findings(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """Every Compose named volume next to its PVC; an unreachable cluster is inconclusive."""
    from wizard.compose.loader import load_project
    from wizard.storage.volumes import data_sizes, gather_volumes

    try:
        project = load_project(config)
        report = gather_volumes(
            gateways.cluster(),
            project,
            config.volumes,
            config.services,
            config.selector,
            data_sizes(gateways, project.name),
        )
    except CutoverError as exc:
        return [Finding("volumes", Severity.BLOCK, exc.message, exc.fix, inconclusive=True)]
    return list(report.findings)


def health_findings(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """Each Compose service's workload and pods, read once; unreachable is inconclusive."""
    from wizard.compose.loader import load_project
    from wizard.health.report import gather_health

    try:
        return gather_health(
            gateways.cluster(), load_project(config), config.services, config.selector
        )
    except CutoverError as exc:
        return [Finding("health", Severity.BLOCK, exc.message, exc.fix, inconclusive=True)]


STEP_CHECKS: dict[str, Callable[[CutoverConfig, Gateways], list[Finding]]] = {
    "preflight": run_preflight,
    "secrets": secrets_findings,
    "volumes": volumes_findings,
    "mapping": mapping_findings,
    "health": health_findings,
    "gate": gate_findings,
}


def collect_status(config: CutoverConfig, gateways: Gateways) -> list[StepStatus]:
    """Every checklist step, in order. Steps not built yet say `unknown`, honestly."""
    result: list[StepStatus] = []
    for step in CHECKLIST:
        run = STEP_CHECKS.get(step.id)
        if step.id == "gate":
            # The gate is the verdict over the steps just checked: no second round of checks.
            def run(
                config: CutoverConfig, gateways: Gateways, done: list[StepStatus] = result
            ) -> list[Finding]:
                return _gate_over(config, done)

        if run is None:
            result.append(StepStatus(step.id, step.title, "unknown", note="not available yet"))
            continue
        findings = tuple(run(config, gateways))
        state = "unknown" if any(f.inconclusive for f in findings) else worst(findings).value
        result.append(StepStatus(step.id, step.title, state, findings))
    return result


def _gate_over(config: CutoverConfig, steps: list[StepStatus]) -> list[Finding]:
    from wizard.gate.verdict import combine, load_acknowledgements
    from wizard.state.store import state_file_for

    try:
        acknowledgements = load_acknowledgements(state_file_for(config))
    except CutoverError as exc:
        return [Finding("gate.state", Severity.BLOCK, exc.message, exc.fix, inconclusive=True)]
    return combine(steps, acknowledgements).as_findings()


def exit_code(steps: list[StepStatus]) -> int:
    findings = [f for s in steps for f in s.findings]
    if any(f.inconclusive for f in findings):
        return EXIT_UNKNOWN
    return EXIT_BLOCKED if any(f.blocks for f in findings) else EXIT_READY


def format_finding(finding: Finding) -> list[str]:
    # Mapping rows are named `<service>/<field>`: the name says which service the line is about.
    where = f"{finding.check}: " if "/" in finding.check else ""
    lines = [f"  {MARKS[finding.severity]} {where}{finding.message}"]
    if finding.fix and finding.severity in (Severity.WARN, Severity.BLOCK):
        lines.append(f"        fix: {finding.fix}")
    return lines


def write_text(config: CutoverConfig, steps: list[StepStatus], out: TextIO) -> None:
    mode = " (read-only)" if config.read_only else ""
    out.write(f"cutover status: project {config.project_name}{mode}\n")
    for number, step in enumerate(steps, start=1):
        note = f" ({step.note})" if step.note else ""
        out.write(f"\n{number}. {step.title}: {step.state}{note}\n")
        for finding in step.findings:
            out.write("\n".join(format_finding(finding)) + "\n")


def as_json(steps: list[StepStatus]) -> dict[str, Any]:
    return {
        "ready": exit_code(steps) == EXIT_READY and all(s.state != "unknown" for s in steps),
        "steps": [
            {"id": s.id, "state": s.state, "findings": [f.as_json() for f in s.findings]}
            for s in steps
        ],
    }


def print_status(
    config: CutoverConfig, gateways: Gateways, out: TextIO, as_json_output: bool = False
) -> int:
    """Print the checklist with each step's findings; return the exit code."""
    steps = collect_status(config, gateways)
    if as_json_output:
        out.write(json.dumps(as_json(steps), indent=2) + "\n")
    else:
        write_text(config, steps, out)
    return exit_code(steps)
