"""The Gate step: every check again, now; what `down` removes and keeps; then Compose down.

Read-only is decided at construction (`gate_body`): `GateView` (screens.gate_view) shows the
verdict and the down preview and has no acknowledge button, no entry field and no down at all;
`GateBody` here adds them. Their words are in screens.gate_text.
The verdict is evaluated afresh in a thread worker on mount and on `r`, and once more right
before down (what was green a minute ago may not be now). Down runs in its own worker group
(DOWN_GROUP) so the App can ask before quitting in the middle of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from screens.gate_text import progress_line, result_lines
from screens.gate_view import AckButton, Evaluated, GateSeams, GateView, WarningRow
from screens.mutations import DOWN_GROUP
from screens.note_line import tell
from screens.step_body import StepBody, StepSummary
from screens.step_state import StepState
from wizard.checks import Finding
from wizard.compose import load_project
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gate import (
    DownProgress,
    DownResult,
    acknowledge,
    combine,
    confirms,
    save_acknowledgements,
    take_down,
)
from wizard.gateways import Gateways
from wizard.model import ClusterIdentity
from wizard.state.audit import AuditLog, audit_log_for
from wizard.steps import Step

__all__ = ["GateBody", "GateSeams", "GateView", "WarningRow", "gate_body"]


class Interrupted(CutoverError):
    """The operator quit while down ran: it stopped between two containers."""


@dataclass
class DownStepped(Message):
    progress: DownProgress


class GateBody(GateView):
    """GateView plus the acknowledge buttons, the name to type, and down."""

    can_acknowledge: ClassVar[bool] = True

    # a, d and esc are bound on the checklist screen from the key scheme (screens/keys.py) and
    # act here: check_action says when, the action_ methods what.

    def __init__(
        self,
        step: Step,
        config: CutoverConfig,
        gateways: Gateways,
        seams: GateSeams | None = None,
    ) -> None:
        super().__init__(step, config, gateways, seams)
        self.audit: AuditLog = audit_log_for(config.project_dir, config.demo)
        self.result: DownResult | None = None
        self._progress: dict[str, str] = {}  # step key -> its line
        self._down_running = False

    def compose_down(self) -> ComposeResult:
        with Vertical(id="gate-down"):
            yield Static("Down", id="gate-progress-title", classes="section-title")
            yield Static(id="gate-progress", markup=False)
            yield Static(id="gate-result", markup=False)

    def compose_confirm(self) -> ComposeResult:
        with Horizontal(id="gate-confirm-row"):
            yield Static(
                f"Type {self.config.project_name} to take it down:",
                id="gate-confirm-label",
                markup=False,
            )
            field = Input(placeholder="disabled", id="gate-confirm", disabled=True, compact=True)
            field.cursor_blink = False  # a focused field left alone writes nothing
            yield field
        yield Static(id="gate-confirm-note", markup=False)

    def _set_progress(self, text: str) -> None:
        progress = self.query_one("#gate-progress", Static)
        progress.update(text)
        progress.display = bool(text)

    @property
    def ready(self) -> bool:
        return self.verdict is not None and self.verdict.ready

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """a and d only when there is a warning to acknowledge / a name to type."""
        if action == "next_warning":
            return not self._down_running and bool(self._ack_buttons())
        field = self.query_one("#gate-confirm", Input)
        if action == "focus_confirm":
            return not self._down_running and not field.disabled and not field.has_focus
        if action == "leave":
            return field.has_focus  # the field takes every letter: esc gives them back
        return True

    def action_next_warning(self) -> None:
        """Focus the next warning's Acknowledge button (Enter then acknowledges it)."""
        buttons = self._ack_buttons()
        if not buttons:
            return
        focused = self.app.focused
        index = buttons.index(focused) + 1 if focused in buttons else 0
        button = buttons[index % len(buttons)]
        button.focus()
        # The whole warning, not only its button: it is what is being accepted.
        row = next(a for a in button.ancestors if isinstance(a, WarningRow))
        self.call_after_refresh(row.scroll_visible, animate=False)

    def action_focus_confirm(self) -> None:
        self.query_one("#gate-confirm", Input).focus()

    def action_leave(self) -> None:
        self.query_one("#gate-scroll").focus()

    def show_confirm(self) -> None:
        self.refresh_bindings()  # a and d follow the verdict and down
        field = self.query_one("#gate-confirm", Input)
        note = self.query_one("#gate-confirm-note", Static)
        if self._down_running:
            field.disabled = True
            note.update("… down is running; q asks before quitting")
            return
        if self.result is not None and self.result.ok:
            field.disabled = True
            field.placeholder = "done"
            note.update("Done: Compose is down. Press r to evaluate the gate again.")
            return
        field.disabled = not self.ready
        if not self.ready:
            field.placeholder = "disabled"
            verdict = self.verdict
            when = f"checked {verdict.evaluated_at[11:19]} UTC" if verdict else "checking"
            if verdict is not None and not verdict.blockers:
                left = len(verdict.unacknowledged)
                note.update(
                    f"Down is disabled until the {left} warning(s) above are acknowledged "
                    f"(a moves to the next one, Enter acknowledges it; {when})."
                )
            else:
                note.update(f"Down is disabled while anything blocks ({when}; r checks again).")
            return
        field.placeholder = "the project's name"
        if self.result is not None:
            note.update("Type the name again and press Enter to resume down where it stopped.")
        else:
            when = self.verdict.evaluated_at[11:19] if self.verdict else "?"
            note.update(f"Ready ({when} UTC). Enter takes it down; only the exact name does.")

    # --- acknowledgements ---------------------------------------------------------------------

    @on(Button.Pressed, ".ack-button")
    def _acknowledge(self, event: Button.Pressed) -> None:
        event.stop()
        row = next(a for a in event.button.ancestors if isinstance(a, WarningRow))
        verdict = self.verdict
        if verdict is None:
            return
        ack = acknowledge(row.item.finding, who=self.seams.who(), when=self.seams.clock())
        acks = [*self.acks, ack]
        try:
            save_acknowledgements(self.state, acks)
        except (CutoverError, OSError) as exc:
            tell(self, f"The acknowledgement was not recorded: {exc}", "error")
            return
        self.acks = acks
        self.verdict = replace(combine(verdict.steps, acks), evaluated_at=verdict.evaluated_at)
        row.acknowledgement = ack
        self._show_summary()
        self.call_after_refresh(self._focus_next_ack)

    def _focus_next_ack(self) -> None:
        buttons = self._ack_buttons()
        if buttons:
            buttons[0].focus()
        elif self.ready:
            self.query_one("#gate-confirm", Input).focus()
        self.refresh_bindings()  # a: one warning fewer to walk

    def _ack_buttons(self) -> list[AckButton]:
        """The buttons of warnings not acknowledged yet (an acknowledged row's button may still
        be there until the row has recomposed)."""
        open_rows = [row for row in self.query(WarningRow) if row.acknowledgement is None]
        return [button for row in open_rows for button in row.query(AckButton)]

    # --- down ---------------------------------------------------------------------------------

    @on(Input.Submitted, "#gate-confirm")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value
        if not self.ready or self._down_running:
            return
        if not confirms(typed, self.config.project_name):
            shown = typed.strip() or "(nothing)"
            self.query_one("#gate-confirm-note", Static).update(
                f"✖ {shown} is not the project's name: nothing was done. "
                f"Type {self.config.project_name} exactly."
            )
            return
        event.input.value = ""
        self._down_running = True
        self._progress.clear()
        self.add_class("-down")
        self._set_progress("… evaluating the gate once more")
        self.query_one("#gate-result", Static).update("")
        self.show_confirm()
        self._announce(StepState.RUNNING)
        # Its outcome is shown whatever happens meanwhile: down changed the world.
        self.run_work(partial(self._take_down, typed), "down", group=DOWN_GROUP, any_run=True)

    def _take_down(self, typed: str) -> Evaluated | DownResult:
        """In the down worker's thread: the gate once more, then down (or why not)."""
        worker = get_current_worker()
        fresh = self._fresh()
        if not fresh.verdict.ready:
            note = "The gate closed since it was last evaluated: nothing was taken down."
            return replace(fresh, note=note)
        project = load_project(self.config)

        def progress(event: DownProgress) -> None:
            if event.outcome == "started" and worker.is_cancelled:
                raise Interrupted(
                    "The operator quit while down was running.",
                    fix="Run the wizard again and take it down: it picks up where it stopped.",
                )
            self.post_message(DownStepped(event))

        result = take_down(
            self.gateways.compose_host(),
            project,
            verdict=fresh.verdict,
            typed=typed,
            state=self.state,
            on_progress=progress,
            audit=self.audit,
            identity=self._identity(),
        )
        return result

    def _identity(self) -> ClusterIdentity | None:
        """For the audit and state records; the cluster not answering must not stop down."""
        try:
            return self.gateways.cluster().identity
        except CutoverError:
            return None

    def rerun(self) -> None:
        if self._down_running:
            tell(self, "Down is running: the gate is evaluated again once it is over.")
            return
        super().rerun()

    def evaluated(self, message: Evaluated) -> None:
        # A down refused by a fresh verdict is over; after a finished down, a fresh start.
        self._down_running = False
        if message.note or (self.result is not None and self.result.ok):
            self.result = None
            self.remove_class("-down", "-done")
            self._set_progress("")
            self.query_one("#gate-result", Static).update("")

    @on(DownStepped)
    def _stepped(self, message: DownStepped) -> None:
        message.stop()
        event = message.progress
        self._progress[event.step.key] = progress_line(event)
        self._set_progress("\n".join(self._progress.values()))

    def work_done(self, part: str, value: Any) -> None:
        if part == "down" and isinstance(value, DownResult):
            self._finished(value)
        else:  # an evaluation, or down refused by a fresh one
            super().work_done(part, value)

    def _finished(self, result: DownResult) -> None:
        self._down_running = False
        self.result = result
        # The record below lists every step done and not done: the progress lines are in it.
        self._set_progress("")
        self.set_class(result.ok, "-done")
        self.query_one("#gate-result", Static).update(
            "\n".join(result_lines(result, self.seams.rollback_for(self.config).steps, self.audit))
        )
        state = StepState.OK if result.ok else StepState.BLOCK
        if result.ok:
            text = f"{state.glyph} {result.project} is down; every named volume is kept."
        else:
            text = f"{state.glyph} Down stopped midway: see what was and was not done."
        self.query_one("#gate-summary", StepSummary).show(state, text)
        self._announce(state)
        self.show_confirm()
        if result.ok:
            self.query_one("#gate-scroll", VerticalScroll).scroll_home(animate=False)
        else:
            down = self.query_one("#gate-down")
            self.call_after_refresh(lambda: down.scroll_visible(top=True, animate=False))
            self.query_one("#gate-confirm", Input).focus()

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        if part != "down":
            super().work_failed(part, finding, error)
            return
        self._down_running = False
        if isinstance(error, CutoverError):
            lines = [f"✖ Nothing was taken down: {error.message}"]
            lines += [f"Fix: {error.fix}"] if error.fix else []
        else:
            lines = [
                f"✖ Down stopped unexpectedly ({type(error).__name__}). "
                "Press r to read the engine again; .cutover/state.json says what was done."
            ]
        self._set_progress("\n".join(lines))
        self._announce(StepState.BLOCK)
        self.show_confirm()


def gate_body(
    step: Step, config: CutoverConfig, gateways: Gateways, seams: GateSeams | None = None
) -> StepBody:
    """The body for `config`: with no acknowledge, entry or down at all in read-only mode."""
    if config.read_only:
        return GateView(step, config, gateways, seams)
    return GateBody(step, config, gateways, seams)
