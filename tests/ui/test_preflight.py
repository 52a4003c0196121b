"""The Preflight step: findings from worker threads, grouped by check, fixes shown, no tracebacks."""

from __future__ import annotations

import threading
from functools import partial

import pytest

from screens.app import CutoverApp
from screens.preflight import CheckGroup, FindingRow, PreflightBody, summary_text
from screens.sidebar import ChecklistSidebar
from screens.step_state import StepState
from tests.support.walk import wait_for
from tests.ui.conftest import SMALL, screen_text, settle, unreachable_gateways
from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.gateways import Gateways
from wizard.preflight import PREFLIGHT_CHECKS, PreflightCheck, run_preflight


def _body(app: CutoverApp) -> PreflightBody:
    return app.screen.query_one("#preflight", PreflightBody)


def _summary(app: CutoverApp) -> str:
    return str(app.screen.query_one("#preflight-summary").visual)  # type: ignore[attr-defined]


async def test_demo_findings_appear_grouped_by_check(
    demo_app: CutoverApp, demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        body = _body(demo_app)
        assert not body.running
        # The same findings `cutover status` reports, in check order.
        assert body.findings == run_preflight(demo_config, demo_gateways)
        groups = list(body.query(CheckGroup))
        assert [g.check.id for g in groups] == [c.id for c in PREFLIGHT_CHECKS]
        for group in groups:
            assert group.findings is not None
            assert len(group.query(FindingRow)) == len(group.findings)
        text = screen_text(demo_app)
        assert "… checking" not in text
        assert _summary(demo_app).endswith(summary_text(body.findings))


async def test_rerun_checks_again(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        before = _body(demo_app).findings
        await pilot.press("r")
        await settle(pilot)
        assert _body(demo_app).findings == before
        assert not _body(demo_app).running


async def test_unreachable_cluster_and_docker_show_blocks_with_fixes(
    demo_config: CutoverConfig,
) -> None:
    app = CutoverApp(demo_config, unreachable_gateways())
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        body = _body(app)

        def blocked() -> set[str]:
            return {f.check for f in body.findings if f.severity is Severity.BLOCK}

        # On a loaded machine the last check may land after the first settle: poll for it.
        await wait_for(pilot, lambda: {"docker", "cluster", "access"} <= blocked(), "the blocks")
        await settle(pilot)
        text = screen_text(app)
        assert "✖ block" in text
        assert "Cannot reach the Docker Engine at unix:///nowhere.sock." in text
        assert "Fix: Start Docker, or point DOCKER_HOST at a running engine." in text
        assert "Fix: Check that the cluster is up: kubectl --context demo cluster-info" in text
        assert "Traceback" not in text and "Traceback" not in app.export_screenshot()
        assert _summary(app).startswith("✖ Preflight: ")
        assert "before going on" in _summary(app)
        assert app.screen.query_one(ChecklistSidebar).state_of("preflight") is StepState.BLOCK


def _explodes(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    raise RuntimeError("bug in a check")


async def test_a_worker_that_dies_becomes_a_block_finding(
    demo_app: CutoverApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bypasses the core's own guard on purpose, to prove the screen's last line of defence.
    checks = (PREFLIGHT_CHECKS[0], PreflightCheck("docker", "Docker host", _explodes))
    demo_app.bodies = {"preflight": partial(PreflightBody, checks=checks)}
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert demo_app.is_running
        body = _body(demo_app)
        assert not body.running
        [died] = [f for f in body.findings if f.check == "docker"]
        assert died.severity is Severity.BLOCK
        assert died.message == "Docker host: the check stopped unexpectedly (RuntimeError)."
        assert "bug in a check" not in died.message  # its text could quote a value
        assert "Press r" in died.fix
        text = screen_text(demo_app)
        assert "Fix: Press r" in text
        assert "Traceback" not in text


def test_summary_line() -> None:
    block = Finding("a", Severity.BLOCK, "m", "f")
    warn = Finding("b", Severity.WARN, "m", "f")
    ok = Finding("c", Severity.OK, "m")
    assert summary_text([block, block, warn]) == (
        "Preflight: 2 blockers, 1 warning — fix the blockers before going on"
    )
    assert summary_text([block]) == "Preflight: 1 blocker — fix the blocker before going on"
    assert summary_text([ok, warn]) == "Preflight passed with 1 warning — read it before going on"
    assert summary_text([ok, Finding("i", Severity.INFO, "m")]) == "Preflight passed"
    # Another step's name, wherever the text names the step (never a replace on the words).
    assert (
        summary_text([block], "Traffic") == "Traffic: 1 blocker — fix the blocker before going on"
    )
    assert summary_text([warn, warn], title="Traffic") == (
        "Traffic passed with 2 warnings — read them before going on"
    )
    assert summary_text([ok], "Traffic") == "Traffic passed"


async def test_results_of_a_restarted_run_are_ignored(
    demo_app: CutoverApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first run's check hangs until released; `r` starts a second run that answers at once.
    release = threading.Event()
    calls: list[int] = []

    def slow_then_fast(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
        calls.append(1)
        if len(calls) == 1:
            release.wait(timeout=10)
            return [Finding("slow", Severity.BLOCK, "stale result", "should never show")]
        return [Finding("slow", Severity.OK, "fresh result")]

    checks = (PreflightCheck("slow", "Slow check", slow_then_fast),)
    demo_app.bodies = {"preflight": partial(PreflightBody, checks=checks)}
    async with demo_app.run_test(size=SMALL) as pilot:
        # The checks start once the first frame is out: wait for the sidebar to say so.
        sidebar = demo_app.screen.query_one(ChecklistSidebar)
        await wait_for(
            pilot, lambda: sidebar.state_of("preflight") is StepState.RUNNING, "Preflight to start"
        )
        body = _body(demo_app)
        assert body.running
        assert "… checking Slow check" in screen_text(demo_app)
        assert demo_app.screen.query_one(ChecklistSidebar).state_of("preflight") is (
            StepState.RUNNING
        )
        await pilot.press("r")
        await pilot.pause()
        release.set()
        await settle(pilot)
        assert [f.message for f in body.findings] == ["fresh result"]
        assert "stale result" not in screen_text(demo_app)
        assert demo_app.screen.query_one(ChecklistSidebar).state_of("preflight") is StepState.OK
