"""Quit and come back: the wizard opens where the operator was, with the acknowledgements they made.

Over the demo, whose progress goes to its own state folder (each test gets one: tests/conftest.py).
The same code path serves a real project's `.cutover/state.json`; tests/e2e kills a real process.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import pytest
from textual.widgets import Button, Input

from cutover.cli import main
from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.confirm import ConfirmScreen
from screens.note_line import NoteLine
from screens.sidebar import ChecklistSidebar
from tests.ui.conftest import SMALL, screen_text, settle, view_only_gateways, workers_done
from tests.ui.gate_support import GATE_KEY, gate_bodies
from wizard.config import CutoverConfig
from wizard.demo import DemoCluster, DemoVault
from wizard.gate import load_acknowledgements
from wizard.gateways.factory import build_gateways
from wizard.state.progress import save_progress
from wizard.state.store import state_file_for

# The sample's Secret keys (assets/demo/cutover.yaml).
SECRET_KEYS = (
    "postgres-password",
    "rabbitmq-password",
    "openai-api-key",
    "secret-key",
    "celery-broker-url",
)


def _open_step(app: CutoverApp) -> str:
    screen = app.screen
    assert isinstance(screen, ChecklistScreen)
    return screen.step.id


def _saved(demo_state_dir: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((demo_state_dir / "state.json").read_text())
    return data


def _said(app: CutoverApp) -> list[str]:
    lines = [line.note[0] for line in app.screen.query(NoteLine) if line.note is not None]
    return [*lines, *(n.message for n in app._notifications)]


async def test_quit_and_start_again_opens_the_same_step(
    demo_config: CutoverConfig, demo_state_dir: Path
) -> None:
    first = CutoverApp(demo_config, build_gateways(demo_config))
    async with first.run_test(size=SMALL) as pilot:
        await pilot.press("4")
        await settle(pilot)
        assert _open_step(first) == "mapping"
        await pilot.press("q")
    assert _saved(demo_state_dir)["progress"]["step"] == "mapping"  # type: ignore[index]

    again = CutoverApp(demo_config, build_gateways(demo_config))
    async with again.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert _open_step(again) == "mapping"
        assert again.screen.query_one(ChecklistSidebar).item("mapping").has_class("-current")
        toasts = _said(again)  # the open step's note line (screens.note_line), or a toast
        assert any("Resumed at step 4, Mapping diff" in text for text in toasts), toasts


async def test_acknowledgements_survive_a_restart(
    monkeypatch: pytest.MonkeyPatch, demo_config: CutoverConfig
) -> None:
    first = CutoverApp(demo_config, build_gateways(demo_config), bodies=gate_bodies())
    async with first.run_test(size=SMALL) as pilot:
        await pilot.press(GATE_KEY)
        await settle(pilot)
        first.screen.query(".ack-button").first(Button).press()
        await settle(pilot)
    acks = load_acknowledgements(state_file_for(demo_config))
    assert len(acks) == 1

    again = CutoverApp(demo_config, build_gateways(demo_config), bodies=gate_bodies())
    async with again.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert _open_step(again) == "gate"
        assert "acknowledged by ops" in "\n".join(
            str(s.visual) for s in again.screen.query(".ack-done")
        )


def test_fresh_demo_forgets_the_place_the_acknowledgements_and_its_world(
    demo_state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's down touched nothing real, so `--fresh` forgets it with the rest of its world
    (a real project's down record stays: tests/unit/test_demo_world.py)."""
    state = {
        "version": 1,
        "progress": {"step": "gate", "saved": "2026-01-01T00:00:00+00:00"},
        "acknowledgements": [{"check": "x", "who": "ops", "when": "t", "fingerprint": "f"}],
        "down": {"project": "email-rag", "runs": 1},
        "demo": {"secrets": {}},
        "data": {},
    }
    (demo_state_dir / "state.json").write_text(json.dumps(state))
    ran: list[CutoverApp] = []
    monkeypatch.setattr(CutoverApp, "run", lambda self: ran.append(self))
    assert main(["demo", "--fresh"]) == 0
    assert ran, "the wizard was not opened"
    assert _saved(demo_state_dir) == {"version": 1}


