"""The Volumes and Pod health steps on the (settled) demo, and a stand-in watch that reconnects."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

import pytest

from screens.app import CutoverApp
from screens.health import HealthBody
from screens.sidebar import ChecklistSidebar
from screens.step_state import StepState
from screens.volumes import VolumesBody
from tests.ui.conftest import SMALL, WIDE, screen_text, settle
from wizard.config import CutoverConfig
from wizard.demo import DemoCluster
from wizard.errors import Unreachable
from wizard.gateways.factory import build_gateways
from wizard.health.status import PodRow
from wizard.health.watch import WatchState, WatchStatus, WatchUpdate

NOW = 1_767_225_660.0


async def test_health_shows_each_service_and_the_crash_loop(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        body = demo_app.screen.query_one(HealthBody)
        services = body.query_one("#health-services")
        assert services.row_count == 6  # type: ignore[attr-defined]
        text = screen_text(demo_app)
        assert "4 of 6 services not ready" in text
        assert "Watch: live" in text
        # celery is the second service: its pods crash-loop, with the event and the fix beneath.
        await pilot.press("down")
        await settle(pilot)
        assert body.selected == "celery"
        text = screen_text(demo_app)
        assert "Pods of celery (email-rag-celery)" in text
        assert "Back-off restarting failed container celery" in text
        assert "logs" in text and "--previous" in text
        pods = body.query_one("#health-pods")
        cells = [str(c) for c in pods.get_row_at(0)]  # type: ignore[attr-defined]
        assert cells[1] == "✖ CrashLoopBackOff" and cells[2] == "0/1"
        sidebar = demo_app.screen.query_one(ChecklistSidebar)
        assert sidebar.state_of("health") is StepState.BLOCK


async def test_selection_survives_an_update_and_nothing_repaints_idle(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        body = demo_app.screen.query_one(HealthBody)
        await pilot.press("down", "enter", "down")  # celery, its second pod
        await settle(pilot)
        pods = body.query_one("#health-pods")
        second = pods.ordered_rows[1].key.value  # type: ignore[attr-defined]
        assert pods.cursor_row == 1  # type: ignore[attr-defined]

        before = body.repaints
        for _ in range(3):  # three flushes, nothing arrived: nothing repainted
            body.flush()
        await pilot.pause()
        assert body.repaints == before

        row: PodRow = body.rows["pods"][second]
        body.feed(
            WatchUpdate(
                "pods",
                WatchStatus(WatchState.LIVE),
                changed=MappingProxyType({second: replace(row, restarts=row.restarts + 1)}),
            )
        )
        body.flush()  # what the 0.1 s timer does, now
        await pilot.pause()
        assert body.repaints == before + 1
        assert body.selected == "celery"
        assert pods.cursor_row == 1  # type: ignore[attr-defined]
        assert pods.ordered_rows[1].key.value == second  # type: ignore[attr-defined]
        assert str(pods.get_cell(second, pods.ordered_columns[3].key)).startswith(  # type: ignore[attr-defined]
            str(row.restarts + 1)
        )


async def test_reconnecting_says_how_old_the_data_is(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        body = demo_app.screen.query_one(HealthBody)
        stale = WatchStatus(WatchState.RECONNECTING, stale_since=NOW - 12, error="refused")
        body.feed(WatchUpdate("pods", stale))
        body.flush()  # what the 0.1 s timer does, now
        await pilot.pause()
        text = screen_text(demo_app)
        assert "reconnecting — data 12 s old" in text
        assert "Watch: live" not in text
        body.feed(WatchUpdate("pods", WatchStatus(WatchState.LIVE)))
        body.flush()  # what the 0.1 s timer does, now
        await pilot.pause()
        assert "Watch: live" in screen_text(demo_app)


async def test_volumes_shows_each_claim_and_the_problems(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        body = demo_app.screen.query_one(VolumesBody)
        table = body.query_one("#volumes-table")
        assert table.row_count == 5  # type: ignore[attr-defined]
        rows = {
            str(table.get_row_at(i)[1]): [str(c) for c in table.get_row_at(i)]  # type: ignore[attr-defined]
            for i in range(5)
        }
        assert rows["data-postgres-0"][2] == "✖ Pending"
        assert rows["chroma-data"][4] == "RWO"
        assert rows["upload-data"][3] == "50Gi/50Gi"
        text = screen_text(demo_app)
        assert "FailedBinding" in text
        assert "Use a ReadWriteMany class (NFS)" in text
        assert demo_app.screen.query_one(ChecklistSidebar).state_of("volumes") is StepState.BLOCK
        # A claim turns Bound: the row follows, live.
        pvc = body.rows["persistentvolumeclaims"]["data-postgres-0"]
        bound = replace(pvc, phase="Bound", capacity="20Gi", volume_name="pv-postgres")
        body.feed(
            WatchUpdate(
                "persistentvolumeclaims",
                WatchStatus(WatchState.LIVE),
                changed=MappingProxyType({"data-postgres-0": bound}),
            )
        )
        body.flush()  # what the 0.1 s timer does, now
        await pilot.pause()
        row = [str(c) for c in table.get_row("postgres_data/data-postgres-0")]  # type: ignore[attr-defined]
        assert row[2] == "Bound" and row[3] == "20Gi/20Gi"
        assert "FailedBinding" not in screen_text(demo_app)


async def test_watches_stop_when_the_app_quits(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        handles = [
            *demo_app.screen.query_one(HealthBody).handles,
            *demo_app.screen.query_one(VolumesBody).handles,
        ]
        assert len(handles) == 7
    assert all(h.status.state is WatchState.STOPPED for h in handles)


class _WatchFails(DemoCluster):
    """The demo cluster whose watches cannot be opened: `error` is raised by each."""

    error: Exception = RuntimeError("a bug of ours")

    def watch(self, *args: object, **kwargs: object) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "step", "line"),
    [
        (RuntimeError("bug"), "5", "The pod watch stopped unexpectedly (RuntimeError)."),
        (RuntimeError("bug"), "3", "Reading the claims stopped unexpectedly (RuntimeError)."),
        (
            Unreachable("The API server did not answer.", "Check it is up."),
            "5",
            "The API server did not answer.",
        ),
        (
            Unreachable("The API server did not answer.", "Check it is up."),
            "3",
            "The API server did not answer.",
        ),
    ],
)
async def test_a_watch_that_cannot_open_says_why_in_place_of_the_data(
    demo_config: CutoverConfig, error: Exception, step: str, line: str
) -> None:
    plain = build_gateways(demo_config)

    def cluster() -> DemoCluster:
        broken = _WatchFails(demo_config)
        broken.error = error
        return broken

    app = CutoverApp(demo_config, plain.replacing(cluster=cluster))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(step)
        await settle(pilot)
        text = screen_text(app)
        assert line in text
        assert "Press r" in text or "Fix: Check it is up." in text
        step_id = "health" if step == "5" else "volumes"
        assert app.screen.query_one(ChecklistSidebar).state_of(step_id) is StepState.BLOCK


async def test_a_claim_smaller_than_the_data_it_replaces_is_a_warning(
    demo_config: CutoverConfig,
) -> None:
    """The engine's `system df` sizes reach the Volumes step: 3 GiB of redis data, a 2Gi claim."""
    from wizard.demo import DemoComposeHost

    class Grown(DemoComposeHost):
        def volume_sizes(self, project: str) -> dict[str, int]:
            return {**super().volume_sizes(project), "redis_data": 3 * 1024**3}

    plain = build_gateways(demo_config)
    app = CutoverApp(demo_config, plain.replacing(compose_host=lambda: Grown(demo_config)))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        text = screen_text(app)
        assert "has 3.0Gi of data" in text or "has 3Gi of data" in text, text
        assert "postgres_data has" not in text  # the others fit their claims


def test_the_demo_reports_sizes_that_fit_its_claims(demo_config: CutoverConfig) -> None:
    from wizard.demo import DemoComposeHost

    sizes = DemoComposeHost(demo_config).volume_sizes("email-rag")
    assert set(sizes) == {
        "postgres_data",
        "redis_data",
        "rabbitmq_data",
        "upload_data",
        "chroma_data",
    }
    assert DemoComposeHost(demo_config).volume_sizes("another") == {}
