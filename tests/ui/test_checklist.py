"""The checklist screen on the demo, keyboard only, at 80x24: sidebar, navigation, help, palette."""

from __future__ import annotations

import dataclasses

from textual.widgets import ContentSwitcher, Static

from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.help_panel import StepHelp
from screens.sidebar import CURRENT_MARKER, ChecklistSidebar, StepItem
from screens.step_state import StepState
from tests.ui.conftest import SMALL, screen_text, settle, shown
from wizard.checks import worst
from wizard.config import CutoverConfig
from wizard.gateways import Gateways
from wizard.preflight import run_preflight
from wizard.steps import CHECKLIST


def _title(app: CutoverApp) -> str:
    return str(app.screen.query_one("#step-title", Static).visual)


def _current(app: CutoverApp) -> str | None:
    return app.screen.query_one("#bodies", ContentSwitcher).current


async def test_sidebar_shows_every_step_with_its_state(
    demo_app: CutoverApp, demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        items = list(demo_app.screen.query(StepItem))
        assert [item.step.id for item in items] == [step.id for step in CHECKLIST]
        assert len(items) == len(CHECKLIST) == 8
        assert all(shown(item) for item in items)  # nothing cut off at 80x24
        sidebar = demo_app.screen.query_one(ChecklistSidebar)
        expected = StepState.from_severity(worst(run_preflight(demo_config, demo_gateways)))
        assert sidebar.state_of("preflight") is expected
        text = screen_text(demo_app)
        assert f"{expected.glyph} {expected.word}" in text
        assert f"{CURRENT_MARKER}1 Preflight" in text  # the open step is marked without colour


async def test_next_back_and_jump(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert _title(demo_app) == "Step 1 of 8 · Preflight"
        await pilot.press("n")
        assert _current(demo_app) == "secrets"
        assert _title(demo_app).startswith("Step 2 of 8 · Secrets")
        await pilot.press("right", "right")
        assert _current(demo_app) == "mapping"
        await pilot.press("b")
        assert _current(demo_app) == "volumes"
        await pilot.press("left", "left", "left")  # one more than there is: stays on step 1
        assert _current(demo_app) == "preflight"
        await pilot.press("7")
        assert _current(demo_app) == "traffic"
        await pilot.press("8")
        assert _current(demo_app) == "gate"
        assert _title(demo_app).startswith("Step 8 of 8")
        await pilot.press("n")  # past the last step: stays
        assert _current(demo_app) == "gate"
        await pilot.press("1")
        assert _current(demo_app) == "preflight"


async def test_sidebar_selection_jumps(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("shift+tab")  # from the body back to the checklist
        assert demo_app.screen.query_one(ChecklistSidebar).has_focus_within
        await pilot.press("down", "down", "enter")
        assert _current(demo_app) == "volumes"


async def test_help_toggles_and_follows_the_step(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        help_panel = demo_app.screen.query_one(StepHelp)
        assert not shown(help_panel)
        await pilot.press("question_mark")
        assert shown(help_panel)
        text = screen_text(demo_app)
        assert CHECKLIST[0].checks in text.replace("What it checks: ", "")
        assert "How to fix: " + CHECKLIST[0].how_to_fix in text
        await pilot.press("3")
        assert f"Why: {CHECKLIST[2].why}" in screen_text(demo_app)
        await pilot.press("question_mark")
        assert not shown(help_panel)
        await pilot.press("f1")
        assert shown(help_panel)
        await pilot.press("f1")
        assert not shown(help_panel)


async def test_command_palette_goes_to_a_step(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"go to step: pod")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(demo_app.screen, ChecklistScreen)
        assert _current(demo_app) == "health"


async def test_header_shows_where_and_the_markers(
    demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    config = dataclasses.replace(demo_config, read_only=True)
    app = CutoverApp(config, demo_gateways)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        header = app.screen.query_one("#header")
        assert shown(header.query_one("#header-demo"))
        assert shown(header.query_one("#header-read-only"))
        text = screen_text(app)
        assert "DEMO" in text and "READ-ONLY" in text
        assert f"project {config.project_name}" in text


async def test_plain_run_has_no_markers(
    demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    config = dataclasses.replace(demo_config, demo=False)
    app = CutoverApp(config, demo_gateways)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert not app.screen.query("#header .marker")


async def test_sidebar_folds_away_when_narrow(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        sidebar = demo_app.screen.query_one(ChecklistSidebar)
        assert not shown(sidebar)
        assert _title(demo_app) == "Step 1 of 8 · Preflight"  # still says where we are
        await pilot.press("s")
        assert shown(sidebar)
        await pilot.press("s")
        assert not shown(sidebar)


async def test_quit(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not demo_app.is_running


async def test_shift_r_runs_every_step_again(demo_app: CutoverApp) -> None:
    """After a fix made outside the wizard, R brings the whole checklist up to date."""
    from screens.step_body import StepBody

    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        ran: list[str] = []
        for body in demo_app.screen.query(StepBody):
            body.rerun = lambda step=body.id: ran.append(step)  # type: ignore[method-assign]
        await pilot.press("R")
        await pilot.pause()
        assert sorted(ran) == sorted(step.id for step in CHECKLIST)
