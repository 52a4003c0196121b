"""`cutover plan`: the per-service mapping diff as a readable table, or JSON for scripts.

Everything printed comes from DiffRow display text and findings, which are masked at the source:
no secret value can reach this output.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from wizard.checks import Severity
from wizard.mapping.model import Plan, ServicePlan
from wizard.status import MARKS


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "sources": list(plan.sources),
        "services": [
            {
                "service": service.service,
                "target": (
                    {"kind": service.target.kind, "name": service.target.name}
                    if service.target
                    else None
                ),
                "findings": [
                    {
                        "severity": row.finding.severity.value,
                        "field": row.field,
                        "message": row.finding.message,
                        "fix": row.finding.fix,
                    }
                    for row in service.rows
                ],
            }
            for service in plan.services
        ],
        "other": [
            {"severity": f.severity.value, "field": f.check, "message": f.message, "fix": f.fix}
            for f in plan.extra
        ],
    }


def _service_lines(service: ServicePlan, problems_only: bool) -> list[str]:
    target = f"{service.target.kind}/{service.target.name}" if service.target else "no match"
    lines = [f"\n{service.service} -> {target}: {service.severity.value}"]
    rows = [
        r
        for r in service.rows
        if not problems_only or r.finding.severity.rank >= Severity.WARN.rank
    ]
    width = max((len(r.field) for r in rows), default=0)
    for row in rows:
        sides = f"{row.compose or '-'}  |  {row.kubernetes or '-'}"
        lines.append(f"  {MARKS[row.finding.severity]} {row.field:<{width}}  {sides}")
        if row.finding.severity.rank >= Severity.WARN.rank:
            lines.append(f"        {row.finding.message}")
            if row.finding.fix:
                lines.append(f"        fix: {row.finding.fix}")
    return lines


def write_plan(plan: Plan, out: TextIO, as_json: bool = False, problems_only: bool = False) -> None:
    if as_json:
        out.write(json.dumps(plan_json(plan), indent=2) + "\n")
        return
    out.write(f"cutover plan: from {', '.join(plan.sources) or 'no source'}\n")
    out.write("  legend: field  compose | kubernetes\n")
    for service in plan.services:
        out.write("\n".join(_service_lines(service, problems_only)) + "\n")
    if plan.extra:
        out.write("\nOther findings\n")
        for finding in plan.extra:
            out.write(f"  {MARKS[finding.severity]} {finding.message}\n")
            if finding.fix:
                out.write(f"        fix: {finding.fix}\n")


def plan_exit_code(plan: Plan) -> int:
    return 1 if any(f.blocks for f in plan.findings) else 0
