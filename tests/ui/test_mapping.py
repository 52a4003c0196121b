"""The Mapping step: services with badges, the field diff, the filter, errors, keyboard only.

`build_plan` is swapped for a hand-built Plan (tests/ui/plans.py) where the screen looks it up:
these are UI tests; the plan itself is tested against the real sources elsewhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import pytest
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher, Static

from screens.app import CutoverApp
from screens.mapping import OTHER_KEY, RUNNING_TEXT, DiffTable, MappingBody, ServiceTable
from screens.sidebar import ChecklistSidebar
from screens.step_state import StepState
from tests.ui.conftest import SMALL, WIDE, screen_text, settle, shown
from tests.ui.plans import ALL_OK_PLAN, MASK, SAMPLE_PLAN, SECRET_REF
from wizard.config import CutoverConfig
from wizard.errors import ConfigError
from wizard.gateways import Gateways
from wizard.mapping.build import build_plan
from wizard.mapping.model import Plan

PlanSource = Callable[[CutoverConfig, Gateways], Plan]


def with_plan(config: CutoverConfig, gateways: Gateways, source: PlanSource) -> CutoverApp:
    """The App whose Mapping step compares with `source` (the body's seam) instead of build_plan."""
    return CutoverApp(config, gateways, bodies={"mapping": partial(MappingBody, build=source)})


@pytest.fixture
def sample_app(
    monkeypatch: pytest.MonkeyPatch, demo_config: CutoverConfig, demo_gateways: Gateways
) -> CutoverApp:
    return with_plan(demo_config, demo_gateways, lambda config, gateways: SAMPLE_PLAN)


def _body(app: CutoverApp) -> MappingBody:
    return app.screen.query_one("#mapping", MappingBody)


def _services(app: CutoverApp) -> ServiceTable:
    return app.screen.query_one("#mapping-services", ServiceTable)


def _diff(app: CutoverApp) -> DiffTable:
    return app.screen.query_one("#mapping-diff", DiffTable)


def _text(app: CutoverApp, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Static).visual)


def _rows(table: ServiceTable | DiffTable) -> dict[str | None, list[str]]:
    """Every row of a table as plain text cells, by row key."""
    return {
        row.key.value: [str(cell) for cell in table.get_row(row.key)] for row in table.ordered_rows
    }


async def _open(pilot: Pilot[None]) -> None:
    """Open step 4, Mapping, and wait for its plan."""
    await pilot.press("4")
    await settle(pilot)


async def test_services_listed_with_a_badge_that_reads_without_colour(
    sample_app: CutoverApp,
) -> None:
    async with sample_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        assert sample_app.screen.query_one("#bodies", ContentSwitcher).current == "mapping"
        rows = _rows(_services(sample_app))
        assert rows["backend"][:3] == ["▲ warn", "backend", "→ Deployment/email-rag-backend"]
        assert rows["celery"][:3] == ["✖ block", "celery", "→ Deployment/email-rag-celery"]
        assert rows["postgres"][:3] == ["✔ ok", "postgres", "→ StatefulSet/postgres"]
        assert rows["mailer"][:3] == ["✖ block", "mailer", "no match"]
        # Findings about no one service get a row (and a section) of their own, at the end.
        assert list(rows)[-1] == OTHER_KEY
        assert rows[OTHER_KEY][:2] == ["▲ warn", "(other)"]
        assert _services(sample_app).has_focus  # keyboard first: arrows move at once
        # The plan's worst verdict is the step's state in the checklist.
        assert sample_app.screen.query_one(ChecklistSidebar).state_of("mapping") is StepState.BLOCK
        assert _text(sample_app, "mapping-summary") == "✖ 2 blockers, 3 warnings in 5 services"
        assert "compose-cli, cluster, manifests" in _text(sample_app, "mapping-sources")


async def test_selecting_a_service_shows_its_field_diff_and_the_fix(
    sample_app: CutoverApp,
) -> None:
    async with sample_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        assert list(_rows(_diff(sample_app))) == [row.field for row in SAMPLE_PLAN.services[0].rows]
        await pilot.press("down")  # celery
        await settle(pilot)
        diff = _rows(_diff(sample_app))
        assert list(diff) == ["image", "env:OPENAI_API_KEY", "command"]
        assert diff["env:OPENAI_API_KEY"] == ["✖ block", "env:OPENAI_API_KEY", MASK, "(missing)"]
        assert _text(sample_app, "mapping-diff-title") == "celery → Deployment/email-rag-celery"
        # celery opens on its first problem: its finding and fix show without a key pressed.
        assert _diff(sample_app).cursor_row == 1
        await pilot.press("enter")  # into the diff
        await settle(pilot)
        assert _diff(sample_app).has_focus
        detail = _text(sample_app, "mapping-detail-text")
        assert "✖ block  env:OPENAI_API_KEY  OPENAI_API_KEY is set in Compose" in detail
        assert "Fix: Add it to k8s/celery.yaml" in detail
        await pilot.press("down")
        await settle(pilot)
        assert "✔ ok  command  Same command." in _text(sample_app, "mapping-detail-text")
        await pilot.press("escape")  # back to the services
        assert _services(sample_app).has_focus


