"""What the live steps (Volumes, Pod health) share: watches opened by a worker, fed into a
LiveFeed, stopped on re-run and unmount, and the step's state reported once per change."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from screens import live
from screens.step_body import StepBody
from screens.step_state import StepState
from wizard.checks import Finding
from wizard.config import CutoverConfig
from wizard.gateways import Gateways
from wizard.health.watch import WatchHandle, WatchStatus
from wizard.steps import Step


class Opened(Protocol):
    """What `open_watches` returns: the watches it opened, and what the body needs besides."""

    handles: list[WatchHandle]


class LiveStepBody(StepBody):
    """A step body fed by watches. Subclasses set KINDS and CRASH, implement `open_watches` (in a
    worker thread: open the watches into `self.feed` and return an `Opened`; a CutoverError
    raised there is shown with its fix), `opened` and `_fail` (a failure in place of the data).

    `clock` is what ages ("45s ago") are computed with: the wall clock, or a frozen one from a
    test or benchmark (through the App's `bodies`), so that what is on screen is repeatable."""

    KINDS: tuple[str, ...] = ()

    def __init__(
        self,
        step: Step,
        config: CutoverConfig,
        gateways: Gateways,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(step, config, gateways)
        self.clock = clock
        self.feed = live.LiveFeed()
        self.rows: dict[str, dict[str, Any]] = {kind: {} for kind in self.KINDS}
        self.statuses: dict[str, WatchStatus] = {}
        self.handles: list[WatchHandle] = []
        self.repaints = 0  # how many times something changed on screen: for tests
        self._last_feed = ""

    def on_unmount(self) -> None:
        self._stop_watches()

    def rerun(self) -> None:
        self._stop_watches()
        self.new_run()  # watches an older run still opens are stopped when they arrive
        self.feed.drain()
        self.statuses = {}
        self.run_work(self.open_watches, "open")
        self._set_state(StepState.RUNNING)

    def open_watches(self) -> Opened:
        raise NotImplementedError

    def opened(self, value: Any) -> None:
        raise NotImplementedError

    def _fail(self, message: str, fix: str) -> None:
        raise NotImplementedError

    def work_done(self, part: str, value: Any) -> None:
        self.handles = value.handles
        self.opened(value)

    def discard(self, part: str, value: Any) -> None:
        for handle in value.handles:  # opened for a run nobody shows any more
            handle.stop(1.0)

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        self._fail(finding.message, finding.fix)

    def _stop_watches(self) -> None:
        handles, self.handles = self.handles, []
        for handle in handles:
            handle.stop(1.0)

    def _set_state(self, state: StepState) -> None:
        self.set_state(state)
