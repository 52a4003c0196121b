"""The base of every step body, and the one way a body runs its step's blocking core work.

A body calls `run_work(fn, part)`: `fn` (a core call: kubernetes, docker, the keyring) runs in a
thread worker and never touches a widget; its return value comes back on the event loop as
`StepBody.WorkDone`, tagged with the run number the body had when it started. `rerun()` starts a
new run (`new_run()`), so whatever an older run still delivers is dropped, and nothing at all is
delivered to a body that is no longer attached (the read-only twin replaced it, the app quits).
A worker that dies is a BLOCK finding with a fix, made here (`crash_finding`) and handed to
`work_failed`: no traceback reaches the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from screens.messages import StepStateChanged
from screens.note_line import tell
from screens.step_state import STATE_CLASSES, StepState
from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gateways import Gateways
from wizard.steps import Step

CRASH_FIX = "Press r to try again; if it keeps failing, please report it."


def crash_finding(check: str, error: BaseException | None, what: str, fix: str = "") -> Finding:
    """The finding for work that died: a gateway or config error says its own message and fix;
    anything else is a bug, named by the exception's type only (its text could quote a value
    from the operator's environment or a secret it was handed). `what` is the line for a bug,
    with `{kind}` for that type."""
    if isinstance(error, CutoverError):
        return Finding(check, Severity.BLOCK, error.message, error.fix)
    kind = type(error).__name__ if error is not None else "unknown error"
    return Finding(check, Severity.BLOCK, what.format(kind=kind), fix or CRASH_FIX)


class StepSummary(Static):
    """A step's one-line verdict above its body: glyph and words, coloured by its state class."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id, markup=False)
        self.shown: tuple[StepState | None, str] = (None, text)

    def show(self, state: StepState | None, text: str) -> bool:
        """Show `text` in `state`'s colours (None: plain); False when it shows that already."""
        if self.shown == (state, text):
            return False
        self.shown = (state, text)
        self.remove_class(*STATE_CLASSES)
        if state is not None:
            self.add_class(state.css_class)
        self.update(text)
        return True