async def test_other_findings_have_a_section_of_their_own(sample_app: CutoverApp) -> None:
    async with sample_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        await pilot.press("end")  # from the services list: its last row, then its findings
        await settle(pilot)
        assert _services(sample_app).cursor_row == len(SAMPLE_PLAN.services)
        assert _text(sample_app, "mapping-diff-title").startswith("Findings about no one service")
        rows = _rows(_diff(sample_app))
        assert rows["match:Deployment/flower"] == [
            "▲ warn",
            "match:Deployment/flower",
            "Deployment flower matches no Compose service.",
        ]
        # End went on to the last of those findings: its detail shows.
        *_, (_, _, last) = rows.values()
        assert last in _text(sample_app, "mapping-detail-text")


async def test_problems_only_filters_services_and_rows(sample_app: CutoverApp) -> None:
    async with sample_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert list(_rows(_services(sample_app))) == ["backend", "celery", "mailer", OTHER_KEY]
        assert list(_rows(_diff(sample_app))) == ["image", "volumes:upload_data"]
        assert "5 ok hidden" in _text(sample_app, "mapping-diff-title")
        assert _text(sample_app, "mapping-sources").startswith("Problems only · sources: ")
        # The footer names what p does now.
        assert sample_app.screen.active_bindings["p"].binding.description == "All rows"
        await pilot.press("end")
        await settle(pilot)
        assert list(_rows(_diff(sample_app))) == ["match:Deployment/flower"]  # info is no problem
        await pilot.press("p")
        await settle(pilot)
        assert len(_rows(_services(sample_app))) == len(SAMPLE_PLAN.services) + 1
        assert _services(sample_app).cursor_row == len(SAMPLE_PLAN.services)  # still (other)
        assert sample_app.screen.query_one("#mapping-sources", Static).visual
        assert sample_app.screen.active_bindings["p"].binding.description == "Problems"


