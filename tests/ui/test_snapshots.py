"""One snapshot per screen at 80x24 and at a wide size, on the (deterministic) demo.

Regenerate on purpose only (a Textual upgrade, a deliberate change of look):
`.venv/bin/pytest tests/ui --snapshot-update`, then read the SVGs' text before committing.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from screens.app import CutoverApp
from tests.ui.conftest import SMALL, WIDE, settle, unreachable_gateways
from wizard.config import CutoverConfig

SnapCompare = Callable[..., bool]


async def _checks_done(pilot: Pilot[None]) -> None:
    await settle(pilot)


def test_preflight_80x24(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    assert snap_compare(demo_app, terminal_size=SMALL, run_before=_checks_done)


def test_preflight_160x48(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    assert snap_compare(demo_app, terminal_size=WIDE, run_before=_checks_done)


def test_not_yet_step_80x24(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    assert snap_compare(demo_app, terminal_size=SMALL, run_before=_checks_done, press=["2"])


def test_help_80x24(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    assert snap_compare(
        demo_app, terminal_size=SMALL, run_before=_checks_done, press=["question_mark"]
    )


def test_preflight_blocked_80x24(snap_compare: SnapCompare, demo_config: CutoverConfig) -> None:
    # Nothing answers: the blocks and their fixes, as an operator with a dead cluster sees them.
    app = CutoverApp(demo_config, unreachable_gateways())
    assert snap_compare(app, terminal_size=SMALL, run_before=_checks_done)
