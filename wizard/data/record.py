"""What the Data step remembers of each copy (state.json, section `data`), and what it concludes.

A copy is remembered per Compose volume: the method, the outcome (verified or failed), when, a
short summary (counts, never contents), the first differences by path or table name, and the
Compose containers that mount the volume as they were at that moment (running or not, and since
when). A verified copy goes **stale** when one of those writers runs again afterwards: a container
that was stopped for the copy and is running now, or one whose start time moved. The Data step's
findings then block, as they do for a volume not copied yet or whose copy failed; a volume
skipped on purpose only warns, for the gate's acknowledgement.

Everything here is pure but `load_records`/`save_record`, which go through the StateFile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wizard.checks import Finding, Severity
from wizard.data.plan import SKIP, DataRow
from wizard.model import ComposeContainer

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.state.store import StateFile

SECTION = "data"
VERIFIED, FAILED = "verified", "failed"
COPYING = "copying"  # written before a copy starts: still there next time means it was cut short
# A volume's state as the step shows it (the copy's outcome is one input of it).
NOT_STARTED, STALE, SKIPPED = "not started", "stale", "skipped"
STATES = (NOT_STARTED, VERIFIED, FAILED, STALE, SKIPPED)
MAX_DIFFERENCES = 20  # kept in state.json; the step shows them all when it has them
NOT_COPIED_FIX = (
    "In the Data step, pick {row.volume} and press c: it offers to stop what writes it in "
    "Compose ({services}) first. Or, from a shell: `cutover data copy {row.volume}`."
)


@dataclass(frozen=True)
class Writer:
    """A Compose container that mounts the volume, as it was when the copy was verified."""

    name: str
    state: str  # running | exited | ...
    started_at: str = ""


@dataclass(frozen=True)
class CopyRecord:
    volume: str
    method: str
    outcome: str  # verified | failed | copying
    at: str  # ISO 8601, UTC
    summary: str  # "302 files, 20.1 MB" / "3 tables, 100,002 rows": counts only
    writers: tuple[Writer, ...] = ()
    differences: tuple[str, ...] = field(default_factory=tuple)


def record_copy(
    row: DataRow,
    outcome: str,
    summary: str,
    containers: Iterable[ComposeContainer],
    differences: Sequence[str] = (),
    now: datetime | None = None,
) -> CopyRecord:
    """The record of a copy of `row`, with its writers as they are now."""
    services = set(row.services) | set(row.writers)
    writers = tuple(
        Writer(c.name, c.state, c.started_at) for c in containers if c.service in services
    )
    return CopyRecord(
        volume=row.volume,
        method=row.method,
        outcome=outcome,
        at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        summary=summary,
        writers=writers,
        differences=tuple(differences[:MAX_DIFFERENCES]),
    )


def stale_because(record: CopyRecord, containers: Iterable[ComposeContainer]) -> str:
    """Why a verified copy no longer reflects its volume ('' while it does)."""
    then = {w.name: w for w in record.writers}
    for container in containers:
        before = then.get(container.name)
        if before is None or container.state != "running":
            continue
        if before.state != "running":
            return f"{container.name} was stopped for the copy and runs again"
        if container.started_at and container.started_at != before.started_at:
            return f"{container.name} started again at {container.started_at}"
    return ""


def stopped_for_copies(records: Mapping[str, CopyRecord]) -> set[str]:
    """The Compose containers that the remembered copies were made with stopped."""
    return {w.name for r in records.values() for w in r.writers if w.state != "running"}


def stopped_for_copies_of(config: CutoverConfig) -> set[str]:
    """The same, read from the project's state.json: what Preflight and the demo's host show as
    stopped on purpose rather than as down."""
    from wizard.state.store import state_file_for

    return stopped_for_copies(load_records(state_file_for(config)))


def data_findings(
    rows: Iterable[DataRow],
    records: Mapping[str, CopyRecord],
    containers: Sequence[ComposeContainer],
) -> list[Finding]:
    """One finding per volume of the plan: ok when verified and fresh, warn when skipped on
    purpose (acknowledged at the gate), block otherwise, with what to do."""
    return [finding for _, finding in assess_volumes(rows, records, containers)]


def assess_volumes(
    rows: Iterable[DataRow],
    records: Mapping[str, CopyRecord],
    containers: Sequence[ComposeContainer],
) -> list[tuple[str, Finding]]:
    """Each volume's state (one of STATES) with its finding, decided once: the UI's State
    column and `cutover data --json` read the state, never the finding's words."""
    return [_assess(row, records.get(row.volume), containers) for row in rows]


