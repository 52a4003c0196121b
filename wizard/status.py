"""`cutover status`: every step's state as plain text or JSON, for on-call, reviewers and scripts.

A report over `wizard.steps.run_all`: the same check functions the wizard and the gate run.
Read-only by nature. Exit codes: 0 nothing blocks, 1 something blocks, 2 it could not find out
(a service unreachable, bad configuration).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.gateways import Gateways
from wizard.steps import StepStatus, run_all

EXIT_READY, EXIT_BLOCKED, EXIT_UNKNOWN = 0, 1, 2

# A word per severity, aligned, so the output reads the same with or without colour.
MARKS = {
    Severity.OK: "ok   ",
    Severity.INFO: "info ",
    Severity.WARN: "WARN ",
    Severity.BLOCK: "BLOCK",
}


def exit_code(steps: list[StepStatus]) -> int:
    findings = [f for s in steps for f in s.findings]
    if any(f.inconclusive for f in findings):
        return EXIT_UNKNOWN
    return EXIT_BLOCKED if any(f.blocks for f in findings) else EXIT_READY


def format_finding(finding: Finding) -> list[str]:
    # Mapping rows are named `<service>/<field>`: the name says which service the line is about.
    where = f"{finding.check}: " if "/" in finding.check else ""
    lines = [f"  {MARKS[finding.severity]} {where}{finding.message}"]
    if finding.fix and finding.severity.is_problem:
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
    steps = run_all(config, gateways)
    if as_json_output:
        out.write(json.dumps(as_json(steps), indent=2) + "\n")
    else:
        write_text(config, steps, out)
    return exit_code(steps)
