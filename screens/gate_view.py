"""The Gate step as everyone may see it: the verdict of every check, now, and the down preview.

`GateView` is the whole body in read-only mode (no acknowledge button, no entry field, no down);
`screens.gate.GateBody` adds them. The verdict is evaluated afresh in a worker every time the step
is shown and on `r`; an evaluation that a newer one overtook is dropped (StepBody's run number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Button, Static

from screens.gate_text import preview_lines, when_shown
from screens.note_line import tell
from screens.preflight import FindingRow
from screens.step_body import StepBody, StepSummary
from screens.step_state import StepState
from wizard.checks import Finding
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gate import (
    Acknowledgement,
    DownPreview,
    GateItem,
    GateVerdict,
    Rollback,
    evaluate_gate,
    load_acknowledgements,
    preview_down,
    rollback,
)
from wizard.gateways import Gateways
from wizard.state.audit import os_user
from wizard.state.store import StateFile, state_file_for
from wizard.steps import Step


@dataclass(frozen=True)
class Evaluated:
    """A fresh verdict, the acknowledgements on record, and the preview (or why there is none)."""

    verdict: GateVerdict
    acknowledgements: list[Acknowledgement]
    preview: DownPreview | None
    preview_error: CutoverError | None
    note: str = ""  # e.g. "the gate closed since": said when down was refused by it


class AckButton(Button):
    """Acknowledge one warning; the footer names what Enter does here."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "press", "Acknowledge")]


class WarningRow(Vertical):
    """One warning, its fix, and who acknowledged it when (or the button that does)."""

    acknowledgement: reactive[Acknowledgement | None] = reactive(None, recompose=True)

    def __init__(self, index: int, item: GateItem, can_acknowledge: bool) -> None:
        super().__init__(id=f"warning-{index}", classes="gate-warning")
        self.index = index
        self.item = item
        self.can_acknowledge = can_acknowledge

    def compose(self) -> ComposeResult:
        yield FindingRow(_titled(self.item))
        ack = self.acknowledgement
        if ack is not None:
            yield Static(
                f"✔ acknowledged by {ack.who} at {when_shown(ack)}",
                classes="ack-done",
                markup=False,
            )
        elif self.can_acknowledge:
            with Horizontal(classes="ack-line"):
                yield AckButton(
                    "Acknowledge", id=f"ack-{self.index}", classes="ack-button", compact=True
                )
                yield Static("I read it and accept it", classes="ack-hint", markup=False)
        else:
            yield Static(
                "not acknowledged (read-only mode cannot record it)",
                classes="ack-missing",
                markup=False,
            )


def _titled(item: GateItem) -> Finding:
    return replace(item.finding, message=f"{item.step_title}: {item.finding.message}")


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class GateSeams:
    """What the gate takes from the world besides its gateways; tests hand in their own (a
    verdict of their making, a fixed clock and user for stable snapshots)."""

    evaluate: Callable[[CutoverConfig, Gateways, list[Acknowledgement]], GateVerdict] = (
        evaluate_gate
    )
    clock: Callable[[], datetime] = now_utc  # when an acknowledgement is made
    who: Callable[[], str] = os_user  # who makes it
    rollback_for: Callable[[CutoverConfig], Rollback] = rollback  # what down's result offers


