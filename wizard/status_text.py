"""The text of `cutover status`, for a person at a terminal: often SSH to a bastion at 80x24.

The verdict and its totals come first, on one line, then what to do first; then each step with
its problems (its ok and info rows too with --all), each problem on one line cut to the width,
or with --long each message and its fix in full, wrapped. The gate's section points to the steps
whose problems keep it closed instead of repeating them. Nothing here is wider than `width`.
"""

from __future__ import annotations

import textwrap
from typing import TextIO

from wizard.checks import Severity
from wizard.gate.verdict import GATE_STEP
from wizard.state.down_record import down_said
from wizard.status_report import (
    EXIT_READY,
    EXIT_UNKNOWN,
    VERDICTS,
    Row,
    StatusReport,
    is_blocker,
    is_warning,
)
from wizard.steps import StepStatus

# A word per severity, aligned, so the output reads the same with or without colour.
MARKS = {
    Severity.OK: "ok   ",
    Severity.INFO: "info ",
    Severity.WARN: "WARN ",
    Severity.BLOCK: "BLOCK",
}
MIN_WIDTH = 40
INDENT = "  "
HANG = " " * 8  # under the text that follows a mark: "  BLOCK "
ACKNOWLEDGED_MARK = "ack  "
# Preflight's finding of a project with no container (wizard.preflight): after cutover's own
# down, the down lines say the same with the rollback, so its fix is not repeated above them.
DOWN_EMPTIED_CHECK = "docker.project"


class Glyphs:
    """The dash and the ellipsis, or plain ASCII where the output's encoding has neither (a
    bastion with a Latin-1 locale must not get a UnicodeEncodeError instead of a status)."""

    def __init__(self, encoding: str | None) -> None:
        try:
            "—…".encode(encoding or "utf-8")
            self.dash, self.more = "—", "…"
        except (UnicodeEncodeError, LookupError):
            self.dash, self.more = "-", "..."


def clip(text: str, width: int, more: str = "…") -> str:
    """`text` on one line of at most `width` characters, cut with `more` when longer."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: max(width - len(more), 0)].rstrip() + more


def wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,  # kubectl commands and resource names stay whole
    ) or [first.rstrip()]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def when(ack_time: str) -> str:
    """An acknowledgement's ISO time as a person reads it: 2026-12-03 21:40 UTC."""
    return ack_time[:16].replace("T", " ") + " UTC" if len(ack_time) >= 16 else ack_time


def verdict_line(report: StatusReport, width: int, glyphs: Glyphs) -> str:
    """BLOCKED/READY/UNKNOWN, the totals, and the problem to read first: one line."""
    rows = report.all_rows()
    code = report.exit_code()
    blockers = sum(is_blocker(r.finding) for r in rows)
    warnings = [r for r in rows if is_warning(r.finding)]
    open_warnings = [w for w in warnings if w.acknowledged is None]
    acked = len(warnings) - len(open_warnings)
    counted = f"{plural(blockers, 'blocker')}, {plural(len(warnings), 'warning')}"
    if acked:
        counted += f" ({acked} acknowledged)"
    head = VERDICTS[code].upper()
    if code == EXIT_UNKNOWN:
        unknown = sum(s.state == "unknown" for s in report.steps)
        said = f"could not check {unknown} of {plural(len(report.steps), 'step')}; {counted}"
    elif code == EXIT_READY and open_warnings:
        said = f"no blockers, {plural(len(open_warnings), 'warning')} to acknowledge at the gate"
    elif code == EXIT_READY:
        said = "nothing blocks" + (", every warning acknowledged" if warnings else "")
        said += ": the gate can open"
    else:
        said = counted
    first = report.first()
    line = f"{head} {glyphs.dash} {said}"
    if first is not None and code == EXIT_UNKNOWN:
        line += f"; first, {first.step.title}:"  # its message follows in full
    elif first is not None:
        line += f"; first: {first.step.title}: {first.finding.message}"
    return clip(line, width, glyphs.more)


def first_lines(report: StatusReport, width: int, long: bool, glyphs: Glyphs) -> list[str]:
    """Under the verdict: the fix of the problem it names first (at most two lines unless
    --long). When the verdict is unknown, its message in full before that: why it could not
    find out (an unreachable server) is the one thing to read, and it ends a long message."""
    first = report.first()
    if first is None:
        return []
    lines = []
    if report.exit_code() == EXIT_UNKNOWN:
        lines += wrap(first.finding.message, width, INDENT, INDENT)
    if first.finding.fix:
        fix = wrap(f"fix: {first.finding.fix}", width, INDENT, INDENT)
        if not long and len(fix) > 2:
            fix = [fix[0], INDENT + clip(" ".join(fix[1:]), width - len(INDENT), glyphs.more)]
        lines += fix
    return lines


