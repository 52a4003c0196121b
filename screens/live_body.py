"""What the live steps (Volumes, Pod health) share: watches opened by a worker, fed into a
LiveFeed, stopped on re-run and unmount, and the step's state reported once per change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.message import Message
from textual.worker import Worker, WorkerState

from screens import live
from screens.messages import StepStateChanged
from screens.step_body import StepBody
from screens.step_state import StepState
from wizard.config import CutoverConfig
from wizard.gateways import Gateways
from wizard.health.watch import WatchHandle, WatchStatus
from wizard.steps import Step


@dataclass
class LiveFailed(Message):
    """The watches of run `run` could not be opened: what happened and the fix."""

    run: int
    message: str
    fix: str


class LiveStepBody(StepBody):
    """A step body fed by watches. Subclasses set KINDS and UNEXPECTED, implement `_open` as a
    thread worker that opens the watches into `self.feed` and posts its own "opened" message (or
    LiveFailed), and `_fail` to show a failure in place of the data."""

    KINDS: tuple[str, ...] = ()
    # A bug of ours ended the worker: the line shown ({kind}: the exception's type) and the fix.
    UNEXPECTED: ClassVar[tuple[str, str]] = ("The watch stopped unexpectedly ({kind}).", "")

    def __init__(self, step: Step, config: CutoverConfig, gateways: Gateways) -> None:
        super().__init__(step)
        self.config = config
        self.gateways = gateways
        self.feed = live.LiveFeed()
        self.rows: dict[str, dict[str, Any]] = {kind: {} for kind in self.KINDS}
        self.statuses: dict[str, WatchStatus] = {}
        self.handles: list[WatchHandle] = []
        self.repaints = 0  # how many times something changed on screen: for tests
        self._run = 0
        self._worker: Worker[None] | None = None
        self._state: StepState | None = None
        self._last_feed = ""

    def on_unmount(self) -> None:
        self._stop_watches()

    def rerun(self) -> None:
        self._stop_watches()
        self._run += 1  # results of an older run are ignored when they arrive
        self.feed.drain()
        self.statuses = {}
        self._worker = self._open(self._run)
        self._set_state(StepState.RUNNING)

    def action_rerun(self) -> None:
        self.rerun()

    def _open(self, run: int) -> Worker[None]:
        raise NotImplementedError

    def _fail(self, message: str, fix: str) -> None:
        raise NotImplementedError

    @on(LiveFailed)
    def _failed(self, message: LiveFailed) -> None:
        message.stop()
        if message.run == self._run:  # a failure of an older run is no news
            self._fail(message.message, message.fix)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or event.state is not WorkerState.ERROR:
            return
        event.stop()
        error = event.worker.error
        kind = type(error).__name__ if error is not None else "unknown error"
        line, fix = self.UNEXPECTED
        self._fail(line.format(kind=kind), fix)

    def _stop_watches(self) -> None:
        handles, self.handles = self.handles, []
        for handle in handles:
            handle.stop(1.0)

    def _set_state(self, state: StepState) -> None:
        if state is not self._state:
            self._state = state
            self.post_message(StepStateChanged(self.step.id, state))
