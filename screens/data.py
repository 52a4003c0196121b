"""The Data step: each Compose volume that moves, how, into which pod, and whether its copy is
verified; copies started, watched and cancelled from here.

Reading is one worker (`gather_data`: the plan, state.json's records, the Compose containers; no
exec). A copy is a second worker that outlives a re-read (`any_run`): it first stops the writers
the operator agreed to stop, then runs `copy_volumes`, whose progress reports arrive here as
`CopyProgress` messages and whose cancel is a threading.Event that `x` sets. When it ends the step
reads everything again, so what is shown is what state.json and the engine say, not what the
worker believed. Words and numbers come from screens.data_text (pure, tested without an App).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from screens.confirm import ChoiceScreen
from screens.data_text import (
    COLUMNS,
    STATE,
    copy_preview,
    ended_cell,
    outcome_line,
    progress_cell,
    row_cells,
    row_detail,
    start_preview,
    summary_text,
)
from screens.note_line import tell
from screens.preflight import FindingRow
from screens.step_body import StepBody, StepSummary
from screens.step_state import StepState
from screens.step_table import StepTable
from wizard.checks import Finding, worst
from wizard.config import CutoverConfig
from wizard.data.files import Progress
from wizard.data.plan import SKIP, DataRow
from wizard.data.report import DataReport, gather_data
from wizard.data.run import CopyOutcome, copy_volumes
from wizard.data.writers import start_writers, stop_writers, stopped_writers, writers_to_stop
from wizard.gateways import Gateways
from wizard.model import ComposeContainer
from wizard.steps import Step

PROGRESS_EVERY_S = 0.25  # at most this often per volume: the table need not repaint faster


@dataclass
class CopyProgress(Message):
    """A copy's progress, posted from the copy worker's thread."""

    volume: str
    progress: Progress


@dataclass
class CopyEnded(Message):
    """One volume's copy ended (the others of the run may still go on)."""

    outcome: CopyOutcome


@dataclass(frozen=True)
class CopyRun:
    """What one copy worker did: the writers it stopped and each volume's outcome."""

    stopped: tuple[str, ...]
    outcomes: tuple[CopyOutcome, ...]


