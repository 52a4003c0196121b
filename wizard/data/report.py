"""`cutover data`: the Data step's plan and each volume's state, for people and for scripts.

Reads only (the cluster, the engine's containers, state.json): it runs no copy and no command in
any container, so it works as a `view`-only identity and in read-only mode. Exit 0 when every
volume is verified and fresh or skipped on purpose, 1 otherwise, 2 when it could not find out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from wizard.checks import Finding, Severity
from wizard.data.plan import DataRow, plan_data
from wizard.data.record import CopyRecord, assess_volumes, load_records
from wizard.model import ComposeContainer

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways
    from wizard.steps import Round

EXIT_OK, EXIT_BLOCKED, EXIT_UNKNOWN = 0, 1, 2


@dataclass(frozen=True)
class DataReport:
    project: str
    rows: tuple[DataRow, ...]
    records: dict[str, CopyRecord]
    findings: tuple[Finding, ...]
    containers: tuple[ComposeContainer, ...] = ()  # the project's, as they were read
    states: dict[str, str] = field(default_factory=dict)  # volume -> one of record.STATES

    @classmethod
    def assess(
        cls,
        project: str,
        rows: tuple[DataRow, ...],
        records: dict[str, CopyRecord],
        containers: tuple[ComposeContainer, ...] = (),
    ) -> DataReport:
        """The report over a plan: each volume's state and finding, decided once."""
        assessed = assess_volumes(rows, records, containers)
        findings = tuple(finding for _, finding in assessed)
        states = {row.volume: state for row, (state, _) in zip(rows, assessed, strict=True)}
        return cls(project, rows, records, findings, containers, states)

    def finding(self, volume: str) -> Finding:
        return next(f for f in self.findings if f.check == f"data.{volume}")

    def state(self, volume: str) -> str:
        """not started | verified | failed | stale | skipped"""
        return self.states[volume]

    def exit_code(self) -> int:
        return EXIT_BLOCKED if any(f.blocks for f in self.findings) else EXIT_OK


def gather_data(config: CutoverConfig, gateways: Gateways) -> DataReport:
    """The plan over the Volumes step's pairing, the copies remembered, what they add up to.
    Raises the gateways' errors (CutoverError) when a read fails."""
    from wizard.compose.loader import load_project
    from wizard.state.store import state_file_for
    from wizard.storage.volumes import read_volumes

    project = load_project(config)
    volumes = read_volumes(config, gateways, project)
    rows = tuple(plan_data(project, volumes, config.data))
    records = load_records(state_file_for(config))
    containers = tuple(gateways.compose_host().project_containers(project.name))
    return DataReport.assess(project.name, rows, records, containers)


def check(round: Round) -> list[Finding]:
    """The Data step's check: one finding per volume of the plan (reads only: no exec)."""
    report = gather_data(round.config, round.gateways)
    if not report.rows:
        return [
            Finding(
                "data",
                Severity.INFO,
                "No Compose volume has a claim to move into yet: nothing to copy",
                fix="The Volumes step pairs each named volume with the claim that replaces it.",
            )
        ]
    return list(report.findings)


def write_data(report: DataReport, out: TextIO, as_json: bool = False) -> None:
    by_volume = {f.check.removeprefix("data."): f for f in report.findings}
    if as_json:
        volumes = []
        for row in report.rows:
            finding = by_volume[row.volume]
            record = report.records.get(row.volume)
            volumes.append(
                {
                    "volume": row.volume,
                    "services": list(row.services),
                    "source_path": row.source_path,
                    "claim": row.claim,
                    "pods": list(row.pods),
                    "method": row.method,
                    "why": row.why,
                    "data_bytes": row.data_bytes,
                    "state": report.state(row.volume),
                    "verified_at": record.at if record and record.outcome == "verified" else None,
                    "finding": finding.as_json(),
                }
            )
        ready = not any(f.blocks for f in report.findings)
        json.dump({"project": report.project, "ready": ready, "volumes": volumes}, out, indent=2)
        out.write("\n")
        return
    out.write(f"cutover data: project {report.project}\n")
    if not report.rows:
        out.write("  No Compose volume has a claim to move into yet (see the Volumes step).\n")
    for row in report.rows:
        finding = by_volume[row.volume]
        out.write(
            f"  {finding.severity.value.upper():5} {row.volume} -> {row.claim} ({row.method})\n"
        )
        out.write(f"        {finding.message.split(': ', 1)[-1]}\n")
        if finding.severity is not Severity.OK and finding.fix:
            out.write(f"        fix: {finding.fix}\n")
