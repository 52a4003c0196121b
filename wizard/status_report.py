"""What `cutover status` reports: every step's findings, each once, and the gate's verdict.

Each finding belongs to the step that found it. The gate's own check repeats every problem of
the steps before it (that is what makes it a gate); the report keeps the gate's verdict beside
the steps instead, so the text can point to those steps and the JSON can say, in a field and not
in the text, who acknowledged which warning.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.demo.world import fresh_command
from wizard.errors import CutoverError
from wizard.gate.down import rollback
from wizard.gate.verdict import GATE_STEP, Acknowledgement, GateVerdict, verdict_of
from wizard.gateways import Gateways
from wizard.state.down_record import DownRecord, load_down
from wizard.state.store import state_file_for
from wizard.steps import Round, StepStatus

EXIT_READY, EXIT_BLOCKED, EXIT_UNKNOWN = 0, 1, 2
VERDICTS = {EXIT_READY: "ready", EXIT_BLOCKED: "blocked", EXIT_UNKNOWN: "unknown"}


def is_blocker(finding: Finding) -> bool:
    """What keeps the gate closed: a block, or a check that could not find out."""
    return finding.blocks or finding.inconclusive


@dataclass(frozen=True)
class Row:
    """A finding under the step that owns it, with who acknowledged it (warnings only)."""

    step: StepStatus
    finding: Finding
    acknowledged: Acknowledgement | None = None

    @property
    def is_problem(self) -> bool:
        return self.finding.severity.is_problem or self.finding.inconclusive


@dataclass(frozen=True)
class StatusReport:
    project: str
    read_only: bool
    demo: bool
    steps: tuple[StepStatus, ...]
    # None when the gate could not read its acknowledgements (its step says why).
    verdict: GateVerdict | None
    # An earlier down of this project, as state.json has it (None: none), and how to undo it.
    down: DownRecord | None = None
    rollback: str = ""
    demo_fresh: str = ""  # the demo's own way back: `cutover demo --fresh`

    def rows(self, step: StepStatus) -> list[Row]:
        """The step's findings, each once. The gate's copies are left out (see `closing_steps`);
        a step the gate could not verify at all gets the gate's word for it."""
        if step.id == GATE_STEP and self.verdict is not None:
            own = [f for item, f in self.verdict.findings_with_items() if item is None]
            return [Row(step, f) for f in own]
        found = list(step.findings)
        if self.verdict is not None:
            found += [
                i.finding
                for i in self.verdict.blockers
                if i.step == step.id and i.finding not in step.findings
            ]
        return [Row(step, f, self._acknowledgement(f)) for f in found]

    def all_rows(self) -> list[Row]:
        return [row for step in self.steps for row in self.rows(step)]

    def closing_steps(self) -> list[tuple[int, StepStatus]]:
        """The steps (with their numbers) whose blockers or unacknowledged warnings keep the
        gate closed: where its section points."""
        if self.verdict is None:
            return []
        ids = {i.step for i in (*self.verdict.blockers, *self.verdict.unacknowledged)}
        return [(n, s) for n, s in enumerate(self.steps, 1) if s.id in ids]

    def _acknowledgement(self, finding: Finding) -> Acknowledgement | None:
        if self.verdict is None or finding.severity is not Severity.WARN:
            return None
        return self.verdict.acknowledgement_for(finding)

    # --- the totals ------------------------------------------------------------------------

    def exit_code(self) -> int:
        rows = self.all_rows()
        if any(r.finding.inconclusive for r in rows):
            return EXIT_UNKNOWN
        return EXIT_BLOCKED if any(r.finding.blocks for r in rows) else EXIT_READY

    def first(self) -> Row | None:
        """The problem to read first: the first that could not be checked when the verdict is
        unknown, else the first blocker, else the first warning nobody acknowledged."""
        rows = self.all_rows()
        tests: list[Callable[[Row], bool]] = [
            lambda r: r.finding.inconclusive,
            lambda r: is_blocker(r.finding),
            lambda r: r.finding.severity is Severity.WARN and r.acknowledged is None,
        ]
        return next((row for test in tests for row in rows if test(row)), None)

    def summary(self) -> dict[str, Any]:
        """`summary` of the JSON: the verdict and its counts, each finding counted once."""
        rows = self.all_rows()
        first = self.first()
        warnings = [r for r in rows if is_warning(r.finding)]
        return {
            "verdict": VERDICTS[self.exit_code()],
            "blockers": sum(is_blocker(r.finding) for r in rows),
            "warnings": len(warnings),
            "acknowledged": sum(r.acknowledged is not None for r in warnings),
            "unknown_steps": [s.id for s in self.steps if s.state == "unknown"],
            "counts": _counts(r.finding for r in rows),
            "steps": {
                s.id: {"state": s.state, "counts": _counts(r.finding for r in self.rows(s))}
                for s in self.steps
            },
            "first": None if first is None else {"step": first.step.id} | first.finding.as_json(),
        }


def is_warning(finding: Finding) -> bool:
    return finding.severity is Severity.WARN and not finding.inconclusive


def _counts(findings: Iterable[Finding]) -> dict[str, int]:
    counted = Counter(f.severity.value for f in findings)
    return {s.value: counted[s.value] for s in Severity}


def probe_cluster_early(gateways: Gateways) -> None:
    """Ask the cluster once (build its client, GET /version) on a thread of its own while the
    first checks read the Compose project and Docker. A hung API server then costs one timeout,
    overlapping with them: a one-shot gateway makes the checks that ask meanwhile wait for this
    answer, and those after it know at once (wizard.gateways.kube.cluster)."""

    def probe() -> None:
        # Whatever it finds, the checks find again and report: nothing to say from here.
        with contextlib.suppress(Exception):
            gateways.cluster().server_version()

    threading.Thread(target=probe, name="cluster-probe", daemon=True).start()


def gather(config: CutoverConfig, gateways: Gateways) -> StatusReport:
    """Run every step once (blocking I/O) and the gate's verdict over them."""
    probe_cluster_early(gateways)
    round = Round(config, gateways)
    steps = tuple(round.all())
    verdict: GateVerdict | None = None
    if any(s.id == GATE_STEP for s in steps):
        try:
            verdict = verdict_of(round)  # the steps' results are this round's: nothing re-runs
        except CutoverError:
            verdict = None  # the gate's own step already says why
    return StatusReport(
        config.project_name,
        config.read_only,
        config.demo,
        steps,
        verdict,
        down=load_down(state_file_for(config), config.project_name),
        rollback=rollback(config).command,
        demo_fresh=fresh_command(config),
    )