async def test_a_secret_applied_before_is_applied_on_reopening(
    demo_config: CutoverConfig,
) -> None:
    """Apply the Secret, quit, reopen: the Secrets step shows every key in the Secret and the
    greeting says what the demo kept; the pods that waited for it run (issue 15, item 7)."""
    typed = {key: f"typed-{key}-value-9" for key in SECRET_KEYS}
    DemoCluster(demo_config).create_secret("email-rag-secrets", typed, {})
    save_progress(state_file_for(demo_config), "secrets")
    app = CutoverApp(demo_config, build_gateways(demo_config))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert _open_step(app) == "secrets"
        said = "\n".join(_said(app))
        assert f"Kept from before: Secret email-rag-secrets applied ({len(typed)} keys;" in said
        text = screen_text(app)
        assert f"{len(typed)} key(s), every referenced key present" in text
        assert "Secret email-rag-secrets: no change" in text  # the preview: it is applied
        await pilot.press("5")
        await settle(pilot)
        health = screen_text(app)
        assert "CreateContainerConfigError" not in health and "CrashLoopBackOff" not in health


async def test_unreadable_state_warns_and_starts_at_the_first_step(
    demo_config: CutoverConfig, demo_state_dir: Path
) -> None:
    (demo_state_dir / "state.json").write_text("{not json")
    app = CutoverApp(demo_config, build_gateways(demo_config))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert _open_step(app) == "preflight"
        toasts = _said(app)  # the open step's note line (screens.note_line), or a toast
        assert any("Move" in text and "state.json" in text for text in toasts), toasts
        await pilot.press("3")
        await settle(pilot)
    assert (demo_state_dir / "state.json").read_text() == "{not json"  # nothing lost


async def test_read_only_reads_the_place_but_never_moves_it(
    demo_config: CutoverConfig, demo_state_dir: Path
) -> None:
    saved = {"version": 1, "progress": {"step": "volumes", "saved": "2026-01-01T00:00:00+00:00"}}
    (demo_state_dir / "state.json").write_text(json.dumps(saved))
    config = dataclasses.replace(demo_config, read_only=True)
    app = CutoverApp(config, build_gateways(config))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert _open_step(app) == "volumes"
        await pilot.press("5")
        await settle(pilot)
    assert _saved(demo_state_dir) == saved


# --- a quit while something outside is being changed asks first ---------------------------------


class HeldVault(DemoVault):
    """The demo keyring, holding each save until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.saving = threading.Event()
        self.go = threading.Event()

    def set(self, service: str, key: str, value: str) -> None:
        self.saving.set()
        assert self.go.wait(10), "the test never let the save go"
        super().set(service, key, value)


async def test_quit_while_a_keyring_save_runs_asks_first(demo_config: CutoverConfig) -> None:
    vault = HeldVault()
    plain = build_gateways(demo_config)
    gateways = plain.replacing(vault=lambda: vault)
    app = CutoverApp(demo_config, gateways)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("2")
        await settle(pilot)
        field = app.screen.query("#secrets Input").first(Input)
        field.focus()
        await pilot.press(*"s3cret-value", "f5")
        assert await _wait(vault.saving)
        await pilot.press("ctrl+q")  # q would type into the field; ctrl+q quits from anywhere
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Secret or keyring write is running" in str(
            app.screen.query_one("#confirm-question").visual
        )
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running
        vault.go.set()
        await settle(pilot)
        await pilot.press("ctrl+q")  # nothing runs now: quits at once
        await pilot.pause()
        assert not app.is_running


async def _wait(event: threading.Event) -> bool:
    import asyncio

    return await asyncio.to_thread(event.wait, 10)


# --- an identity that may not write gets the read-only wizard, and a line saying why ------------


async def test_identity_without_write_access_switches_to_read_only(
    demo_config: CutoverConfig,
) -> None:
    # No write at all: the Secret's, and the Data step's (exec and helper pods, Redis's scale).
    app = CutoverApp(demo_config, view_only_gateways(demo_config), gateways_for=view_only_gateways)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("2")
        await workers_done(app)
        await pilot.pause()
        await settle(pilot)
        assert app.config.read_only
        assert app.gateways.cluster().read_only  # enforced in the gateway, not only on screen
        screen = app.screen
        assert isinstance(screen, ChecklistScreen) and screen.step.id == "secrets"
        assert screen.query("#header-read-only")
        why = str(screen.query_one("#read-only-why").visual)
        assert "Read-only because demo-admin may not create or patch secrets in 'email-rag'." in why
        assert not screen.query("#secrets Input")  # no entry fields


async def test_identity_that_may_write_keeps_the_full_wizard(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert not demo_app.config.read_only
        assert not demo_app.screen.query("#read-only-why")


def test_a_wizard_that_crashed_does_not_exit_0(monkeypatch: pytest.MonkeyPatch) -> None:
    def crashed(self: CutoverApp) -> None:
        self._return_code = 1  # what Textual sets when the app dies on an exception

    monkeypatch.setattr(CutoverApp, "run", crashed)
    assert main(["demo"]) == 1