class StepBody(Vertical):
    """One step's content in the checklist screen. Subclasses start their work in `rerun`."""

    # What a worker that died says ({kind}: the exception's type), and its fix.
    CRASH: ClassVar[tuple[str, str]] = ("The step stopped unexpectedly ({kind}).", CRASH_FIX)

    @dataclass
    class WorkDone(Message):
        """What `run_work`'s function returned, for the run and the part that started it."""

        run: int
        part: str
        value: Any
        any_run: bool = False

        def __repr__(self) -> str:  # never the value: it may be a secret (a keyring fetch)
            return f"WorkDone(run={self.run}, part={self.part!r})"

    def __init__(self, step: Step, config: CutoverConfig, gateways: Gateways) -> None:
        super().__init__(id=step.id, classes="step-body")
        self.step = step
        self.config = config
        self.gateways = gateways
        self.run_number = 0
        # Set by the checklist screen on the one body built before the first frame: its checks
        # start once that frame is out (`start(now=True)`), not while it is being drawn; their
        # threads would otherwise hold the interpreter the drawing needs.
        self.defer_start = False
        # Each worker's run, part and any_run, until it has ended.
        self._work: dict[Worker[None], tuple[int, str, bool]] = {}
        self._announced: StepState | None = None

    def start(self, now: bool = False) -> None:
        """The first run of the checks, from on_mount (or, when deferred, from the screen)."""
        if now or not self.defer_start:
            self.defer_start = False
            self.rerun()

    def rerun(self) -> None:
        """Run this step's checks again (the `r` key)."""
        tell(self, f"{self.step.title} has no checks to re-run.")

    def action_rerun(self) -> None:
        self.rerun()

    def findings_panes(self) -> list[Widget]:
        """What PgDn/PgUp/Home/End read through on this step, in reading order, whatever has the
        focus: the panes marked `.step-findings` that show (Volumes' findings under its table; a
        table of rows and the selected row's detail), else the first shown `.body-scroll` (a
        failure shown in place of the data is one)."""
        for selector in (".step-findings", ".body-scroll"):
            panes = [pane for pane in self.query(selector) if self._shows(pane)]
            if panes:
                return panes if selector == ".step-findings" else panes[:1]
        return []

    def _shows(self, pane: Widget) -> bool:
        for node in pane.ancestors_with_self:
            if node is self:
                return True
            if isinstance(node, Widget) and not node.display:
                return False
        return False

    # --- running work ---------------------------------------------------------------------------

    def new_run(self) -> int:
        """Start a new run: results of the ones before it are dropped when they arrive."""
        self.run_number += 1
        return self.run_number

    @property
    def working(self) -> bool:
        """Work of the current run is still out."""
        return any(run == self.run_number for run, _, _ in self._work.values())

    def run_work(
        self,
        fn: Callable[[], Any],
        part: str = "",
        *,
        group: str = "",
        exclusive: bool = True,
        any_run: bool = False,
    ) -> Worker[None]:
        """Run `fn()` in a thread worker; its value reaches `work_done(part, value)`.

        `exclusive` cancels this group's earlier worker (its result would be stale anyway).
        `any_run`: delivered even after a new run started (the outcome of a write must not be
        lost because the operator pressed r meanwhile); never to a body no longer attached."""
        run = self.run_number

        def work() -> None:
            value = fn()  # in the thread: no widget is touched here
            self.post_message(StepBody.WorkDone(run, part, value, any_run))

        worker: Worker[None] = self.run_worker(
            work,
            name=f"{self.step.id}:{part}" if part else self.step.id,
            group=group or self.step.id,
            thread=True,
            exclusive=exclusive,
            exit_on_error=False,
        )
        self._work[worker] = (run, part, any_run)
        return worker

    def _wanted(self, run: int, any_run: bool) -> bool:
        return self.is_attached and (any_run or run == self.run_number)

    @on(WorkDone)
    def _work_done(self, message: WorkDone) -> None:
        message.stop()
        if self._wanted(message.run, message.any_run):
            self.work_done(message.part, message.value)
        else:
            self.discard(message.part, message.value)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        tag = self._work.get(event.worker)
        if tag is None:
            return
        event.stop()
        if event.state not in (WorkerState.SUCCESS, WorkerState.CANCELLED, WorkerState.ERROR):
            return
        del self._work[event.worker]
        run, part, any_run = tag
        if event.state is WorkerState.ERROR and self._wanted(run, any_run):
            line, fix = self.CRASH
            error = event.worker.error
            self.work_failed(part, crash_finding(self.step.id, error, line, fix), error)

    def work_done(self, part: str, value: Any) -> None:
        """The current run's `part` returned `value` (on the event loop)."""

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        """The current run's `part` died; `finding` says what and the fix."""

    def discard(self, part: str, value: Any) -> None:
        """A result nobody will show (stale, or the body is gone): release what it holds."""

    # --- callbacks that outlive the body on screen ----------------------------------------------

    def call_after_refresh(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """As Textual's, but the callback is skipped once the body is off the screen: one scheduled
        while it was shown may run after the read-only twin's swap removed it (NoScreen)."""

        def if_attached(*args: Any, **kwargs: Any) -> Any:
            return callback(*args, **kwargs) if self.is_attached else None

        return super().call_after_refresh(if_attached, *args, **kwargs)

    def refresh_bindings(self) -> None:
        if self.is_attached:  # Textual's asks the screen, which a removed body no longer has
            super().refresh_bindings()

    # --- reporting ------------------------------------------------------------------------------

    def set_state(self, state: StepState) -> None:
        """Tell the checklist this step's verdict (once per change)."""
        if state is not self._announced:
            self._announced = state
            self.post_message(StepStateChanged(self.step.id, state))
