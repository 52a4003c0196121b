"""The gate's verdict: every step's checks run again now, and whether Compose may go down.

The gate is a step like the others (wizard.steps): its check consumes the results of the steps
before it in the same round. Nothing is cached: a round opened for the gate runs them afresh.
Ready only when nothing blocks, nothing is inconclusive, every step could be checked at all, and
every warning has been acknowledged by a person (who and when, in UTC).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gateways import Gateways
from wizard.state.audit import os_user
from wizard.state.store import StateFile, state_file_for
from wizard.steps import Round, StepStatus

GATE_STEP = "gate"
ACK_SECTION = "acknowledgements"


@dataclass(frozen=True)
class Acknowledgement:
    """A person read a warning and accepted it: the check id, who (OS user), when (UTC).

    `fingerprint` (a digest of the warning's text) ties it to the very warning read: several
    warnings may share a check id, and a warning that changes must be read again. Without one
    it covers every warning of that check id."""

    check: str
    who: str
    when: str  # ISO 8601, UTC
    fingerprint: str = ""

    def covers(self, finding: Finding) -> bool:
        return self.check == finding.check and self.fingerprint in ("", fingerprint(finding))

    def as_json(self) -> dict[str, str]:
        return {
            "check": self.check,
            "who": self.who,
            "when": self.when,
            "fingerprint": self.fingerprint,
        }


def fingerprint(finding: Finding) -> str:
    """A short digest of what the warning says (its text holds no secret values, by design)."""
    text = f"{finding.check}\n{finding.message}".encode()
    return hashlib.sha256(text).hexdigest()[:16]


def acknowledge(
    warning: str | Finding, who: str | None = None, when: datetime | None = None
) -> Acknowledgement:
    """An acknowledgement of `warning` (a Finding, or just a check id) by `who` (default: the OS
    user) at `when` (default: now)."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    if isinstance(warning, Finding):
        check, digest = warning.check, fingerprint(warning)
    else:
        check, digest = warning, ""
    return Acknowledgement(check, who or os_user(), moment.isoformat(timespec="seconds"), digest)


@dataclass(frozen=True)
class GateItem:
    """A finding as the gate lists it: which step it comes from."""

    step: str
    step_title: str
    finding: Finding


@dataclass(frozen=True)
class GateVerdict:
    steps: tuple[StepStatus, ...]
    blockers: tuple[GateItem, ...]  # blocks, inconclusive checks, steps that cannot be checked
    warnings: tuple[GateItem, ...]
    acknowledgements: tuple[Acknowledgement, ...]  # those that match a current warning
    evaluated_at: str

    @property
    def unacknowledged(self) -> tuple[GateItem, ...]:
        return tuple(
            w for w in self.warnings if not any(a.covers(w.finding) for a in self.acknowledgements)
        )

    @property
    def ready(self) -> bool:
        return not self.blockers and not self.unacknowledged

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.steps for f in s.findings)

    def summary(self) -> str:
        if self.ready:
            acked = len(self.acknowledgements)
            extra = f" ({acked} warning(s) acknowledged)" if acked else ""
            return f"Ready: every check passes now{extra}."
        parts = []
        if self.blockers:
            parts.append(f"{len(self.blockers)} blocker(s)")
        if self.unacknowledged:
            parts.append(f"{len(self.unacknowledged)} warning(s) to acknowledge")
        return "Not ready: " + ", ".join(parts) + "."

    def acknowledgement_for(self, finding: Finding) -> Acknowledgement | None:
        """Who acknowledged this warning and when; None while nobody has."""
        return next((a for a in self.acknowledgements if a.covers(finding)), None)

    def as_findings(self) -> list[Finding]:
        """The verdict as the `gate` step's findings (for `cutover status`: shows, never acts)."""
        return [finding for _, finding in self.findings_with_items()]

    def findings_with_items(self) -> list[tuple[GateItem | None, Finding]]:
        """The gate step's findings, each with the item of the step it stands for (None for the
        gate's own "ready"): `cutover status` points to that step instead of repeating it.

        Never inconclusive: whatever a step could not find out, the gate knows it is closed.
        Whether a warning is acknowledged is not in its text: `acknowledgement_for` says."""
        found: list[tuple[GateItem | None, Finding]] = [
            (
                i,
                Finding(
                    f"gate/{i.finding.check}",
                    Severity.BLOCK,
                    f"{i.step_title}: {i.finding.message}",
                    i.finding.fix,
                ),
            )
            for i in self.blockers
        ]
        found += [
            (
                i,
                Finding(
                    f"gate/{i.finding.check}",
                    Severity.WARN,
                    f"{i.step_title}: {i.finding.message}",
                    " ".join(
                        x
                        for x in (i.finding.fix, "Or, once read, acknowledge it at the gate.")
                        if x
                    ),
                ),
            )
            for i in self.unacknowledged
        ]
        if not found:
            found.append((None, Finding("gate.ready", Severity.OK, self.summary())))
        return found


