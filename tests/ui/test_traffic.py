"""The Traffic step on the demo, as the operator reads it: four groups (what replaces each
published port, where the site's name points, the smoke answers, the drain), a verdict line,
and the live drain beneath them, which stops when the step runs again or the app quits."""

from __future__ import annotations

from functools import partial

from textual.pilot import Pilot

from screens.app import CutoverApp
from screens.preflight import CheckGroup
from screens.traffic import GROUPS, TrafficBody, rows_of
from tests.support.walk import text_of, wait_for
from tests.ui.conftest import SMALL, WIDE, screen_text, settle, settled_live_bodies, shown
from wizard.checks import Finding, Severity
from wizard.config import Flags, resolve_config
from wizard.gateways.factory import build_gateways
from wizard.steps import CHECKLIST, run_step, step_by_id

TRAFFIC_KEY = str([s.id for s in CHECKLIST].index("traffic") + 1)


def demo_app(fixed: bool = False, read_only: bool = False, follow_live: bool = True) -> CutoverApp:
    config = resolve_config(Flags(demo=True, demo_fixed=fixed, read_only=read_only))
    bodies = {**settled_live_bodies(), "traffic": partial(TrafficBody, follow_live=follow_live)}
    return CutoverApp(config, build_gateways(config), bodies=bodies)


async def open_traffic(pilot: Pilot[None], app: CutoverApp) -> TrafficBody:
    await pilot.press(TRAFFIC_KEY)
    await settle(pilot)
    return app.screen.query_one("#traffic", TrafficBody)


def groups(body: TrafficBody) -> dict[str, list[Severity]]:
    return {
        g.check.id: [f.severity for f in g.findings or ()]
        for g in body.query(CheckGroup)
        if shown(g)
    }


async def test_the_planted_demo_blocks_on_the_name_and_warns_on_its_ttl() -> None:
    app = demo_app(follow_live=False)
    async with app.run_test(size=WIDE) as pilot:
        body = await open_traffic(pilot, app)
        # The same findings `cutover status` reports for the step.
        assert body.findings == list(
            run_step(step_by_id("traffic"), app.config, app.gateways).findings
        )
        found = groups(body)
        assert Severity.BLOCK in found["traffic-names"]
        assert Severity.WARN in found["traffic-names"]  # TTL 3600
        assert list(found) == [g.id for g in GROUPS if g.id in found]  # reading order
        text = screen_text(app)
        assert "still points at the Compose host (198.51.100.10)" in text
        assert "Fix: Point email-rag.example.com at the Ingress (203.0.113.20)" in text
        assert "TTL 3600 s via system resolver" in text  # the figure, in the detail
        assert text_of(app, "#traffic-summary").startswith("✖ Traffic: 1 blocker, 1 warning")


async def test_the_fixed_demo_passes_with_the_smoke_answers_side_by_side() -> None:
    app = demo_app(fixed=True, follow_live=False)
    async with app.run_test(size=WIDE) as pilot:
        body = await open_traffic(pilot, app)
        found = groups(body)
        assert Severity.BLOCK not in [s for group in found.values() for s in group]
        assert found["traffic-smoke"] == [Severity.OK]
        assert "Compose: 200 OK" in screen_text(app) and "Kubernetes: 200 OK" in screen_text(app)


async def test_read_only_sends_no_smoke_request() -> None:
    app = demo_app(fixed=True, read_only=True, follow_live=False)
    async with app.run_test(size=WIDE) as pilot:
        await open_traffic(pilot, app)
        assert "not run in read-only mode" in screen_text(app)


async def test_the_live_drain_shows_each_container_and_stops_on_rerun_and_quit() -> None:
    app = demo_app(fixed=True)
    async with app.run_test(size=SMALL) as pilot:
        body = await open_traffic(pilot, app)
        await wait_for(pilot, lambda: body.live is not None, "the live drain to start")
        first = body.live
        assert first is not None and first.containers == ("email-rag-frontend-1",)
        await wait_for(
            pilot,
            lambda: "email-rag-frontend-1: 0 B/s in, 0 packets/s: quiet" in screen_text(app),
            "the first live rate",
        )
        assert "Live drain, one engine stats stream per container" in screen_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert first.stopped  # the old streams close; the new run follows its own
        await wait_for(pilot, lambda: body.live not in (None, first), "the drain to follow again")
        second = body.live
        assert second is not None
        # Another step opened: the streams close (nobody looks at them); back: they open again.
        await pilot.press("1")
        await settle(pilot)
        assert second.stopped and body.live is None
        await pilot.press(TRAFFIC_KEY)
        await wait_for(pilot, lambda: body.live is not None, "the drain to follow once back")
        third = body.live
    assert third is not None and third.stopped  # quitting closed them too


async def test_no_stream_is_opened_for_a_step_never_opened() -> None:
    app = demo_app(fixed=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        body = app.screen.query_one("#traffic", TrafficBody)
        await wait_for(pilot, lambda: bool(body.findings), "the check run at start-up")
        assert body.live is None


def test_problems_come_first_in_each_group() -> None:
    ok = Finding("traffic.web:80", Severity.OK, "web:80 fine")
    info = Finding("traffic.admin:15672", Severity.INFO, "loopback only")
    block = Finding("traffic.web:443", Severity.BLOCK, "no Service")
    warn = Finding("traffic.api:8080", Severity.WARN, "ClusterIP only")
    name = Finding("traffic.name:shop.test", Severity.BLOCK, "old host")
    rows = rows_of("traffic-exposure", [ok, info, block, name, warn])
    assert rows == (block, warn, ok, info)  # the rest keep the check's order
    assert rows_of("traffic-names", [ok, name]) == (name,)
