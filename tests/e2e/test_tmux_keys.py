"""The operator on a bastion (issue 15): the fixed demo walked to `down` at 80x24 with only the
keys the screen shows, counted; and PgDn reaching the last finding of every step.

"Shows" is checked before every key press: the label the key is pressed for ("F4 From .env",
"⏎ Acknowledge", "y: yes") must be on the screen at that moment (the footer, the checklist's
last lines, a dialog's own line). Typing the project's name counts one press per letter.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import CUTOVER, Tmux

MAX_PRESSES = 40  # issue 15: the shortest path is about 35


class Walk:
    """Key presses that must each be shown on screen first, counted."""

    def __init__(self, tmux: Tmux) -> None:
        self.tmux = tmux
        self.presses = 0
        self.log: list[str] = []

    def footer(self) -> str:
        return self.tmux.screen().rstrip("\n").splitlines()[-1]

    def press(self, shown: str, key: str, *, in_footer: bool = False) -> None:
        screen = self.tmux.wait_quiet()
        where = screen.rstrip("\n").splitlines()[-1] if in_footer else screen
        assert shown in where, f"{shown!r} is not on the screen before {key}:\n{screen}"
        self.tmux.send(key)
        self.presses += 1
        self.log.append(key)

    def type(self, shown: str, text: str) -> None:
        screen = self.tmux.wait_quiet()
        assert shown in screen, f"{shown!r} is not on the screen before typing:\n{screen}"
        self.tmux.send("-l", text)
        self.presses += len(text)
        self.log.append(text)


def _state(screen: str, step: str) -> str:
    """The checklist's state word under `step` ("ok", "warn", "block", ...)."""
    lines = screen.splitlines()
    for index, line in enumerate(lines[:-1]):
        if f" {step}" in line[:23]:
            words = lines[index + 1][:23].split()
            return words[-1] if words else ""
    return ""


