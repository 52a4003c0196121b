"""Notes the wizard gives the operator (issue 15, items 5 and 7): said in the open step's note line
(screens.note_line), under its summary, not in toasts over the work; toasts only for background
trouble. And what reopening says after a down (screens.resume_text)."""

from __future__ import annotations

import re
from pathlib import Path

from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.note_line import NoteLine
from tests.ui.conftest import SMALL, screen_modules, screen_text, settle
from wizard.compose import load_project
from wizard.config import CutoverConfig
from wizard.demo import DemoComposeHost
from wizard.gate import combine, rollback, take_down
from wizard.gateways.factory import build_gateways
from wizard.state.down_record import load_down
from wizard.state.progress import save_progress
from wizard.state.store import StateFile, state_file_for
from wizard.status import StepStatus
from wizard.steps import CHECKLIST

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
    for module in screen_modules():
        path = Path(str(module.__file__))
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


async def test_reopening_after_a_finished_down_says_so(demo_config: CutoverConfig) -> None:
    """Down as the gate runs it, then the demo opened again: the greeting says down already ran,
    by whom, and how to roll back; Preflight says down removed the containers, with the real
    rollback command, not "check DOCKER_HOST"."""
    project = load_project(demo_config, compose_bin=None)
    state = state_file_for(demo_config)
    ready = combine([StepStatus("preflight", "Preflight", "ok")])
    taken = take_down(
        DemoComposeHost(demo_config), project, verdict=ready, typed="email-rag", state=state
    )
    assert taken.ok
    save_progress(state, "gate")
    app = CutoverApp(demo_config, build_gateways(demo_config))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChecklistScreen) and screen.step.id == "gate"
        (text, severity), *_ = _said(app)
        gate = next(i for i, step in enumerate(CHECKLIST) if step.id == "gate")
        assert f"Down already ran: email-rag was taken down {_when(state)} by " in text
        assert "Roll back: cutover demo --fresh (the demo's Compose is simulated;" in text
        assert f"Resumed at step {gate + 1}, Gate" in text
        assert severity == "warning" and not app._notifications
        await pilot.press("1")
        await settle(pilot)
        assert "cutover's down removed them" in screen_text(app)
        assert rollback(demo_config).command in " ".join(screen_text(app).split())


def _when(state: StateFile) -> str:
    down = load_down(state, "email-rag")
    assert down is not None
    return down.when
