"""`cutover demo` without colour (NO_COLOR) and on a 16-colour terminal, in a real 80x24 terminal.

What reaches the pane is read back with its escape sequences (`capture-pane -e`): under NO_COLOR
only attributes may be there (bold, dim, underline, reverse), never a colour; on a 16-colour
terminal no 256-colour or truecolour code. Every state must still read as a glyph and a word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.e2e.conftest import CUTOVER, Tmux

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
# Attributes on and off, and "default colour" (39/49, which is no colour).
ATTRIBUTES = {0, 1, 2, 4, 7, 22, 24, 27, 39, 49}
FIRST_SCREEN = (
    "Step 1 of 8 · Preflight",
    "›1 Preflight",  # noqa: RUF001  (the current-step marker)
    "▲ warn",  # preflight
    "✖ block",  # secrets, volumes, mapping, health
    "○ not run",  # the gate runs when opened
    "▲ Preflight passed with 1 warning",
    "✔ ok",
    "• info",
    "q Quit",
)


def sgr_codes(screen: str) -> Iterator[str]:
    """Every SGR parameter of the screen, with 38/48's own parameters kept together
    ("38;5;33", "48;2;1;2;3")."""
    for match in SGR.finditer(screen):
        params = re.split("[;:]", match.group(1)) or ["0"]
        i = 0
        while i < len(params):
            code = params[i] or "0"
            if code in ("38", "48", "58") and i + 1 < len(params):
                take = 3 if params[i + 1] == "5" else 5
                yield ";".join(params[i : i + take])
                i += take
                continue
            yield code
            i += 1


def colour_codes(screen: str) -> set[str]:
    """The codes that set a colour: 30-37, 40-47, 90-97, 100-107, 38;…, 48;… (and 58;…)."""
    found = set()
    for code in sgr_codes(screen):
        if ";" in code or not code.isdigit() or int(code) not in ATTRIBUTES:
            found.add(code)
    return found


def deep_colour_codes(screen: str) -> set[str]:
    return {c for c in sgr_codes(screen) if c.startswith(("38;5", "38;2", "48;5", "48;2"))}


def _start(tmux: Tmux, tmp_path: Path, env: dict[str, str], unset: tuple[str, ...] = ()) -> None:
    state = tmp_path / "demo-state"  # a fresh walk: no saved place to resume at
    state.mkdir(exist_ok=True)
    tmux.start(
        [str(CUTOVER), "demo"], env={"CUTOVER_DEMO_STATE_DIR": str(state), **env}, unset=unset
    )


def _visit(tmux: Tmux, key: str, *texts: str) -> str:
    """Open a step and wait until it has settled; the screen with its escape sequences."""
    tmux.send(key)
    tmux.wait_for(*texts)
    tmux.wait_quiet()
    return tmux.screen_with_escapes()


def test_no_color_shows_no_colour_and_every_state_in_words(
    make_tmux: Callable[..., Tmux], tmp_path: Path
) -> None:
    tmux = make_tmux()
    _start(tmux, tmp_path, {"NO_COLOR": "1"})
    tmux.wait_for(*FIRST_SCREEN)
    tmux.wait_quiet()
    screens = {"preflight": tmux.screen_with_escapes()}
    screens["mapping"] = _visit(tmux, "4", "✖ block  backend", "▲ warn   frontend", "• info")
    screens["gate"] = _visit(tmux, "8", "✖ Not ready:", "Blockers (", "Down is disabled")
    tmux.send("?")
    tmux.wait_for("help, ? closes it", "What it checks")
    # The keys come after the step's help: at 80x24 the panel scrolls to them.
    screens["help"] = _visit(tmux, "End", "Keys here:", "Keys on every step:", "Step of that")
    for name, screen in screens.items():
        assert colour_codes(screen) == set(), f"{name}: colour under NO_COLOR"
    # Bold and reverse are still there to carry what colour would: the cursor, the markers.
    assert {"1", "7"} <= set(sgr_codes(screens["mapping"]))

    tmux.send("q")
    assert tmux.wait_exit() == 0


def test_16_colour_terminal_gets_16_colours_and_the_whole_screen(
    make_tmux: Callable[..., Tmux], tmp_path: Path
) -> None:
    tmux = make_tmux(term="xterm-16color")
    # COLORTERM=truecolor (many desktop terminals export it) would win over TERM.
    _start(tmux, tmp_path, {}, unset=("COLORTERM", "NO_COLOR"))
    screen = tmux.wait_for(*FIRST_SCREEN, "DEMO", "project email-rag")
    tmux.wait_quiet()
    first = tmux.screen_with_escapes()
    mapping = _visit(tmux, "4", "✖ block  backend", "Verdict", "↑↓ Service", "p Problems")
    for name, escapes in (("preflight", first), ("mapping", mapping)):
        assert deep_colour_codes(escapes) == set(), f"{name}: more than 16 colours"
        assert colour_codes(escapes), f"{name}: no colour at all on a colour terminal"
    steps = (
        "1 Preflight",
        "2 Secrets",
        "3 Volumes",
        "4 Mapping diff",
        "5 Pod health",
        "6 Data",
        "7 Traffic",
        "8 Gate",
    )
    assert all(step in screen for step in steps)
    assert all(len(line) <= 80 for line in screen.splitlines())

    tmux.send("q")
    assert tmux.wait_exit() == 0
