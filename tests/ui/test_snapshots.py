"""One snapshot per screen at 80x24 and at a wide size, on the (deterministic) demo.

Regenerate on purpose only (a Textual upgrade, a deliberate change of look):
`.venv/bin/pytest tests/ui --snapshot-update`, then read the SVGs' text before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from textual.pilot import Pilot

from screens.app import CutoverApp
from screens.mapping import MappingBody
from tests.ui.conftest import (
    SMALL,
    WIDE,
    settle,
    unreachable_gateways,
    view_only_gateways,
    workers_done,
)
from wizard.config import CutoverConfig
from wizard.errors import ConfigError
from wizard.gateways import Gateways
from wizard.mapping.model import Plan

SnapCompare = Callable[..., bool]


async def _checks_done(pilot: Pilot[None]) -> None:
    await settle(pilot)


def test_preflight_80x24(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    assert snap_compare(demo_app, terminal_size=SMALL, run_before=_checks_done)


def test_preflight_160x48(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    assert snap_compare(demo_app, terminal_size=WIDE, run_before=_checks_done)


def test_help_80x24(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    assert snap_compare(
        demo_app, terminal_size=SMALL, run_before=_checks_done, press=["question_mark"]
    )


def test_help_160x48(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    # Wide: the help sits above the body, with the keys that work on the mapping's services list.
    assert snap_compare(
        demo_app, terminal_size=WIDE, run_before=_checks_done, press=["4", "question_mark"]
    )


def test_preflight_blocked_80x24(snap_compare: SnapCompare, demo_config: CutoverConfig) -> None:
    # Nothing answers: the blocks and their fixes, as an operator with a dead cluster sees them.
    app = CutoverApp(demo_config, unreachable_gateways())
    assert snap_compare(app, terminal_size=SMALL, run_before=_checks_done)


# --- Mapping: the demo's plan (its planted problems); a broken cutover.yaml on a stand-in ---------


def test_mapping_80x24(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    assert snap_compare(demo_app, terminal_size=SMALL, run_before=_checks_done, press=["4"])


def test_mapping_160x48(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    assert snap_compare(demo_app, terminal_size=WIDE, run_before=_checks_done, press=["4"])


def test_mapping_problems_only_80x24(snap_compare: SnapCompare, demo_app: CutoverApp) -> None:
    # celery's diff, problems only, reading its first problem: the finding, fix and both values.
    keys = ["4", "p", "down", "enter"]
    assert snap_compare(demo_app, terminal_size=SMALL, run_before=_checks_done, press=keys)


def test_mapping_error_80x24(
    snap_compare: SnapCompare,
    monkeypatch: pytest.MonkeyPatch,
    demo_config: CutoverConfig,
    demo_gateways: Gateways,
) -> None:
    def broken(config: CutoverConfig, gateways: Gateways) -> Plan:
        raise ConfigError(
            "cutover.yaml, services.worker: no Compose service is called worker.",
            "Use one of backend, celery, frontend, postgres, rabbitmq, redis.",
        )

    app = CutoverApp(
        demo_config, demo_gateways, bodies={"mapping": partial(MappingBody, build=broken)}
    )
    assert snap_compare(app, terminal_size=SMALL, run_before=_checks_done, press=["4"])


# --- read-only by itself: an identity that may not write --------------------------------------


def _read_only_by_itself(config: CutoverConfig) -> CutoverApp:
    return CutoverApp(config, view_only_gateways(config), gateways_for=view_only_gateways)


async def _switched_then_done(pilot: Pilot[None]) -> None:
    await workers_done(pilot.app)  # the access reviews, then the switch
    await pilot.pause()
    await settle(pilot)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
def test_read_only_by_itself_on_secrets(
    snap_compare: SnapCompare, demo_config: CutoverConfig, size: tuple[int, int]
) -> None:
    app = _read_only_by_itself(demo_config)
    assert snap_compare(app, terminal_size=size, press=["2"], run_before=_switched_then_done)