def _assess(
    row: DataRow, record: CopyRecord | None, containers: Sequence[ComposeContainer]
) -> tuple[str, Finding]:
    check = f"data.{row.volume}"
    into = f"{row.volume} -> {row.claim}"
    if row.method == SKIP:
        return SKIPPED, Finding(
            check,
            Severity.WARN,
            f"{into}: not moved ({row.why})",
            fix="Acknowledge it at the gate if that is right; otherwise set its method "
            "in cutover.yaml (`data: {" + row.volume + ": {method: files}}`).",
        )
    if (record is None or record.method != row.method) and row.claim_phase != "Bound":
        # A copy would be refused (wizard.data.run): the fix is on the Volumes step, not `c`.
        phase = row.claim_phase or "missing"
        return NOT_STARTED, Finding(
            check,
            Severity.BLOCK,
            f"{into}: not copied yet: its claim is {phase}, so there is nothing to copy into",
            fix=f"Make claim {row.claim} Bound on the Volumes step (3) first (its finding says "
            f"why it is {phase}); then copy {row.volume} here.",
        )
    if record is None or record.method != row.method:
        return NOT_STARTED, Finding(
            check,
            Severity.BLOCK,
            f"{into}: not copied yet ({row.method}: {row.why})",
            fix=NOT_COPIED_FIX.format(row=row, services=", ".join(row.writers or row.services)),
        )
    if record.outcome != VERIFIED:
        shown = "; ".join(record.differences[:3]) or record.summary
        said = "was cut short" if record.outcome == COPYING else "did not verify"
        return FAILED, Finding(
            check,
            Severity.BLOCK,
            f"{into}: the copy of {record.at} {said}: {shown}",
            fix=f"Copy it again in the Data step (pick {row.volume}, press c) or with "
            f"`cutover data copy {row.volume}`: that replaces the copy; the source is "
            "untouched.",
        )
    if why := stale_because(record, containers):
        return STALE, Finding(
            check,
            Severity.BLOCK,
            f"{into}: the copy verified at {record.at} is stale: {why}",
            fix=f"Stop it again and copy {row.volume} again (Data step, c), so the new "
            "data is moved too.",
        )
    return VERIFIED, Finding(
        check, Severity.OK, f"{into}: verified at {record.at} ({record.summary})"
    )


# ---------------------------------------------------------------------------------------------
# state.json
# ---------------------------------------------------------------------------------------------


def load_records(state: StateFile) -> dict[str, CopyRecord]:
    """The remembered copies by volume; an entry this version cannot read is forgotten (the
    volume then shows as not copied, which is the safe side)."""
    section = state.section(SECTION) or {}
    records = {}
    for volume, raw in section.items() if isinstance(section, dict) else ():
        try:
            records[volume] = _from_json(raw)
        except (KeyError, TypeError, ValueError):
            continue
    return records


def forget_record(state: StateFile, volume: str) -> None:
    section = state.section(SECTION) or {}
    if isinstance(section, dict) and volume in section:
        state.write_section(SECTION, {k: v for k, v in section.items() if k != volume} or None)


def save_record(state: StateFile, record: CopyRecord) -> None:
    section = state.section(SECTION) or {}
    section = dict(section) if isinstance(section, dict) else {}
    section[record.volume] = asdict(record)
    state.write_section(SECTION, section)


def _from_json(raw: Mapping[str, Any]) -> CopyRecord:
    return CopyRecord(
        volume=str(raw["volume"]),
        method=str(raw["method"]),
        outcome=str(raw["outcome"]),
        at=str(raw["at"]),
        summary=str(raw["summary"]),
        writers=tuple(
            Writer(str(w["name"]), str(w["state"]), str(w.get("started_at", "")))
            for w in raw.get("writers", ())
        ),
        differences=tuple(str(d) for d in raw.get("differences", ())),
    )
