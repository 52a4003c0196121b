"""The Gate step on the demo, keyboard and mouse, at 80x24: refusals first, then a whole down."""

from __future__ import annotations

import dataclasses
import time

from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from screens.app import CutoverApp
from screens.confirm import ConfirmScreen
from screens.gate import GateBody, GateView
from screens.sidebar import ChecklistSidebar
from screens.step_state import StepState
from tests.support.walk import wait_for
from tests.ui.conftest import SMALL, screen_text, settle, shown
from tests.ui.gate_support import (
    ACK_WHO,
    HeldHost,
    LostHost,
    acknowledge_every_warning,
    fixed_demo_before_the_gate,
    gate_bodies,
    open_gate,
    with_host,
)
from wizard.config import CutoverConfig
from wizard.gate import load_acknowledgements
from wizard.gateways import Gateways


def _gate(app: CutoverApp) -> GateView:
    return app.screen.query_one("#gate", GateView)


def _note(app: CutoverApp) -> str:
    return str(app.screen.query_one("#gate-confirm-note", Static).visual)


def _running(gateways: Gateways, config: CutoverConfig) -> list[str]:
    host = gateways.compose_host()
    return [c.name for c in host.project_containers(config.project_name) if c.state == "running"]


async def _type(pilot: Pilot[None], text: str) -> None:
    field = pilot.app.screen.query_one("#gate-confirm", Input)
    field.focus()
    field.value = ""
    await pilot.press(*text, "enter")
    await settle(pilot)


# --- refusals -----------------------------------------------------------------------------------


