"""Volumes, Pod health, Data and Traffic at 80x24 and 160x48, on the settled demo with its clock frozen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from textual.pilot import Pilot

from screens.app import CutoverApp
from screens.health import HealthBody
from screens.traffic import TrafficBody
from screens.volumes import VolumesBody
from tests.ui.conftest import SMALL, WIDE, settle, settled_live_bodies, workers_done
from wizard.config import Flags, resolve_config
from wizard.gateways.factory import build_gateways

SnapCompare = Callable[..., bool]


async def _on_step(pilot: Pilot[None], *keys: str) -> None:
    """Settle, press the keys, settle again, then run the 0.1 s repaint timer's work now: the
    snapshot must not depend on whether the timer fired before it was taken."""
    await settle(pilot)
    await pilot.press(*keys)
    await settle(pilot)
    for body in (*pilot.app.screen.query(HealthBody), *pilot.app.screen.query(VolumesBody)):
        body.flush()
    await pilot.pause()


async def _volumes(pilot: Pilot[None]) -> None:
    await _on_step(pilot, "3")


async def _health_celery(pilot: Pilot[None]) -> None:
    await _on_step(pilot, "5", "down")


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_volumes(snap_compare: SnapCompare, demo_app: CutoverApp, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=_volumes)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_health(snap_compare: SnapCompare, demo_app: CutoverApp, size: tuple[int, int]) -> None:
    # celery selected: its crash-looping pods, the back-off event and the fix.
    assert snap_compare(demo_app, terminal_size=size, run_before=_health_celery)


async def _data(pilot: Pilot[None]) -> None:
    await _on_step(pilot, "6")
    await workers_done(pilot.app)
    await settle(pilot)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_data(snap_compare: SnapCompare, demo_app: CutoverApp, size: tuple[int, int]) -> None:
    # The plan before any copy: every method, the skipped queue, the first volume's writers.
    assert snap_compare(demo_app, terminal_size=size, run_before=_data)


def _traffic_app() -> CutoverApp:
    """The planted demo with no live drain line (its figures move every second)."""
    config = resolve_config(Flags(demo=True))
    bodies = {**settled_live_bodies(), "traffic": partial(TrafficBody, follow_live=False)}
    return CutoverApp(config, build_gateways(config), bodies=bodies)


async def _traffic(pilot: Pilot[None]) -> None:
    await _on_step(pilot, "7")
    await workers_done(pilot.app)
    await settle(pilot)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_traffic(
    snap_compare: SnapCompare, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The planted demo: the name still on the Compose host, its TTL of 3600 s to lower. The
    # smoke requests' clock stands still: every answer took 0 ms, on every run.
    monkeypatch.setattr("wizard.traffic.smoke.CLOCK", lambda: 0.0)
    assert snap_compare(_traffic_app(), terminal_size=size, run_before=_traffic)
