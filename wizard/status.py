"""`cutover status`: every step's checks as plain text, for on-call, reviewers and scripts."""

from __future__ import annotations

from typing import TextIO

from wizard.checks import Finding, Severity, worst
from wizard.config import CutoverConfig
from wizard.factory import Gateways
from wizard.preflight import run_preflight
from wizard.steps import CHECKLIST

# Glyph and word, so the output reads the same with or without colour.
MARKS = {
    Severity.OK: "ok   ",
    Severity.INFO: "info ",
    Severity.WARN: "WARN ",
    Severity.BLOCK: "BLOCK",
}


def format_finding(finding: Finding) -> list[str]:
    lines = [f"  {MARKS[finding.severity]} {finding.message}"]
    if finding.fix and finding.severity in (Severity.WARN, Severity.BLOCK):
        lines.append(f"        fix: {finding.fix}")
    return lines


def print_status(config: CutoverConfig, gateways: Gateways, out: TextIO) -> int:
    """Print the checklist with each step's findings; return 1 when anything blocks."""
    mode = " (read-only)" if config.read_only else ""
    out.write(f"cutover status: project {config.project_name}{mode}\n")
    blocked = False
    for number, step in enumerate(CHECKLIST, start=1):
        if not step.available:
            out.write(f"\n{number}. {step.title}: not available yet\n")
            continue
        findings = run_preflight(config, gateways)
        verdict = worst(findings)
        blocked = blocked or verdict is Severity.BLOCK
        out.write(f"\n{number}. {step.title}: {verdict.value}\n")
        for finding in findings:
            out.write("\n".join(format_finding(finding)) + "\n")
    return 1 if blocked else 0
