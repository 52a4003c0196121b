"""The Gate step's snapshots (blocked, ready, done) at 80x24 and 160x48, on the demo.

Deterministic: who acknowledged and when, the evaluation time and the rollback's paths are
fixed (tests/ui/gate_support.py). Every verdict is hand-built, since the demo's own changes as
its simulated pods start: blocked by a missing Secret key, a Pending PVC and a crash loop; ready
with one warning acknowledged on screen; done after the demo's simulated down.
Regenerate on purpose only: `.venv/bin/pytest tests/ui --snapshot-update`, then read the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input

from screens.app import CutoverApp
from tests.ui.conftest import SMALL, WIDE, settle
from tests.ui.gate_support import blocked, ready_once_acknowledged
from wizard.config import CutoverConfig
from wizard.gateways import Gateways

SnapCompare = Callable[..., bool]
SIZES = pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])


async def _open(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("7")  # the gate
    await settle(pilot)


async def _ready(pilot: Pilot[None]) -> None:
    await _open(pilot)
    pilot.app.screen.query(".ack-button").first(Button).press()
    await settle(pilot)


async def _done(pilot: Pilot[None]) -> None:
    await _ready(pilot)
    pilot.app.screen.query_one("#gate-confirm", Input).focus()
    await pilot.press(*"email-rag", "enter")
    await settle(pilot)


@SIZES
def test_gate_blocked(
    snap_compare: SnapCompare,
    monkeypatch: pytest.MonkeyPatch,
    demo_app: CutoverApp,
    size: tuple[int, int],
) -> None:
    demo_app.bodies = blocked()
    assert snap_compare(demo_app, terminal_size=size, run_before=_open)


@SIZES
def test_gate_ready(
    snap_compare: SnapCompare,
    monkeypatch: pytest.MonkeyPatch,
    demo_config: CutoverConfig,
    demo_gateways: Gateways,
    size: tuple[int, int],
) -> None:
    app = CutoverApp(demo_config, demo_gateways, bodies=ready_once_acknowledged())
    assert snap_compare(app, terminal_size=size, run_before=_ready)


@SIZES
def test_gate_done(
    snap_compare: SnapCompare,
    monkeypatch: pytest.MonkeyPatch,
    demo_config: CutoverConfig,
    demo_gateways: Gateways,
    size: tuple[int, int],
) -> None:
    app = CutoverApp(demo_config, demo_gateways, bodies=ready_once_acknowledged())
    assert snap_compare(app, terminal_size=size, run_before=_done)
