"""A dropped SSH session, as near as a test gets: `cutover demo` killed with SIGKILL (no chance
to save anything on the way out), then started again in a new terminal. It opens at the step it
was on, with the acknowledgement made before the kill."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import CUTOVER, Tmux


def test_killed_demo_resumes_at_the_same_step(
    make_tmux: Callable[..., Tmux], demo_state_dir: Path
) -> None:
    env = {"CUTOVER_DEMO_STATE_DIR": str(demo_state_dir)}
    first = make_tmux()
    first.start([str(CUTOVER), "demo"], env=env)
    first.wait_for("Step 1 of 8 · Preflight", "Preflight passed")

    first.send("8")
    first.wait_for("Step 8 of 8 · Gate", "a Next warning", "8 warning(s) to")
    first.wait_quiet()
    first.send("a")  # the next warning's Acknowledge button...
    first.wait_for("⏎ Acknowledge")
    first.send("Enter")  # ...and Enter presses it
    first.wait_for("acknowledged by", "7 warning(s) to")

    (pid,) = first.children()
    os.kill(pid, signal.SIGKILL)
    assert first.wait_exit() == 128 + signal.SIGKILL

    again = make_tmux()
    again.start([str(CUTOVER), "demo"], env=env)
    again.wait_for("Step 8 of 8 · Gate", "Resumed at step 8", "7 warning(s) to")
    again.send("q")
    assert again.wait_exit() == 0