async def test_problems_only_with_no_problems_says_so(
    monkeypatch: pytest.MonkeyPatch, demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    app = with_plan(demo_config, demo_gateways, lambda config, gateways: ALL_OK_PLAN)
    async with app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        assert _text(app, "mapping-summary") == "✔ All 1 service made it across"
        assert "compose-builtin, manifests" in _text(app, "mapping-sources")
        await pilot.press("p")
        await settle(pilot)
        assert _services(app).row_count == 0
        assert "No service has a warn or block row. p shows all rows." in screen_text(app)


async def test_secrets_show_masked_and_as_their_secret_reference(sample_app: CutoverApp) -> None:
    async with sample_app.run_test(size=WIDE) as pilot:
        await _open(pilot)
        diff = _rows(_diff(sample_app))
        assert diff["env:POSTGRES_PASSWORD"][2:] == [MASK, SECRET_REF]
        assert diff["env:DATABASE_URL"][2] == f"postgresql://app:{MASK}@postgres:5432/app"
        # ... and that is what reaches the terminal.
        screen = sample_app.export_screenshot()
        assert "from Secret email-rag-secrets/postgres-password" in screen.replace("&#160;", " ")
        assert MASK in screen


async def test_a_cutover_error_shows_its_message_and_fix(
    monkeypatch: pytest.MonkeyPatch, demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    def broken(config: CutoverConfig, gateways: Gateways) -> Plan:
        raise ConfigError(
            "cutover.yaml, services.worker: no Compose service is called worker.",
            "Use one of backend, celery, frontend, postgres, rabbitmq, redis.",
        )

    app = with_plan(demo_config, demo_gateways, broken)
    async with app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        text = screen_text(app)
        assert "✖ Could not compare" in text
        assert "cutover.yaml, services.worker: no Compose service is called worker." in text
        assert "Fix: Use one of backend, celery, frontend, postgres, rabbitmq, redis." in text
        assert "Traceback" not in text
        assert not shown(app.screen.query_one("#mapping-panes"))
        assert app.screen.query_one("#mapping-error").has_focus
        assert app.screen.query_one(ChecklistSidebar).state_of("mapping") is StepState.BLOCK
        assert "p" not in app.screen.active_bindings  # nothing to filter


async def test_an_unexpected_error_names_its_type_only(
    monkeypatch: pytest.MonkeyPatch, demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    def crashing(config: CutoverConfig, gateways: Gateways) -> Plan:
        raise ValueError("could not parse hunter2-secret-value")

    app = with_plan(demo_config, demo_gateways, crashing)
    async with app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        text = screen_text(app)
        assert "The comparison stopped unexpectedly (ValueError)." in text
        assert "hunter2" not in text  # an exception's text may quote the environment
        # Once the cause is gone, r brings the plan back, focus and all.
        _body(app).build = lambda config, gateways: SAMPLE_PLAN
        await pilot.press("r")
        await settle(pilot)
        assert shown(_services(app))
        assert _services(app).has_focus
        assert "Could not compare" not in screen_text(app)


async def test_comparing_shows_while_it_runs(
    monkeypatch: pytest.MonkeyPatch, demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    release = threading.Event()

    def slow(config: CutoverConfig, gateways: Gateways) -> Plan:
        release.wait(10)
        return SAMPLE_PLAN

    app = with_plan(demo_config, demo_gateways, slow)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert _text(app, "mapping-summary") == RUNNING_TEXT
        assert app.screen.query_one(ChecklistSidebar).state_of("mapping") is StepState.RUNNING
        release.set()
        await settle(pilot)
        assert _text(app, "mapping-summary").startswith("✖ ")


async def test_selection_and_scroll_survive_a_rerun(sample_app: CutoverApp) -> None:
    async with sample_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        await pilot.press("enter", "down", "down", "down")  # backend, env:POSTGRES_PASSWORD
        await settle(pilot)
        diff = _diff(sample_app)
        assert diff.fixed_columns == 2  # verdict and field stay put while the values scroll
        await pilot.press("shift+right")  # the values page sideways; the step stays
        await settle(pilot)
        scrolled = diff.scroll_x
        assert scrolled > 0
        assert sample_app.screen.query_one("#bodies", ContentSwitcher).current == "mapping"
        await pilot.press("r")
        await settle(pilot)
        assert _body(sample_app).plan is SAMPLE_PLAN
        assert _services(sample_app).cursor_row == 0
        assert diff.cursor_row == 3
        assert diff.scroll_x == scrolled
        assert "env:POSTGRES_PASSWORD" in _text(sample_app, "mapping-detail-text")
        await pilot.press("shift+left")
        await settle(pilot)
        assert diff.scroll_x < scrolled
        await pilot.press("right")  # → is the next step, on the diff as everywhere
        assert sample_app.screen.query_one("#bodies", ContentSwitcher).current == "health"


async def test_left_and_right_change_the_step_when_nothing_scrolls_sideways(
    sample_app: CutoverApp,
) -> None:
    async with sample_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        assert _services(sample_app).has_focus
        await pilot.press("right")
        assert sample_app.screen.query_one("#bodies", ContentSwitcher).current == "health"


async def test_footer_names_the_keys_that_matter(sample_app: CutoverApp) -> None:
    async with sample_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        shown_keys = {
            key: active.binding.description
            for key, active in sample_app.screen.active_bindings.items()
            if active.binding.show
        }
        assert shown_keys["up"] == "Service"
        assert shown_keys["enter"] == "Diff"
        assert shown_keys["p"] == "Problems"
        assert shown_keys["r"] == "Re-run"
        await pilot.press("enter")
        await settle(pilot)
        shown_keys = {
            key: active.binding.description
            for key, active in sample_app.screen.active_bindings.items()
            if active.binding.show
        }
        assert shown_keys["shift+right"] == "Columns"  # ⇧→: → stays "next step"
        assert "right" not in shown_keys or shown_keys["right"] == "Next"
        assert shown_keys["escape"] == "Services"


# --- on the demo: the real build_plan over the bundled sample ------------------------------------


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
async def test_demo_plan_on_screen_and_no_secret_value_ever(
    size: tuple[int, int],
    demo_app: CutoverApp,
    demo_config: CutoverConfig,
    demo_gateways: Gateways,
) -> None:
    env = demo_config.project_dir / ".env.example"
    secret_keys = set(demo_config.secrets.get("keys", {}))
    secrets = [
        value
        for name, _, value in (line.partition("=") for line in env.read_text().splitlines())
        if name in secret_keys and value
    ]
    assert secrets  # the sample has secret values that could leak
    plan = build_plan(demo_config, demo_gateways)
    masked_rows = 0
    async with demo_app.run_test(size=size) as pilot:
        await _open(pilot)
        services = _services(demo_app)
        assert list(_rows(services)) == [s.service for s in plan.services] + (
            [OTHER_KEY] if plan.extra else []
        )
        # Every service's diff as drawn on the terminal, and every row's detail beneath it.
        for index in range(services.row_count):
            services.focus()
            services.move_cursor(row=index)
            await settle(pilot)
            screen = demo_app.export_screenshot().replace("&#160;", " ")
            assert not [value for value in secrets if value in screen], index
            masked_rows += MASK in screen
            diff = _diff(demo_app)
            diff.focus()
            for row in range(diff.row_count):
                diff.move_cursor(row=row)
                await pilot.pause()
                detail = _text(demo_app, "mapping-detail-text")
                assert not [value for value in secrets if value in detail], (index, row)
                masked_rows += MASK in detail
    assert masked_rows  # the masked values were on screen, not just absent
