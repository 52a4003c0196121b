"""The Data step on the demo (settled: a simulated copy ends at once), as the operator drives it:
the plan and its states, the preview naming the writers, copy while they run or stop them first,
starting them again (the copies go stale), and read-only (no copy key, nothing to press)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable

from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.confirm import ChoiceScreen
from screens.data import DataBody
from tests.support.walk import table_rows, text_of, wait_for
from tests.ui.conftest import SMALL, WIDE, settle, settled_live_bodies, workers_done
from wizard.config import Flags, resolve_config
from wizard.gateways.factory import build_gateways


def fixed_app(read_only: bool = False) -> CutoverApp:
    config = resolve_config(Flags(demo=True, demo_fixed=True, read_only=read_only))
    return CutoverApp(config, build_gateways(config), bodies=settled_live_bodies())


async def open_data(pilot: Pilot[None], app: CutoverApp) -> DataBody:
    await pilot.press("6")
    await settle(pilot)
    await workers_done(app)
    await settle(pilot)
    return app.screen.query_one("#data", DataBody)


def states(app: CutoverApp) -> dict[str, str]:
    return {row[0]: row[1] for row in table_rows(app, "#data-table")}


async def test_the_plan_shows_each_volume_its_method_and_state() -> None:
    app = fixed_app()
    async with app.run_test(size=WIDE) as pilot:
        await open_data(pilot, app)
        assert text_of(app, "#data-summary") == "✖ 4 of 5 volume(s) still to copy and verify"
        rows = {row[0]: row for row in table_rows(app, "#data-table")}
        assert {v: r[2] for v, r in rows.items()} == {
            "chroma_data": "files",
            "postgres_data": "postgres",
            "rabbitmq_data": "skip",
            "redis_data": "files",
            "upload_data": "files",
        }
        assert rows["rabbitmq_data"][1].startswith("⚠ skipped")
        assert rows["upload_data"][1] == "✖ not copied yet"
        # The selected volume's detail names who writes it now, and the fix says what to press.
        detail = text_of(app, "#data-detail-text")
        assert "writers in Compose: email-rag-backend-1 (running)" in detail
        assert "press c" in str(app.screen.query_one("#data-finding .fix").visual)


async def test_copy_all_stops_the_writers_then_everything_verifies_and_s_makes_it_stale() -> None:
    app = fixed_app()
    async with app.run_test(size=WIDE) as pilot:
        await open_data(pilot, app)
        await pilot.press("C")  # copy all (a is the gate's next warning: one meaning per key)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the preview")
        preview = text_of(app, "#confirm-preview")
        for name in ("email-rag-backend-1", "email-rag-celery-1", "email-rag-redis-1"):
            assert name in preview, preview
        assert "email-rag-postgres-1" not in preview  # pg_dump needs it running
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ChecklistScreen)
                and text_of(app, "#data-summary").startswith("▲ Every volume's copy is verified")
            ),
            "every copy verified",
        )
        assert all(s.startswith(("✔ verified", "⚠ skipped")) for s in states(app).values())

        # u: start the writers again; their copies go stale and the step blocks again.
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the start preview")
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ChecklistScreen)
                and states(app)["upload_data"].startswith("✖ stale")
            ),
            "the copies to go stale",
        )
        assert states(app)["postgres_data"].startswith("✖ stale")


async def test_escape_copies_nothing_and_w_copies_while_the_writers_run() -> None:
    app = fixed_app()
    async with app.run_test(size=SMALL) as pilot:
        body = await open_data(pilot, app)
        table = app.screen.query_one("#data-table", DataTable)
        table.move_cursor(row=4)  # upload_data
        await settle(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the preview")
        await pilot.press("escape")
        await settle(pilot)
        assert not body.copying and states(app)["upload_data"] == "✖ not copied yet"
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the preview")
        await pilot.press("w")
        await wait_for(
            pilot, lambda: states(app)["upload_data"].startswith("✔ verified"), "the copy"
        )
        # Copied while they ran: the writers still run, and nothing else was copied.
        assert "email-rag-backend-1 (running)" in text_of(app, "#data-detail-text")
        assert states(app)["chroma_data"] == "✖ not copied yet"


async def test_read_only_shows_the_plan_and_offers_no_copy() -> None:
    app = fixed_app(read_only=True)
    async with app.run_test(size=SMALL) as pilot:
        body = await open_data(pilot, app)
        assert "Read-only" in text_of(app, "#data-keys")
        for action in ("copy_selected", "copy_all", "start_writers"):
            assert not body.check_action(action, ())
        await pilot.press("C", "c", "u")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen) and not body.copying
        assert states(app)["upload_data"] == "✖ not copied yet"


async def test_the_steps_keys_work_from_the_checklist_on_the_left_too() -> None:
    app = fixed_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_data(pilot, app)
        app.screen.query_one("#checklist").focus()  # where tab from the body lands
        await settle(pilot)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the preview")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)


async def test_at_80x24_each_volumes_fix_shows_without_paging() -> None:
    """Issue 15: the selected volume's finding (verdict and fix) comes before its plan (method,
    pod, writers), so at 80x24 the fix is on screen without PgDn, for every volume."""
    app = fixed_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_data(pilot, app)
        table = app.screen.query_one("#data-table", DataTable)
        detail = app.screen.query_one("#data-detail")
        fixes = 0
        for index, volume in enumerate(states(app)):
            table.move_cursor(row=index)
            await settle(pilot)
            assert detail.scroll_y == 0, volume
            finding = app.screen.query_one("#data-finding .finding")
            plan = app.screen.query_one("#data-detail-text")
            assert finding.region.y < plan.region.y, volume  # the finding first
            assert volume in text_of(app, "#data-detail-text")
            for fix in app.screen.query("#data-finding .fix"):
                fixes += 1
                seen = detail.scrollable_content_region
                assert seen.contains_region(fix.region), (volume, fix.region, seen)
        assert fixes >= 3  # the blockers and the skipped volume's warning each have one