async def test_demo_gate_blocks_and_down_is_disabled(
    demo_app: CutoverApp, demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await open_gate(pilot)
        body = _gate(demo_app)
        assert isinstance(body, GateBody) and body.verdict is not None
        assert not body.verdict.ready
        checks = {i.finding.check for i in body.verdict.blockers}
        assert "secrets.missing-key" in checks  # the demo's Secret is not there yet
        text = screen_text(demo_app)
        assert body.verdict.summary() in text
        assert "Fix: " in text
        field = demo_app.screen.query_one("#gate-confirm", Input)
        assert field.disabled
        assert "Down is disabled" in _note(demo_app)
        # The preview: what goes, what stays, the command for the record.
        assert "email-rag-frontend-1" in text and "email-rag_postgres_data" in text
        assert "docker compose -p email-rag down" in text
        assert demo_app.screen.query_one(ChecklistSidebar).state_of("gate") is StepState.BLOCK
        # Typing into the disabled field and Enter: nothing reaches the engine.
        await pilot.press(*"email-rag", "enter")
        await settle(pilot)
        assert len(_running(demo_gateways, demo_config)) == 6


async def test_acknowledge_records_who_and_when(demo_app: CutoverApp) -> None:
    demo_app.bodies = gate_bodies()
    async with demo_app.run_test(size=SMALL) as pilot:
        await open_gate(pilot)
        body = _gate(demo_app)
        assert body.verdict is not None
        before = len(body.verdict.unacknowledged)
        first = body.verdict.warnings[0].finding
        button = demo_app.screen.query(".ack-button").first(Button)
        button.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert len(body.verdict.unacknowledged) == before - 1
        (saved,) = load_acknowledgements(body.state)
        assert (saved.check, saved.who, saved.when) == (
            first.check,
            ACK_WHO,
            "2025-03-01T10:00:00+00:00",
        )
        assert f"acknowledged by {ACK_WHO} at 2025-03-01 10:00:00 UTC" in screen_text(demo_app)
        await pilot.press("r")  # evaluated again: the acknowledgement is still on record
        await settle(pilot)
        assert len(body.verdict.unacknowledged) == before - 1


async def test_read_only_has_no_input_no_acknowledge_no_down(
    demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    config = dataclasses.replace(demo_config, read_only=True)
    app = CutoverApp(config, demo_gateways)
    async with app.run_test(size=SMALL) as pilot:
        await open_gate(pilot)
        body = _gate(app)
        assert type(body) is GateView
        assert not body.query(Input) and not body.query(Button)
        assert not body.query("#gate-down")
        assert "Read-only mode" in screen_text(app)
        assert "read-only mode cannot record it" in screen_text(app)


# --- ready: the name, then down -----------------------------------------------------------------


async def test_ready_wrong_name_does_nothing_right_name_takes_it_down() -> None:
    demo_config, demo_gateways = fixed_demo_before_the_gate()
    app = CutoverApp(demo_config, demo_gateways, bodies=gate_bodies())
    async with app.run_test(size=SMALL) as pilot:
        await open_gate(pilot)
        body = _gate(app)
        assert isinstance(body, GateBody) and body.verdict is not None
        assert not body.verdict.blockers  # the fixed sample, Secret applied, data copied
        warnings = len(body.verdict.unacknowledged)
        assert warnings  # what the operator still has to read
        field = app.screen.query_one("#gate-confirm", Input)
        assert field.disabled
        assert f"until the {warnings} warning(s) above are acknowledged" in _note(app)
        assert await acknowledge_every_warning(pilot) == warnings
        await settle(pilot)
        assert body.ready and not field.disabled
        # The next thing to do: focus moves there after a refresh, so wait for it (bounded).
        deadline = time.monotonic() + 5
        while not field.has_focus and time.monotonic() < deadline:
            await pilot.pause()
        assert field.has_focus

        await _type(pilot, "email_rag")
        assert "email_rag is not the project's name: nothing was done" in _note(app)
        assert len(_running(demo_gateways, demo_config)) == 6
        assert body.result is None and body.audit.read() == []

        await _type(pilot, "email-rag")
        assert body.result is not None and body.result.ok, body.result.report()
        host = demo_gateways.compose_host()
        assert host.project_containers(demo_config.project_name) == []
        assert host.project_networks(demo_config.project_name) == []
        assert len(host.project_volumes(demo_config.project_name)) == 5  # every volume kept
        text = screen_text(app)
        assert "email-rag is down" in text
        assert "Kept: every named volume" in text
        assert "docker compose -f /srv/email-rag/docker-compose.prod.yml" in text
        assert "-p email-rag up -d" in text and "point DNS" in text
        assert "done: stop email-rag-frontend-1 (grace 10 s)" in text  # the record
        assert not shown(app.screen.query_one("#gate-checks"))
        (line,) = body.audit.read()
        assert line["action"] == "compose-down" and line["result"] == "ok"
        assert body.state.section("down")["status"] == "done"
        assert field.disabled and "Done" in _note(app)
        assert app.screen.query_one(ChecklistSidebar).state_of("gate") is StepState.OK


async def test_engine_lost_midway_says_what_then_resumes() -> None:
    demo_config, demo_gateways = fixed_demo_before_the_gate()
    host = LostHost(demo_gateways.compose_host(), changes=2)
    app = CutoverApp(demo_config, with_host(demo_gateways, host), bodies=gate_bodies())
    async with app.run_test(size=SMALL) as pilot:
        await open_gate(pilot)
        await acknowledge_every_warning(pilot)
        await settle(pilot)
        await _type(pilot, "email-rag")
        body = _gate(app)
        assert isinstance(body, GateBody)
        first = body.result
        assert first is not None and not first.ok and len(first.done) == 2
        text = screen_text(app)
        assert "stopped midway" in text and "Cannot reach the Docker Engine" in text
        assert "done: stop email-rag-frontend-1" in text
        assert "not done: stop" in text and "not done: remove network" in text
        assert "resume" in _note(app)
        confirm = app.screen.query_one("#gate-confirm", Input)
        deadline = time.monotonic() + 5
        while not confirm.has_focus and time.monotonic() < deadline:
            await pilot.pause()  # focus moves there after a refresh
        assert confirm.has_focus

        host.back()
        await _type(pilot, "email-rag")
        # Down checks everything again first, and Compose is partly stopped now: Preflight warns
        # of the containers the first run stopped, read and acknowledged like any other warning.
        assert body.verdict is not None and body.verdict.unacknowledged
        assert "acknowledged" in _note(app)
        await acknowledge_every_warning(pilot)
        await _type(pilot, "email-rag")
        second = body.result
        assert second is not None, _note(app)
        assert second.ok and second.resumed
        assert host.inner.project_containers(demo_config.project_name) == []
        assert body.state.section("down")["runs"] == 2


async def test_quit_while_down_runs_asks_first() -> None:
    demo_config, demo_gateways = fixed_demo_before_the_gate()
    host = HeldHost(demo_gateways.compose_host())
    app = CutoverApp(demo_config, with_host(demo_gateways, host), bodies=gate_bodies())
    async with app.run_test(size=SMALL) as pilot:
        await open_gate(pilot)
        await acknowledge_every_warning(pilot)
        await settle(pilot)
        field = app.screen.query_one("#gate-confirm", Input)
        field.focus()
        await pilot.press(*"email-rag", "enter")
        assert host.stopping.wait(5)
        progress = "… stop email-rag-frontend-1"  # per container
        await wait_for(pilot, lambda: progress in screen_text(app), progress)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "it closed")
        assert app.is_running
        host.go.set()
        await settle(pilot)
        body = _gate(app)
        assert isinstance(body, GateBody) and body.result is not None and body.result.ok
        await pilot.press("q")  # nothing runs now: quits at once
        await wait_for(pilot, lambda: not app.is_running, "the app quit")
