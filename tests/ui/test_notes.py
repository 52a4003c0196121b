"""Notes the wizard gives the operator (issue 15, items 5 and 7): said in the open step's note line
(screens.note_line), under its summary, not in toasts over the work; toasts only for background
trouble. And what reopening says after a down (screens.resume_text)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.note_line import NoteLine
from screens.resume_text import DEMO_RESTARTS
from tests.ui.conftest import SMALL, settle
from wizard.config import CutoverConfig
from wizard.gateways.factory import build_gateways
from wizard.steps import CHECKLIST

SCREENS = Path(__file__).parents[2] / "screens"
# The only toasts left, each for something that is not the answer to a key the operator pressed:
# the note line's own fallback (no step body to say it in), and a state file that cannot be
# written when the step changes (background trouble, said once).
TOASTS_ALLOWED = {
    (
        "note_line.py",
        'where.notify(text, severity=severity, timeout=4 if severity == "information" else 8)',
    ),
    ("checklist_screen.py", 'self.notify(self.place.problem, severity="warning", timeout=10)'),
}


def test_no_screen_answers_the_operator_with_a_toast() -> None:
    found = set()
    for path in sorted(SCREENS.glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"\.notify\(", line):
                found.add((path.name, line.strip()))
    assert found <= TOASTS_ALLOWED, sorted(found - TOASTS_ALLOWED)


def _said(app: CutoverApp) -> list[tuple[str, str]]:
    return [line.note for line in app.screen.query(NoteLine) if line.note is not None]


async def test_rerun_all_is_said_in_the_open_step_under_its_summary(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        said = (f"Checking all {len(CHECKLIST)} steps again.", "information")
        assert said in _said(demo_app)
        assert not demo_app._notifications
        line = demo_app.screen.query_one("#volumes NoteLine", NoteLine)
        body = demo_app.screen.query_one("#volumes")
        assert list(body.children).index(line) == 1  # right under the step's summary


async def test_reopening_after_a_finished_down_says_so(
    demo_config: CutoverConfig, demo_state_dir: Path
) -> None:
    state = {
        "version": 1,
        "progress": {"step": "gate", "saved": "2026-12-03T21:05:00+00:00"},
        "down": {
            "project": "email-rag",
            "status": "done",
            "runs": 1,
            "finished": "2026-12-03T21:04:00+00:00",
        },
    }
    (demo_state_dir / "state.json").write_text(json.dumps(state))
    app = CutoverApp(demo_config, build_gateways(demo_config))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChecklistScreen) and screen.step.id == "gate"
        (text, severity), *_ = _said(app)
        gate = next(i for i, step in enumerate(CHECKLIST) if step.id == "gate")
        assert text.startswith(f"Resumed at step {gate + 1}, Gate")
        assert "Compose down of email-rag already finished (2026-12-03 21:04 UTC)." in text
        assert text.endswith(DEMO_RESTARTS) and severity == "information"
        assert not app._notifications