class DataBody(StepBody):
    """Volume -> claim table with each copy's state, the selected volume's detail and fix."""

    CRASH = (
        "Reading the Data step stopped unexpectedly ({kind}).",
        "Press r to read it again; `cutover data` reads the same.",
    )
    # c, C, x, u are bound on the checklist screen from the key scheme (screens/keys.py) and
    # act here: check_action says when, the action_ methods what.

    def __init__(self, step: Step, config: CutoverConfig, gateways: Gateways) -> None:
        super().__init__(step, config, gateways)
        self.report: DataReport | None = None
        self.error: Finding | None = None
        self.copying: set[str] = set()  # volumes of the copy under way, until it ends
        self.progress: dict[str, Progress] = {}
        self.ended: dict[str, CopyOutcome] = {}  # volumes of the copy under way that are done
        self._cancel: threading.Event | None = None
        self._selected: str | None = None

    def compose(self) -> ComposeResult:
        yield StepSummary("… reading the plan and the copies", id="data-summary")
        # Each volume's row leads to its finding: PgDn/End walk them whatever has the focus.
        yield StepTable[str](id="data-table", classes="body-scroll step-findings")
        with VerticalScroll(id="data-detail", classes="step-findings"):
            # The selected volume's finding (verdict and fix) first, its plan (method, pod,
            # writers) after: at 80x24 the fix must show without PgDn (issue 15).
            yield VerticalScroll(id="data-finding")
            yield Static(id="data-detail-text", markup=False)
        yield Static(id="data-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#data-table", DataTable).add_columns(*COLUMNS)
        self.start()

    # --- reading --------------------------------------------------------------------------------

    def rerun(self) -> None:
        self.new_run()
        self.run_work(partial(gather_data, self.config, self.gateways), "read")
        if self.report is None:
            self.set_state(StepState.RUNNING)

    def work_done(self, part: str, value: Any) -> None:
        if part == "read":
            self.report, self.error = value, None
            self._show()
        elif part == "copy":
            self._copy_ended(value)
        elif part == "start":
            for line in value:
                tell(self, line)
            self.rerun()

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:

        if part == "read":
            self.report, self.error = None, finding
            self._show()
            return
        # A copy or a start that died: whatever it did is in state.json and the audit log.
        self.copying.clear()
        self.progress.clear()
        tell(self, f"{finding.message} {finding.fix}", "error")
        self.rerun()

    # --- what is shown --------------------------------------------------------------------------

    def _show(self) -> None:
        summary = self.query_one("#data-summary", StepSummary)
        table: DataTable[str] = self.query_one("#data-table", DataTable)
        box = self.query_one("#data-finding", VerticalScroll)
        if self.error is not None:
            summary.show(StepState.BLOCK, f"{StepState.BLOCK.glyph} Cannot read the Data step")
            table.display = False
            box.remove_children()
            box.mount(FindingRow(self.error))
            self.query_one("#data-detail-text", Static).update("")
            self._show_keys()
            self.set_state(StepState.BLOCK)
            return
        report = self.report
        if report is None:
            return
        table.display = bool(report.rows)
        state = StepState.from_severity(worst(report.findings))
        if self.copying:
            summary.show(StepState.RUNNING, summary_text(report, self.copying, self.progress))
        else:
            summary.show(state, f"{state.glyph} {summary_text(report)}")
        self._fill_table(table, report)
        self._show_selected()
        self._show_keys()
        self.set_state(StepState.RUNNING if self.copying else state)

    def _fill_table(self, table: DataTable[str], report: DataReport) -> None:
        keys = [row.volume for row in report.rows]
        if [str(k.value) for k in table.rows] != keys:
            table.clear()
            for row in report.rows:
                table.add_row(*self._cells(row), key=row.volume)
            if self._selected in keys:
                table.move_cursor(row=keys.index(self._selected), animate=False)
            return
        for row in report.rows:
            for column, value in zip(table.columns, self._cells(row), strict=True):
                if table.get_cell(row.volume, column) != value:
                    table.update_cell(row.volume, column, value)

    def _cells(self, row: DataRow) -> tuple[str, ...]:
        assert self.report is not None
        cells = row_cells(row, self.report)
        state = cells[STATE]
        if row.volume in self.ended:
            state = ended_cell(self.ended[row.volume])
        elif row.volume in self.progress:
            state = progress_cell(self.progress[row.volume])
        elif row.volume in self.copying:
            state = "… waiting to copy"
        return (*cells[:STATE], state, *cells[STATE + 1 :])

    def _show_selected(self) -> None:
        row = self._selected_row()
        text = self.query_one("#data-detail-text", Static)
        box = self.query_one("#data-finding", VerticalScroll)
        box.remove_children()
        if row is None or self.report is None:
            text.update("No Compose volume has a claim to move into yet (the Volumes step).")
            return
        text.update(row_detail(row, self.report))
        box.mount(FindingRow(self.report.finding(row.volume)))

    def _show_keys(self) -> None:
        # The footer lists the keys; this line says what read-only leaves out.
        keys = self.query_one("#data-keys", Static)
        keys.display = self.config.read_only
        keys.update("Read-only: the plan and each copy's state; nothing is copied or stopped.")
        self.refresh_bindings()

    def _selected_row(self) -> DataRow | None:
        if self.report is None or not self.report.rows:
            return None
        by_volume = {row.volume: row for row in self.report.rows}
        return by_volume.get(self._selected or "") or self.report.rows[0]

    @on(DataTable.RowHighlighted, "#data-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._selected = str(event.row_key.value)
        self._show_selected()

    # --- keys -------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        writes = ("copy_selected", "copy_all", "start_writers")
        if action in writes:
            # Hidden in read-only mode and while a copy runs; the gateways refuse anyway.
            if self.config.read_only or self.copying or self.report is None:
                return False
            # Nor where they would only say there is nothing to do (issue 15: a key in the
            # footer acts).
            if action == "copy_all":
                return bool(self._due())
            if action == "start_writers":
                return bool(stopped_writers(self.report.rows, self.report.containers))
            return True
        if action == "cancel_copy":
            return bool(self.copying)
        return True

    def action_copy_selected(self) -> None:
        row = self._selected_row()
        if row is not None:
            self._offer_copy([row])

    def action_copy_all(self) -> None:
        due = self._due()
        if not due:
            tell(self, "Every volume is verified or skipped: nothing to copy.")
            return
        self._offer_copy(due)

    def _due(self) -> list[DataRow]:
        """The volumes C copies: every one neither skipped nor verified."""
        report = self.report
        if report is None:
            return []
        return [r for r in report.rows if r.method != SKIP and report.state(r.volume) != "verified"]

    def _offer_copy(self, rows: list[DataRow]) -> None:
        assert self.report is not None
        if all(row.method == SKIP for row in rows):
            tell(
                self,
                f"{rows[0].volume} is skipped on purpose ({rows[0].why}); the gate asks for its "
                "acknowledgement. To copy it, set its method in cutover.yaml.",
            )
            return
        rows = [row for row in rows if row.method != SKIP]
        writers = writers_to_stop(rows, self.report.containers)
        namespace = self.gateways.cluster().identity.namespace
        lines, choices = copy_preview(rows, writers, namespace)
        self.app.push_screen(
            ChoiceScreen(lines, choices), partial(self._copy_chosen, rows, writers)
        )

    def _copy_chosen(
        self, rows: list[DataRow], writers: list[ComposeContainer], choice: str | None
    ) -> None:
        if choice not in ("stop", "while", "replace"):
            return
        stop = [] if choice == "while" else writers
        cancel = threading.Event()
        self._cancel = cancel
        self.copying = {row.volume for row in rows}
        self.progress.clear()
        self.ended.clear()
        volumes = [row.volume for row in rows]
        self.run_work(
            partial(self._copy, volumes, stop, choice == "while", choice == "replace", cancel),
            "copy",
            group="data-copy",
            any_run=True,
        )
        self._show()

    def _copy(
        self,
        volumes: list[str],
        stop: list[ComposeContainer],
        while_running: bool,
        replace: bool,
        cancel: threading.Event,
    ) -> CopyRun:
        # In the worker's thread: no widget is touched here, progress goes out as messages.
        stopped = stop_writers(self.config, self.gateways, stop)
        failed = [change.message for change in stopped if not change.done]
        if failed:
            refused = tuple(CopyOutcome(v, "", "refused", "; ".join(failed)) for v in volumes)
            return CopyRun(tuple(c.container for c in stopped if c.done), refused)
        last: dict[str, float] = {}

        def report(volume: str, progress: Progress) -> None:
            now = time.monotonic()
            if progress.done < progress.total and now - last.get(volume, -1e9) < PROGRESS_EVERY_S:
                return
            last[volume] = now
            self.post_message(CopyProgress(volume, progress))

        def ended(outcome: CopyOutcome) -> None:
            self.post_message(CopyEnded(outcome))

        outcomes = copy_volumes(
            self.config,
            self.gateways,
            volumes,
            replace=replace,
            while_running=while_running,
            on_progress=report,
            cancel=cancel,
            on_outcome=ended,
        )
        return CopyRun(tuple(c.container for c in stopped), tuple(outcomes))

    @on(CopyProgress)
    def _copy_progress(self, message: CopyProgress) -> None:
        message.stop()
        if message.volume in self.copying:
            self.progress[message.volume] = message.progress
            self._show()

    @on(CopyEnded)
    def _one_copy_ended(self, message: CopyEnded) -> None:
        message.stop()
        self.ended[message.outcome.volume] = message.outcome
        self.progress.pop(message.outcome.volume, None)
        self._show()

    def _copy_ended(self, run: CopyRun) -> None:
        self.ended.clear()
        self.copying.clear()
        self.progress.clear()
        self._cancel = None
        # One note for the whole run (the note line, under the summary: it covers nothing).
        lines = [f"Stopped in Compose: {', '.join(run.stopped)}"] if run.stopped else []
        lines += [outcome_line(outcome) for outcome in run.outcomes]
        verified = all(outcome.result == "verified" for outcome in run.outcomes)
        if lines:
            tell(self, "\n".join(lines), "information" if verified else "warning")
        self.rerun()

    def action_cancel_copy(self) -> None:
        if self._cancel is not None and not self._cancel.is_set():
            self._cancel.set()
            tell(self, "Cancelling: the copy stops after the current chunk.")

    def action_start_writers(self) -> None:
        if self.report is None:
            return
        stopped = stopped_writers(self.report.rows, self.report.containers)
        if not stopped:
            tell(self, "Every writer of these volumes runs in Compose already.")
            return
        lines, choices = start_preview(stopped)
        self.app.push_screen(ChoiceScreen(lines, choices), partial(self._start_chosen, stopped))

    def _start_chosen(self, stopped: list[ComposeContainer], choice: str | None) -> None:
        if choice != "start":
            return

        def start() -> list[str]:
            return [c.message for c in start_writers(self.config, self.gateways, stopped)]

        self.run_work(start, "start", group="data-start", any_run=True)