def evaluate_gate(
    config: CutoverConfig,
    gateways: Gateways,
    acknowledgements: Iterable[Acknowledgement] = (),
) -> GateVerdict:
    """Run every step before the gate now and combine them (blocking I/O: from a worker)."""
    return combine(Round(config, gateways).earlier(GATE_STEP), acknowledgements)


def combine(
    steps: Iterable[StepStatus], acknowledgements: Iterable[Acknowledgement] = ()
) -> GateVerdict:
    """The verdict over step results already gathered (pure: unit-testable)."""
    steps = tuple(steps)
    blockers: list[GateItem] = []
    warnings: list[GateItem] = []
    for step in steps:
        if step.state == "unknown" and not step.findings:
            blockers.append(
                GateItem(
                    step.id,
                    step.title,
                    Finding(
                        f"{step.id}.unverified",
                        Severity.BLOCK,
                        f"Cannot verify {step.title} yet ({step.note or 'no checks'}).",
                        f"Check {step.title} by hand before taking Compose down; the gate stays "
                        "closed until the tool can check it.",
                        inconclusive=True,
                    ),
                )
            )
        for finding in step.findings:
            if finding.blocks or finding.inconclusive:
                blockers.append(GateItem(step.id, step.title, finding))
            elif finding.severity is Severity.WARN:
                warnings.append(GateItem(step.id, step.title, finding))
    latest: dict[tuple[str, str], Acknowledgement] = {}
    for ack in acknowledgements:  # only those that cover a warning there is now; the last wins
        if any(ack.covers(w.finding) for w in warnings):
            latest[(ack.check, ack.fingerprint)] = ack
    return GateVerdict(
        steps=steps,
        blockers=tuple(blockers),
        warnings=tuple(warnings),
        acknowledgements=tuple(latest[k] for k in sorted(latest)),
        evaluated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


# --- acknowledgements kept in .cutover/state.json ------------------------------------------------


def load_acknowledgements(state: StateFile) -> list[Acknowledgement]:
    raw: Any = state.section(ACK_SECTION) or []
    found = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and {"check", "who", "when"} <= set(item):
            found.append(
                Acknowledgement(
                    str(item["check"]),
                    str(item["who"]),
                    str(item["when"]),
                    str(item.get("fingerprint") or ""),
                )
            )
    return found


def save_acknowledgements(state: StateFile, acknowledgements: Iterable[Acknowledgement]) -> None:
    latest = {(a.check, a.fingerprint): a for a in acknowledgements}
    state.write_section(ACK_SECTION, [latest[k].as_json() for k in sorted(latest)])


def verdict_of(round: Round) -> GateVerdict:
    """The verdict over the steps before the gate in this round, with the acknowledgements on
    record (a CutoverError when they cannot be read)."""
    acks = load_acknowledgements(state_file_for(round.config))
    return combine(round.earlier(GATE_STEP), acks)


def check(round: Round) -> list[Finding]:
    """The gate step (wizard.steps): the verdict over the steps before it in this round, with
    the acknowledgements on record. It shows the verdict and never acts (nor records anything)."""
    try:
        verdict = verdict_of(round)
    except CutoverError as exc:
        return [Finding("gate.state", Severity.BLOCK, exc.message, exc.fix, inconclusive=True)]
    return verdict.as_findings()
