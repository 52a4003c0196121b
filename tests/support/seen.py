"""What a watch delivered, kept the way a screen keeps it, and a deadline-bounded wait on it.

One recorder for every watch test (unit, real API server, a private one that is restarted), so
they all read a watch's updates as the screens do (`screens.live.apply`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import pytest

from screens.live import apply
from wizard.health.watch import WatchState, WatchUpdate


class _LogSource(Protocol):
    def log_tail(self) -> str: ...


class Seen:
    """The `on_change` callback of a watch. `server`: an API server whose log a timeout shows."""

    def __init__(self, server: _LogSource | None = None, timeout: float = 30.0) -> None:
        self.updates: list[WatchUpdate] = []
        self.items: dict[str, Any] = {}
        self.cond = threading.Condition()
        self.server = server
        self.timeout = timeout

    def __call__(self, update: WatchUpdate) -> None:
        with self.cond:
            self.updates.append(update)
            apply(self.items, update)
            self.cond.notify_all()

    def last(self) -> WatchUpdate:
        with self.cond:
            return self.updates[-1]

    @property
    def state(self) -> WatchState:
        return self.updates[-1].status.state

    def wait(self, what: str, check: Callable[[], Any], timeout: float | None = None) -> Any:
        """`check()` until it is truthy (its value), woken by each update; fails at the deadline
        with the last status and the rows."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        with self.cond:
            while not (result := check()):
                left = deadline - time.monotonic()
                if left <= 0:
                    last = self.updates[-1].status if self.updates else None
                    rows = {k: getattr(v, "status", v) for k, v in self.items.items()}
                    log = f"\napiserver log:\n{self.server.log_tail()}" if self.server else ""
                    pytest.fail(
                        f"timed out after {timeout} s waiting for {what}; "
                        f"status: {last}; rows: {rows}{log}",
                        pytrace=False,
                    )
                self.cond.wait(min(left, 0.5))
            return result