class GateView(StepBody):
    """The verdict and the down preview; acts on nothing (read-only mode)."""

    CRASH = ("stopped unexpectedly ({kind})", "")

    def __init__(
        self,
        step: Step,
        config: CutoverConfig,
        gateways: Gateways,
        seams: GateSeams | None = None,
    ) -> None:
        super().__init__(step, config, gateways)
        self.seams = seams or GateSeams()
        self.add_class("gate")
        # One state file for the screen's life (the demo's is in the user's state folder).
        self.state: StateFile = state_file_for(config)
        self.verdict: GateVerdict | None = None
        self.preview: DownPreview | None = None
        self.acks: list[Acknowledgement] = []

    can_acknowledge: ClassVar[bool] = False

    def compose(self) -> ComposeResult:
        yield StepSummary("… evaluating every check, now", id="gate-summary")
        with VerticalScroll(id="gate-scroll", classes="body-scroll"):
            with Vertical(id="gate-checks"):
                yield Static("Blockers", id="gate-blockers-title", classes="section-title")
                yield Vertical(id="gate-blockers")
                yield Static("Warnings", id="gate-warnings-title", classes="section-title")
                yield Vertical(id="gate-warnings")
                yield Static("What down removes and keeps", classes="section-title")
                yield Static("… reading the Docker Engine", id="gate-preview", markup=False)
            yield from self.compose_down()
        yield from self.compose_confirm()

    def compose_down(self) -> ComposeResult:
        yield from ()

    def compose_confirm(self) -> ComposeResult:
        yield Static(
            "Read-only mode: this screen only shows the verdict. Taking Compose down needs "
            "the wizard without --read-only.",
            id="gate-confirm-note",
            markup=False,
        )

    def on_mount(self) -> None:
        self._announce(StepState.NOT_RUN)

    def on_show(self) -> None:
        # Every time the operator opens the gate: a verdict from before is not a verdict now.
        self.rerun()

    def rerun(self) -> None:
        self.new_run()  # an evaluation still out is stale from here: its verdict is dropped
        self.verdict = None
        self.query_one("#gate-summary", StepSummary).show(None, "… evaluating every check, now")
        self._announce(StepState.RUNNING)
        self.run_work(self._fresh, "evaluate")

    def work_done(self, part: str, value: Any) -> None:
        self.call_next(self._evaluated, value)

    def _fresh(self, note: str = "") -> Evaluated:
        """Blocking: the acknowledgements on record, every check, the engine's view of down."""
        acks = load_acknowledgements(self.state)
        verdict = self.seams.evaluate(self.config, self.gateways, acks)
        try:
            preview = preview_down(self.gateways.compose_host(), self.config.project_name)
        except CutoverError as exc:
            return Evaluated(verdict, acks, None, exc, note)
        return Evaluated(verdict, acks, preview, None, note)

    async def _evaluated(self, message: Evaluated) -> None:
        if not self.is_attached:  # removed since the verdict was accepted (call_next)
            return
        self.acks = message.acknowledgements
        self.verdict = message.verdict
        self.preview = message.preview
        self.evaluated(message)
        await self._show_verdict()
        if not self.is_attached:
            return
        self._show_preview(message.preview, message.preview_error)
        if message.note:
            tell(self, message.note, "warning")

    def evaluated(self, message: Evaluated) -> None:
        """A fresh verdict came in (GateBody resets its down view here)."""

    async def _show_verdict(self) -> None:
        verdict = self.verdict
        if verdict is None:
            return
        blockers = self.query_one("#gate-blockers", Vertical)
        warnings = self.query_one("#gate-warnings", Vertical)
        await blockers.remove_children()
        await blockers.mount_all([FindingRow(_titled(i)) for i in verdict.blockers])
        await warnings.remove_children()
        rows = []
        for index, item in enumerate(verdict.warnings):
            row = WarningRow(index, item, self.can_acknowledge)
            row.set_reactive(WarningRow.acknowledgement, self._ack_of(item))
            rows.append(row)
        await warnings.mount_all(rows)
        if not self.is_attached:  # removed while the rows were mounted
            return
        self.query_one("#gate-blockers-title", Static).update(
            f"Blockers ({len(verdict.blockers)}): fix each, then press r"
            if verdict.blockers
            else "Blockers: none"
        )
        self.query_one("#gate-warnings-title", Static).update(
            f"Warnings ({len(verdict.warnings)}): each needs an acknowledgement"
            if verdict.warnings
            else "Warnings: none"
        )
        self._show_summary()

    def _ack_of(self, item: GateItem) -> Acknowledgement | None:
        verdict = self.verdict
        found = [a for a in (verdict.acknowledgements if verdict else ()) if a.covers(item.finding)]
        return found[-1] if found else None

    def _show_summary(self) -> None:
        verdict = self.verdict
        if verdict is None:
            return
        if verdict.ready:
            state = StepState.OK
        else:
            state = StepState.BLOCK if verdict.blockers else StepState.WARN
        self.query_one("#gate-summary", StepSummary).show(
            state, f"{state.glyph} {verdict.summary()}"
        )
        self._announce(state)
        self.show_confirm()

    def show_confirm(self) -> None:
        """Whether down may be asked for (GateBody); the view has nothing to enable."""

    def _announce(self, state: StepState) -> None:
        self.set_state(state)

    def _show_preview(self, preview: DownPreview | None, error: CutoverError | None) -> None:
        text = self.query_one("#gate-preview", Static)
        if preview is None:
            reason = error.message if error is not None else "unknown"
            fix = f"\nFix: {error.fix}" if error is not None and error.fix else ""
            text.update(f"✖ Cannot read what down would do: {reason}{fix}")
            return
        text.update("\n".join(preview_lines(preview)))

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        self.query_one("#gate-summary", StepSummary).show(
            StepState.BLOCK,
            f"{StepState.BLOCK.glyph} The gate could not be evaluated: {finding.message}",
        )
        blockers = self.query_one("#gate-blockers", Vertical)
        blockers.remove_children()
        blockers.mount(FindingRow(replace(finding, check="gate.error")))
        self._announce(StepState.BLOCK)
        self.show_confirm()
