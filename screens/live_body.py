"""What the live steps (Volumes, Pod health) share: watches opened by a worker, fed into a
LiveFeed, stopped on re-run and unmount, and the step's state reported once per change."""

from __future__ import annotations

from typing import Any

from textual.worker import Worker

from screens import live
from screens.messages import StepStateChanged
from screens.step_body import StepBody
from screens.step_state import StepState
from wizard.config import CutoverConfig
from wizard.factory import Gateways
from wizard.health.watch import WatchHandle, WatchStatus
from wizard.steps import Step


class LiveStepBody(StepBody):
    """A step body fed by watches. Subclasses set KINDS and implement `_open` as a thread worker
    that opens the watches into `self.feed` and posts its own "opened" message."""

    KINDS: tuple[str, ...] = ()

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

    def _stop_watches(self) -> None:
        handles, self.handles = self.handles, []
        for handle in handles:
            handle.stop(1.0)

    def _set_state(self, state: StepState) -> None:
        if state is not self._state:
            self._state = state
            self.post_message(StepStateChanged(self.step.id, state))