def _wait_state(tmux: Tmux, step: str, state: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while _state(tmux.screen(), step) != state:
        assert time.monotonic() < deadline, f"{step} never became {state}:\n{tmux.screen()}"
        time.sleep(0.05)


def _warnings_left(screen: str) -> int:
    found = re.search(r"(\d+) warning\(s\) to", screen)
    return int(found.group(1)) if found else 0


def test_fixed_demo_reaches_down_at_80x24_with_the_keys_it_shows(
    make_tmux: Callable[..., Tmux], demo_state_dir: Path
) -> None:
    tmux = make_tmux(80, 24)
    tmux.start(
        [str(CUTOVER), "demo", "--fixed"], env={"CUTOVER_DEMO_STATE_DIR": str(demo_state_dir)}
    )
    walk = Walk(tmux)
    tmux.wait_for("Step 1 of 8 · Preflight", "Preflight passed", "n Next")

    # Step 2: every key's value from .env (F4) or generated (F3), saved, applied.
    walk.press("n Next", "n", in_footer=True)
    tmux.wait_for("Step 2 of 8 · Secrets", "not entered", "F6 Apply")
    tmux.wait_quiet(quiet=1.0)  # the fields are mounted again when the step's read lands
    walk.press("tab next pane", "Tab")  # the checklist's last lines say it
    tmux.wait_for("esc Leave")  # in the first field
    for field in range(5):
        tmux.wait_quiet()
        footer = walk.footer()
        if "F3 Generate" in footer:
            walk.press("F3 Generate", "F3", in_footer=True)
        else:
            walk.press("F4 From .env", "F4", in_footer=True)
        if field < 4:
            walk.press("tab next pane", "Tab")
    walk.press("F5 Save", "F5", in_footer=True)
    walk.press("F6 Apply", "F6", in_footer=True)
    walk.press("y: yes", "y")
    _wait_state(tmux, "Secrets", "warn")  # every key present; the init-only warnings stay
    walk.press("esc Leave", "Escape", in_footer=True)

    # Step 6: copy every volume (the demo simulates the copies), the writers stopped first.
    walk.press("1-8 step", "6")
    tmux.wait_for("Step 6 of 8 · Data", "C Copy all")
    walk.press("C Copy all", "C", in_footer=True)
    tmux.wait_for("y: stop")
    walk.press("y: stop", "y")
    tmux.wait_for("Every volume's copy is verified", timeout=60)

    # Step 8: each warning acknowledged, then the name, then down.
    walk.press("1-8 step", "8")
    screen = tmux.wait_for("Step 8 of 8", "a Next warning", "warning(s) to acknowledge")
    assert "Blockers: none" in tmux.wait_for("Blockers: none")
    left = _warnings_left(screen)
    assert 0 < left <= 8, screen
    walk.press("a Next warning", "a", in_footer=True)
    while left:
        tmux.wait_for("⏎ Acknowledge")
        walk.press("⏎ Acknowledge", "Enter", in_footer=True)
        left -= 1
        if left:
            tmux.wait_for(f"{left} warning(s) to")
    tmux.wait_for("Ready (", "esc Leave")  # the name field has the focus now
    walk.type("Type email-rag to take it down", "email-rag")
    walk.press("Enter takes it down", "Enter")
    tmux.wait_for("email-rag is down; every named volume is kept.", timeout=60)

    print(f"{walk.presses} key presses to down: {walk.log}")  # the figure for the README
    assert walk.presses <= MAX_PRESSES, (walk.presses, walk.log)
    walk.press("q Quit", "q", in_footer=True)
    assert tmux.wait_exit() == 0


# The last finding of each step of the planted demo, as the screen writes it at 80x24 once the
# step's findings have been paged to their end.
LAST_FINDING = {
    "1": ("Preflight", "OS keyring usable"),
    "2": ("Secrets", "update celery-broker-url too"),
    "3": ("Volumes", "describe pvc data-postgres-0"),
    # From the services list (the focus): its rows, then the last service's diff and detail.
    "4": ("Mapping diff", "redis → StatefulSet/redis"),
    "5": ("Pod health", "redis-0"),
    "6": ("Data", "upload_data (/app/uploads in backend, celery) ->"),
    # The live drain's line comes last, beneath the four groups.
    "7": ("Traffic", "email-rag-frontend-1: 0 B/s in, 0 packets/s: quiet"),
    "8": ("Gate", "The same as, for the record: docker compose"),
}


@pytest.mark.parametrize("step", sorted(LAST_FINDING))
def test_pgdn_reaches_the_last_finding_of_every_step_at_80x24(
    step: str, make_tmux: Callable[..., Tmux], demo_state_dir: Path
) -> None:
    """Whatever has the focus (the step's table, at first): PgDn again and again, until the
    screen stops changing, shows the step's last finding. Each step also shows how to quit."""
    title, last = LAST_FINDING[step]
    tmux = make_tmux(80, 24)
    tmux.start([str(CUTOVER), "demo"], env={"CUTOVER_DEMO_STATE_DIR": str(demo_state_dir)})
    tmux.wait_for("Step 1 of 8 · Preflight", "Preflight passed")
    tmux.send(step)
    tmux.wait_for(f"Step {step} of 8 · {title}")
    tmux.wait_quiet(quiet=0.5)
    before = tmux.screen_with_escapes()  # with attributes: a moved row cursor is a change
    unchanged = 0
    for _ in range(40):
        tmux.send("PageDown")
        tmux.wait_quiet()
        screen = tmux.screen_with_escapes()
        # Twice in a row: on a loaded machine one PgDn may not be painted within the quiet
        # window yet (seen on the first press, with the step's checks still arriving).
        unchanged = unchanged + 1 if screen == before else 0
        if unchanged == 2:
            break
        before = screen
    before = tmux.screen()
    assert last in before, f"{last!r} not reached by PgDn:\n{before}"
    footer = before.rstrip("\n").splitlines()[-1]
    assert "q Quit" in footer and "? Help" in footer, footer
    assert all(len(line) <= 80 for line in before.splitlines())
    # End from the first finding lands on the same last finding.
    tmux.send("Home")
    tmux.wait_quiet()
    tmux.send("End")
    assert last in tmux.wait_quiet(quiet=0.5)
