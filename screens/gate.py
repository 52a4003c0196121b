"""The Gate step: every check again, now; what `down` removes and keeps; then Compose down.

Read-only is decided at construction (`gate_body`): `GateView` shows the verdict and the down
preview and has no acknowledge button, no entry field and no down at all; `GateBody` adds them.
The verdict is evaluated afresh in a thread worker on mount and on `r`, and once more right
before down (what was green a minute ago may not be now). Down runs in its own worker group
(DOWN_GROUP) so the App can ask before quitting in the middle of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from screens.mutations import DOWN_GROUP
from screens.preflight import FindingRow
from screens.step_body import StepBody, StepSummary
from screens.step_state import StepState
from wizard.checks import Finding
from wizard.compose import load_project
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gate import (
    Acknowledgement,
    DownPreview,
    DownProgress,
    DownResult,
    GateItem,
    GateVerdict,
    acknowledge,
    combine,
    confirms,
    evaluate_gate,
    load_acknowledgements,
    preview_down,
    rollback,
    save_acknowledgements,
    take_down,
)
from wizard.gateways import Gateways
from wizard.model import ClusterIdentity
from wizard.state.audit import AuditLog, MemoryAuditLog, audit_log_for, os_user
from wizard.state.store import StateFile, state_file_for
from wizard.steps import Step

_GLYPH = {"started": "…", "done": "✔", "gone": "✔", "failed": "✖"}


class Interrupted(CutoverError):
    """The operator quit while down ran: it stopped between two containers."""


# --- messages from the workers ----------------------------------------------------------------


@dataclass(frozen=True)
class Evaluated:
    """A fresh verdict, the acknowledgements on record, and the preview (or why there is none)."""

    verdict: GateVerdict
    acknowledgements: list[Acknowledgement]
    preview: DownPreview | None
    preview_error: CutoverError | None
    note: str = ""  # e.g. "the gate closed since": said when down was refused by it


@dataclass
class DownStepped(Message):
    progress: DownProgress


# --- widgets ----------------------------------------------------------------------------------


def when_shown(ack: Acknowledgement) -> str:
    return ack.when.replace("T", " ").replace("+00:00", " UTC")


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


class GateView(StepBody):
    """The verdict and the down preview; acts on nothing (read-only mode)."""

    CRASH = ("stopped unexpectedly ({kind})", "")

    def __init__(self, step: Step, config: CutoverConfig, gateways: Gateways) -> None:
        super().__init__(step, config, gateways)
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
        verdict = evaluate_gate(self.config, self.gateways, acks)
        try:
            preview = preview_down(self.gateways.compose_host(), self.config.project_name)
        except CutoverError as exc:
            return Evaluated(verdict, acks, None, exc, note)
        return Evaluated(verdict, acks, preview, None, note)

    async def _evaluated(self, message: Evaluated) -> None:
        self.acks = message.acknowledgements
        self.verdict = message.verdict
        self.preview = message.preview
        self.evaluated(message)
        await self._show_verdict()
        self._show_preview(message.preview, message.preview_error)
        if message.note:
            self.notify(message.note, severity="warning", timeout=8)

    def evaluated(self, message: Evaluated) -> None:
        """A fresh verdict came in (GateBody resets its down view here)."""

    async def _show_verdict(self) -> None:
        verdict = self.verdict
        if verdict is None:
            return
        blockers = self.query_one("#gate-blockers", Vertical)
        await blockers.remove_children()
        await blockers.mount_all([FindingRow(_titled(i)) for i in verdict.blockers])
        self.query_one("#gate-blockers-title", Static).update(
            f"Blockers ({len(verdict.blockers)}): fix each, then press r"
            if verdict.blockers
            else "Blockers: none"
        )
        warnings = self.query_one("#gate-warnings", Vertical)
        await warnings.remove_children()
        rows = []
        for index, item in enumerate(verdict.warnings):
            row = WarningRow(index, item, self.can_acknowledge)
            row.set_reactive(WarningRow.acknowledgement, self._ack_of(item))
            rows.append(row)
        await warnings.mount_all(rows)
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


def preview_lines(preview: DownPreview) -> list[str]:
    """What down removes (containers, one-offs apart, networks) and keeps (volumes, images)."""
    lines = [f"Removes {len(preview.containers)} container(s) (stopped first):"]
    lines += [f"  {c.name}  ({c.service}, {c.state})" for c in preview.containers]
    if preview.one_off:
        lines.append(f"Removes {len(preview.one_off)} one-off container(s) (docker compose run):")
        lines += [f"  {c.name}  ({c.service}, {c.state})" for c in preview.one_off]
    else:
        lines.append("One-off containers (docker compose run): none")
    lines.append(f"Removes {len(preview.networks)} network(s) Compose created for it:")
    lines += [f"  {n.name}" for n in preview.networks]
    if preview.external_networks:
        external = ", ".join(n.name for n in preview.external_networks)
        lines.append(f"Leaves external network(s) alone: {external}")
    lines.append(
        f"Keeps every named volume ({len(preview.volumes)}), the rollback; size not measured:"
    )
    lines += [f"  {v.name}" for v in preview.volumes]
    lines.append(f"Keeps every image ({len(preview.images)}):")
    lines += [f"  {i}" for i in preview.images]
    lines.append(f"The same as, for the record: {preview.command}")
    if preview.nothing_to_do:
        lines.append("Nothing to take down: no container or network of this project is left.")
    return lines


def now_utc() -> datetime:
    """When an acknowledgement is made (tests replace it, and `os_user`, for stable snapshots)."""
    return datetime.now(UTC)


class GateBody(GateView):
    """GateView plus the acknowledge buttons, the name to type, and down."""

    can_acknowledge: ClassVar[bool] = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "next_warning", "Next warning"),
        Binding("c", "focus_confirm", "Confirm"),
        Binding("escape", "leave_confirm", "Leave"),
    ]

    def __init__(self, step: Step, config: CutoverConfig, gateways: Gateways) -> None:
        super().__init__(step, config, gateways)
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
        """a and c only when there is a warning to acknowledge / a name to type."""
        if action == "next_warning":
            return not self._down_running and bool(self._ack_buttons())
        field = self.query_one("#gate-confirm", Input)
        if action == "focus_confirm":
            return not self._down_running and not field.disabled and not field.has_focus
        if action == "leave_confirm":
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

    def action_leave_confirm(self) -> None:
        self.query_one("#gate-scroll").focus()

    def show_confirm(self) -> None:
        self.refresh_bindings()  # a and c follow the verdict and down
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
        ack = acknowledge(row.item.finding, who=os_user(), when=now_utc())
        acks = [*self.acks, ack]
        try:
            save_acknowledgements(self.state, acks)
        except (CutoverError, OSError) as exc:
            self.notify(f"The acknowledgement was not recorded: {exc}", severity="error")
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
            self.notify("Not the project's name: nothing was done.", severity="warning")
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
            self.notify("Down is running: the gate is evaluated again once it is over.", timeout=4)
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
        glyph = _GLYPH.get(event.outcome, "•")
        extra = " (already done)" if event.outcome == "gone" else ""
        self._progress[event.step.key] = (
            f"[{event.index}/{event.total}] {glyph} {event.step.describe()}{extra}"
        )
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
            "\n".join(result_lines(result, self.config, self.audit))
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


def result_lines(result: DownResult, config: CutoverConfig, audit: AuditLog) -> list[str]:
    """After down: the outcome, the rollback, what was removed and kept, the audit, the record."""
    if result.ok:
        lines = [f"✔ Compose project {result.project} is down: no container of it remains.", ""]
        lines += [*rollback(config).steps, ""]
        lines.append(f"Removed: {', '.join(result.removed) or 'nothing (it was already down)'}")
    else:
        lines = [
            f"✖ Down of {result.project} stopped midway: nothing is lost, and typing the name "
            "again resumes it where it stopped.",
        ]
    kept = ", ".join(v.name for v in result.kept_volumes) or "none"
    lines.append(f"Kept: every named volume ({kept}) and every image.")
    where = "demo: kept in memory" if isinstance(audit, MemoryAuditLog) else str(audit.path)
    lines.append(f"Audit: one record written ({where}).")
    lines += ["", "What was and was not done:", *result.report()]
    return lines


def gate_body(step: Step, config: CutoverConfig, gateways: Gateways) -> StepBody:
    """The body for `config`: with no acknowledge, entry or down at all in read-only mode."""
    if config.read_only:
        return GateView(step, config, gateways)
    return GateBody(step, config, gateways)
