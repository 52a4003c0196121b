"""Volumes and Pod health at 80x24 and 160x48, on the settled demo with its clock frozen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from screens.app import CutoverApp
from tests.ui.conftest import SMALL, WIDE, settle

SnapCompare = Callable[..., bool]


async def _settled(pilot: Pilot[None]) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_volumes(snap_compare: SnapCompare, demo_app: CutoverApp, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=_settled, press=["3"])


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_health(snap_compare: SnapCompare, demo_app: CutoverApp, size: tuple[int, int]) -> None:
    # celery selected: its crash-looping pods, the back-off event and the fix.
    assert snap_compare(demo_app, terminal_size=size, run_before=_settled, press=["5", "down"])
