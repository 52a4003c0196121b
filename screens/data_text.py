"""The Data step's words: table cells, the selected volume's detail, the previews of a copy and
of starting the writers again, progress. Pure (no Textual, no Rich: a contract in pyproject),
tested without an App."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from wizard.data.files import Progress
from wizard.data.plan import POSTGRES, SKIP, DataRow
from wizard.data.record import COPYING
from wizard.data.report import DataReport
from wizard.data.run import CopyOutcome
from wizard.model import ComposeContainer
from wizard.storage.claims import format_bytes

# The state second: at 80 columns the last ones are cut, and the state is what the step is for.
COLUMNS = ("Volume", "State", "Method", "Claim", "Size")
# (key, what the choice screen returns, what the key does)
Choice = tuple[str, str, str]
CANCEL: Choice = ("escape", "", "cancel: nothing is stopped or copied")


def state_cell(row: DataRow, report: DataReport) -> str:
    state = report.state(row.volume)
    if state == "not started" and row.claim_phase != "Bound":
        return f"✖ claim {row.claim_phase or 'missing'} (Volumes step first)"
    record = report.records.get(row.volume)
    when = _hhmm(record.at) if record is not None else ""
    if state == "verified":
        return f"✔ verified {when}"
    if state == "skipped":
        return "⚠ skipped (acknowledge at the gate)"
    if state == "stale":
        return f"✖ stale (verified {when})"
    if state == "failed":
        said = "cut short" if record is not None and record.outcome == COPYING else "failed"
        return f"✖ {said} {when}"
    return "✖ not copied yet"


STATE = COLUMNS.index("State")


def row_cells(row: DataRow, report: DataReport) -> tuple[str, ...]:
    size = format_bytes(row.data_bytes) if row.data_bytes is not None else "?"
    return (row.volume, state_cell(row, report), row.method, row.claim, size)


def ended_cell(outcome: CopyOutcome) -> str:
    """A volume whose copy just ended, before the step reads state.json again."""
    if outcome.result == "verified":
        return "✔ copied and verified"
    return f"✖ {outcome.result}"


def progress_cell(progress: Progress) -> str:
    if progress.total and progress.done >= progress.total:
        return "… verifying"  # the stream is through; the target is being compared
    percent = 100 * progress.done // progress.total if progress.total else 100
    text = f"copying {percent}% · {format_bytes(int(progress.rate))}/s"
    left = progress.seconds_left
    if left is not None and progress.done < progress.total:
        text += f" · {_duration(left)} left"
    return text


def summary_text(
    report: DataReport,
    copying: Collection[str] = (),
    progress: Mapping[str, Progress] | None = None,
) -> str:
    """The step's one line (without its glyph when nothing is copying)."""
    if copying:
        now = next((v for v in report.rows if v.volume in (progress or {})), None)
        where = f": {now.volume}" if now is not None else ""
        return f"… copying {len(copying)} volume(s){where} · x cancels"
    if not report.rows:
        return "No Compose volume has a claim to move into yet"
    states = [report.state(row.volume) for row in report.rows]
    skipped = states.count("skipped")
    due = len(states) - states.count("verified") - skipped
    total = len(states)
    if due == 0:
        tail = f", {skipped} skipped (acknowledge at the gate)" if skipped else ""
        return f"Every volume's copy is verified ({total - skipped} of {total}){tail}"
    return f"{due} of {total} volume(s) still to copy and verify"


def row_detail(row: DataRow, report: DataReport) -> str:
    """What the selected volume is, where it goes, how, and who writes it now."""
    lines = [
        f"{row.volume} ({row.source_path or '?'} in {', '.join(row.services)}) -> {row.claim}",
        f"  {row.method}: {row.why}",
        f"  {_target(row)}",
    ]
    writers = [c for c in report.containers if c.service in (row.writers or row.services)]
    if writers and row.method != SKIP:
        said = ", ".join(f"{c.name} ({c.state})" for c in writers)
        lines.append(f"  writers in Compose: {said}")
    record = report.records.get(row.volume)
    if record is not None and record.differences:
        lines.append("  differences: " + "; ".join(record.differences[:5]))
    return "\n".join(lines)


def copy_preview(
    rows: Sequence[DataRow], writers: Sequence[ComposeContainer], namespace: str
) -> tuple[list[str], list[Choice]]:
    """The preview before a copy, and the keys it offers."""
    lines = [f"Copy into namespace {namespace}:"]
    for row in rows:
        lines.append(f"  {row.volume} -> {row.claim} ({row.method}), {_target(row)}")
        if row.method == POSTGRES:
            lines.append("    pg_dump in Compose, pg_restore in the pod, compared table by table")
        elif row.stop_target:
            lines.append(
                "    its workload is scaled to 0 for the copy and back afterwards; the files "
                "its new server made in the claim are replaced"
            )
    lines.append(
        "The Compose volumes are only read. A target that holds data cutover did not put "
        "there is refused; o replaces it (files deleted, tables dropped)."
    )
    replace: Choice = ("o", "replace", "copy, replacing what the targets hold")
    if not writers:
        lines.append("Nothing that writes them runs in Compose.")
        return lines, [("y", "while", "copy"), replace, CANCEL]
    names = ", ".join(c.name for c in writers)
    lines += [
        f"Still running in Compose and writing them: {names}.",
        "Stopping them takes the Compose site's writes offline until the cutover ends; "
        "u on this step starts them again (the copy then goes stale).",
    ]
    return lines, [
        ("y", "stop", f"stop {len(writers)} container(s), then copy"),
        ("w", "while", "copy while they run (copy again after stopping them)"),
        ("o", "replace", "stop them, then copy, replacing what the targets hold"),
        CANCEL,
    ]


def start_preview(stopped: Sequence[ComposeContainer]) -> tuple[list[str], list[Choice]]:
    lines = [
        "Start again in Compose: " + ", ".join(c.name for c in stopped) + ".",
        "They write the volumes again, so a verified copy of those volumes goes stale and "
        "the gate blocks until it is copied again.",
    ]
    return lines, [("y", "start", f"start {len(stopped)} container(s)"), CANCEL]


def outcome_line(outcome: CopyOutcome) -> str:
    if outcome.result == "verified":
        return f"✔ {outcome.volume}: copied and verified ({outcome.message})"
    if outcome.result == "cancelled":
        return f"{outcome.volume}: cancelled; the next copy replaces what it left"
    return f"✖ {outcome.volume}: {outcome.result}: {outcome.message}"


def _target(row: DataRow) -> str:
    if row.pods:
        return f"in pod {row.pods[0]}"
    return "in a short-lived helper pod (no running pod mounts it)"


def _hhmm(iso: str) -> str:
    """'2026-12-03T17:02:11+00:00' -> '12-03 17:02' (UTC, as stored)."""
    date, _, time = iso.partition("T")
    return f"{date[5:]} {time[:5]}".strip()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"
