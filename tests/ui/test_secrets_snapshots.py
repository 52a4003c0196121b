"""The Secrets step's snapshots at 80x24 and 160x48, on the demo, with values typed in: masked.

Regenerate on purpose only: `.venv/bin/pytest tests/ui --snapshot-update`, then read the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from screens.app import CutoverApp
from screens.secrets import SecretInput
from tests.ui.conftest import SMALL, WIDE, settle

SnapCompare = Callable[..., bool]
TYPED = "snapshot-secret-V4lu3"
SNAPSHOTS = Path(__file__).parent / "__snapshots__"


async def _typed(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    fields = list(pilot.app.screen.query(SecretInput))
    fields[2].focus()
    await pilot.press(*TYPED)
    fields[3].focus()
    await pilot.press(*TYPED)
    await settle(pilot)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_secrets(snap_compare: SnapCompare, demo_app: CutoverApp, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=_typed)


def test_snapshot_files_hold_no_value() -> None:
    for svg in SNAPSHOTS.rglob("*.svg"):
        assert TYPED not in svg.read_text(encoding="utf-8"), svg
