"""The Gate step's snapshots (blocked, ready, done) at 80x24 and 160x48, on the demo.

Every verdict is the real gate's over the demo's gateways (the demo settled: its pods do not
move); only who acknowledged and when, the evaluation time and the rollback's paths are fixed
(tests/ui/gate_support.py). Blocked: the planted sample as it opens. Ready: `--fixed` with the
Secret applied and the data copied, every warning acknowledged on screen. Done: then down.
Regenerate on purpose only: `.venv/bin/pytest tests/ui --snapshot-update`, then read the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from screens.app import CutoverApp
from tests.ui.conftest import SMALL, WIDE, settle
from tests.ui.gate_support import (
    acknowledge_every_warning,
    fixed_demo_before_the_gate,
    gate_bodies,
    open_gate,
)

SnapCompare = Callable[..., bool]
SIZES = pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])


async def _ready(pilot: Pilot[None]) -> None:
    await open_gate(pilot)
    await acknowledge_every_warning(pilot)
    await settle(pilot)


async def _done(pilot: Pilot[None]) -> None:
    await _ready(pilot)
    pilot.app.screen.query_one("#gate-confirm", Input).focus()
    await pilot.press(*"email-rag", "enter")
    await settle(pilot)


@SIZES
def test_gate_blocked(
    snap_compare: SnapCompare, demo_app: CutoverApp, size: tuple[int, int]
) -> None:
    demo_app.bodies = gate_bodies()
    assert snap_compare(demo_app, terminal_size=size, run_before=open_gate)


@SIZES
def test_gate_ready(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    config, gateways = fixed_demo_before_the_gate()
    app = CutoverApp(config, gateways, bodies=gate_bodies())
    assert snap_compare(app, terminal_size=size, run_before=_ready)


@SIZES
def test_gate_done(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    config, gateways = fixed_demo_before_the_gate()
    app = CutoverApp(config, gateways, bodies=gate_bodies())
    assert snap_compare(app, terminal_size=size, run_before=_done)