def down_lines(report: StatusReport, width: int, glyphs: Glyphs) -> list[str]:
    """After cutover's down of the project (finished or cut short), what says so, under the
    verdict: every check since reads a world without Compose (issue 15, item 7)."""
    down = report.down
    if down is None or not down_said(down):
        return []
    if not down.finished_ok:
        return wrap(down_said(down), width, "", INDENT)
    by = f" by {down.by}" if down.by else ""
    head = f"DOWN RAN {glyphs.dash} {down.project} taken down {down.when}{by}; volumes kept"
    back = f"roll back: {report.rollback}"
    if report.demo_fresh:
        back += f" (the demo's: {report.demo_fresh})"
    return [clip(head, width, glyphs.more), *wrap(back, width, INDENT, INDENT)]


def row_lines(row: Row, width: int, long: bool, glyphs: Glyphs) -> list[str]:
    finding = row.finding
    mark = ACKNOWLEDGED_MARK if row.acknowledged else MARKS[finding.severity]
    prefix = f"{INDENT}{mark} "
    # Mapping rows are named `<service>/<field>`: the name says which service the line is about.
    text = f"{finding.check}: {finding.message}" if "/" in finding.check else finding.message
    ack = row.acknowledged
    if not long:
        suffix = f" (acknowledged by {ack.who})" if ack else ""
        return [prefix + clip(text, width - len(prefix) - len(suffix), glyphs.more) + suffix]
    lines = wrap(text, width, prefix, HANG)
    if finding.fix and (finding.severity.is_problem or finding.inconclusive):
        lines += wrap(f"fix: {finding.fix}", width, HANG, HANG)
    if ack:
        lines += wrap(f"acknowledged by {ack.who} at {when(ack.when)}", width, HANG, HANG)
    return lines


def pointer_lines(report: StatusReport, width: int) -> list[str]:
    """The gate's section: which steps keep it closed (their problems are on their own lines),
    instead of a copy of each problem: `closed: see step 2, Secrets; 3, Volumes`."""
    where = [f"{n}, {step.title}" for n, step in report.closing_steps()]
    if not where:
        return []
    return wrap(f"closed: see step {'; '.join(where)}", width, INDENT, INDENT)


def counted(rows: list[Row]) -> str:
    """`5 blockers, 3 warnings`: a step's problems, each counted once."""
    blockers = sum(is_blocker(r.finding) for r in rows)
    warnings = sum(is_warning(r.finding) for r in rows)
    return ", ".join(
        plural(n, word) for n, word in ((blockers, "blocker"), (warnings, "warning")) if n
    )


def step_lines(
    report: StatusReport, step: StepStatus, width: int, every_row: bool, long: bool, glyphs: Glyphs
) -> list[str]:
    number = report.steps.index(step) + 1
    note = f" ({step.note})" if step.note else ""
    rows = report.rows(step)
    problems = counted(rows) if step.id != GATE_STEP else ""
    said = f" {glyphs.dash} {problems}" if problems else ""
    lines = [clip(f"{number}. {step.title}: {step.state}{note}{said}", width, glyphs.more)]
    for row in rows:
        if every_row or row.is_problem:
            lines += row_lines(row, width, long, glyphs)
    if step.id == GATE_STEP:
        lines += pointer_lines(report, width)
    return lines


def footer_lines(report: StatusReport, width: int, every_row: bool, long: bool) -> list[str]:
    """The project, and how to see more: one line at 80 columns."""
    mode = [m for m, on in (("demo", report.demo), ("read-only", report.read_only)) if on]
    said = f"Project {report.project}" + (f" ({', '.join(mode)})" if mode else "")
    more = [
        hint
        for hint, shown in (
            ("--long (fixes)", long),
            ("--all (ok rows)", every_row),
            ("--json", False),
        )
        if not shown
    ]
    return wrap(f"{said}; more with {', '.join(more)}", width, "", "")


def write_text(
    report: StatusReport,
    out: TextIO,
    width: int = 100,
    every_row: bool = False,
    long: bool = False,
) -> None:
    width = max(width, MIN_WIDTH)
    glyphs = Glyphs(getattr(out, "encoding", None))
    lines = [verdict_line(report, width, glyphs)]
    down = down_lines(report, width, glyphs)
    first = report.first()
    if not (down and first is not None and first.finding.check == DOWN_EMPTIED_CHECK):
        lines += first_lines(report, width, long, glyphs)  # else the down lines say it all
    lines += down
    for step in report.steps:
        lines += step_lines(report, step, width, every_row, long, glyphs)
    lines += footer_lines(report, width, every_row, long)
    out.write("\n".join(lines) + "\n")
