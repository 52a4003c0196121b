"""`cutover status`: every step's state as plain text or JSON, for on-call, reviewers and scripts.

A report over one `wizard.steps.Round` (`wizard.status_report`): the same check functions the
wizard and the gate run, each finding shown once, under the step that owns it. Read-only by
nature. Exit codes: 0 nothing blocks, 1 something blocks, 2 it could not find out (a service
unreachable, bad configuration). The text layout is in `wizard.status_text`.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from wizard.checks import Finding
from wizard.config import CutoverConfig
from wizard.gate.verdict import GATE_STEP, Acknowledgement
from wizard.gateways import Gateways
from wizard.state.down_record import down_said
from wizard.status_report import (
    EXIT_BLOCKED,
    EXIT_READY,
    EXIT_UNKNOWN,
    StatusReport,
    gather,
    is_warning,
)
from wizard.status_text import MARKS, write_text
from wizard.steps import StepStatus

__all__ = [
    "EXIT_BLOCKED",
    "EXIT_READY",
    "EXIT_UNKNOWN",
    "MARKS",
    "StepStatus",
    "as_json",
    "exit_code",
    "print_status",
]


def exit_code(steps: list[StepStatus]) -> int:
    findings = [f for s in steps for f in s.findings]
    if any(f.inconclusive for f in findings):
        return EXIT_UNKNOWN
    return EXIT_BLOCKED if any(f.blocks for f in findings) else EXIT_READY


def acknowledgement_json(ack: Acknowledgement | None) -> dict[str, str] | None:
    return None if ack is None else {"by": ack.who, "at": ack.when}


def finding_json(finding: Finding, ack: Acknowledgement | None = None) -> dict[str, Any]:
    """A finding as before (check, severity, message, fix); a warning adds `acknowledged`."""
    shown: dict[str, Any] = dict(finding.as_json())
    if is_warning(finding):
        shown["acknowledged"] = acknowledgement_json(ack)
    return shown


def _gate_findings_json(report: StatusReport, step: StepStatus) -> list[dict[str, Any]]:
    """The gate's findings as its check gives them (scripts read them), each copy with `see`:
    the step that owns the finding it repeats."""
    if report.verdict is None:
        return [finding_json(f) for f in step.findings]
    shown = []
    for item, finding in report.verdict.findings_with_items():
        entry = finding_json(finding, None)
        if item is not None:
            entry["see"] = item.step
        shown.append(entry)
    return shown


def as_json(report: StatusReport) -> dict[str, Any]:
    steps = []
    for step in report.steps:
        if step.id == GATE_STEP:
            findings = _gate_findings_json(report, step)
        else:
            findings = [finding_json(r.finding, r.acknowledged) for r in report.rows(step)]
        steps.append(
            {"id": step.id, "title": step.title, "state": step.state, "findings": findings}
        )
    code = report.exit_code()
    return {
        "ready": code == EXIT_READY and all(s.state != "unknown" for s in report.steps),
        "summary": report.summary(),
        "steps": steps,
        "down": down_json(report),
    }


def down_json(report: StatusReport) -> dict[str, Any] | None:
    """An earlier down of the project (state.json's record), or null: scripts see it ran."""
    down = report.down
    if down is None or not down_said(down):
        return None
    return {
        "status": down.status,
        "finished": down.finished or None,
        "by": down.by or None,
        "rollback": report.rollback,
    }


def print_status(
    config: CutoverConfig,
    gateways: Gateways,
    out: TextIO,
    as_json_output: bool = False,
    width: int = 100,
    every_row: bool = False,
    long: bool = False,
) -> int:
    """Print the report (`width` columns; problems only unless `every_row`; each message on
    one line unless `long`); return the exit code."""
    report = gather(config, gateways)
    if as_json_output:
        out.write(json.dumps(as_json(report), indent=2) + "\n")
    else:
        write_text(report, out, width=width, every_row=every_row, long=long)
    return report.exit_code()
