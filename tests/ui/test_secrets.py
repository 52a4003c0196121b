"""The Secrets step on the demo: entry, generate, .env, keyring, preview, confirm, apply."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from textual.pilot import Pilot
from textual.widgets import Input, Static

from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.confirm import ConfirmScreen
from screens.note_line import NoteLine
from screens.secrets import KeyEntry, SecretInput, SecretsBody, SecretsView
from screens.secrets_text import preview_lines
from screens.unsaved import TypedValuesScreen
from tests.ui.conftest import SMALL, screen_text, settle
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.demo import DemoCluster, DemoVault
from wizard.gateways import Gateways
from wizard.gateways.factory import build_gateways
from wizard.model import VaultStatus
from wizard.state.audit import MemoryAuditLog
from wizard.target.model import EnvValue, TargetState

TYPED = "typed-Zq7-" + "x" * 6
SECRET = "email-rag-secrets"
OPENAI = "sk-distinct-Q9w8e7"


async def _open(pilot: Pilot[None]) -> SecretsBody | SecretsView:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    body = pilot.app.screen.query_one("#secrets")
    assert isinstance(body, SecretsView)
    return body


def _field(app: CutoverApp, key: str) -> SecretInput:
    return app.screen.query_one(f"#value-{key}", SecretInput)


def _notes(app: CutoverApp) -> str:
    """What the step said: its note line (screens.note_line), and any toast."""
    lines = [line.note[0] for line in app.screen.query(NoteLine) if line.note is not None]
    return "\n".join([*lines, *(n.message for n in app._notifications)])


async def test_enter_generate_env_save_apply(
    demo_app: CutoverApp, demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        body = await _open(pilot)
        assert isinstance(body, SecretsBody)
        assert isinstance(body.audit, MemoryAuditLog)
        keys = [f.entry.key for f in demo_app.screen.query(SecretInput)]
        assert keys == [
            "postgres-password",
            "rabbitmq-password",
            "openai-api-key",
            "secret-key",
            "celery-broker-url",
        ]
        assert all(f.password for f in demo_app.screen.query(SecretInput))

        # Generating an init-only credential is refused, with the reason.
        _field(demo_app, "postgres-password").focus()
        await pilot.press("f3")
        await settle(pilot)
        assert _field(demo_app, "postgres-password").value == ""
        assert "only takes effect when PostgreSQL first initialises" in _notes(demo_app)
        # ... so it comes from .env, with the plaintext reminder.
        await pilot.press("f4")
        await settle(pilot)
        assert _field(demo_app, "postgres-password").value == "change-me-postgres-password"
        assert ".env.example keeps it in plaintext" in _notes(demo_app)
        for key in ("rabbitmq-password", "celery-broker-url"):
            _field(demo_app, key).focus()
            await pilot.press("f4")
            await settle(pilot)
        # Generated where safe; typed elsewhere.
        _field(demo_app, "secret-key").focus()
        await pilot.press("f3")
        generated = _field(demo_app, "secret-key").value
        assert len(generated) >= 40
        _field(demo_app, "openai-api-key").focus()
        await pilot.press(*OPENAI)
        assert _field(demo_app, "openai-api-key").value == OPENAI

        # Reveal one field only.
        await pilot.press("f2")
        assert not _field(demo_app, "openai-api-key").password
        assert _field(demo_app, "secret-key").password
        await pilot.press("f2")
        assert _field(demo_app, "openai-api-key").password

        # Save to the (demo) keyring.
        await pilot.press("f5")
        await settle(pilot)
        vault = demo_gateways.vault()
        service = "compose-cutover/demo/email-rag/email-rag-secrets"
        assert vault.get(service, "openai-api-key") == OPENAI

        # Apply: preview, confirm, create.
        cluster = demo_gateways.cluster()
        assert cluster.read_secret_keys("email-rag-secrets") is None
        celery = [w for w in cluster.list_workloads() if w.name == "email-rag-celery"]
        assert celery[0].ready == 0
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(demo_app.screen, ConfirmScreen)
        assert "create Secret email-rag-secrets" in screen_text(demo_app)
        await pilot.press("y")
        await settle(pilot)
        secret = cluster.read_secret_keys("email-rag-secrets")
        assert secret is not None and len(secret.keys) == 5
        celery = [w for w in cluster.list_workloads() if w.name == "email-rag-celery"]
        assert celery[0].ready == celery[0].desired  # the demo's worker starts now
        text = screen_text(demo_app)
        assert "every referenced key present" in text
        assert [r["action"] for r in body.audit.read()] == ["create-secret"]

        # Applying again writes nothing.
        await pilot.press("f6")
        await settle(pilot)
        assert not isinstance(demo_app.screen, ConfirmScreen)
        assert len(body.audit.read()) == 1
        for value in (OPENAI, generated, "change-me-postgres-password"):
            assert value not in screen_text(demo_app)
            assert value not in _notes(demo_app)
            assert value not in "\n".join(body.audit.lines)


async def test_no_at_the_confirmation_writes_nothing(
    demo_app: CutoverApp, demo_gateways: Gateways
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        _field(demo_app, "openai-api-key").focus()
        await pilot.press(*TYPED)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(demo_app.screen, ConfirmScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert demo_gateways.cluster().read_secret_keys("email-rag-secrets") is None


async def test_read_only_composes_no_input_at_all() -> None:
    config = resolve_config(Flags(demo=True, read_only=True))
    app = CutoverApp(config, build_gateways(config))
    async with app.run_test(size=SMALL) as pilot:
        body = await _open(pilot)
        assert type(body) is SecretsView
        assert not list(app.screen.query(Input))
        text = screen_text(app)
        assert "read-only view" in text and "Who uses which key" in text
        await pilot.press("f6")  # no such binding here
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)


async def test_coming_back_to_a_field_adds_to_it_rather_than_replacing_it(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await pilot.press("2")
        await settle(pilot)
        first, second = list(demo_app.screen.query(SecretInput))[:2]
        first.focus()
        await pilot.press(*"hunter")
        second.focus()
        await pilot.pause()
        first.focus()
        await pilot.press("2")
        assert first.value == "hunter2"  # a masked value is never selected, so never replaced


# --- issue 15: the preview, notes in the step, placeholders, reveal, typed values kept -----------


def _preview(app: CutoverApp) -> str:
    return str(app.screen.query_one("#secrets-preview", Static).visual)


def _state(app: CutoverApp, key: str) -> str:
    return str(app.screen.query_one(f"#entry-{key} .key-state", Static).visual)


def _agrees(app: CutoverApp, body: SecretsBody) -> None:
    """The preview on screen is the one derived from the rows' source, and says "no value yet"
    for exactly the keys whose row says "no value"."""
    assert body.view is not None
    shown = _preview(app)
    assert shown == "\n".join(preview_lines(body.view))
    missing = next((ln for ln in shown.splitlines() if "no value yet:" in ln), "")
    for key in body.view.spec.keys:
        assert (key in missing) == (_state(app, key) == "no value"), (key, shown)


async def test_every_action_that_changes_a_value_refreshes_the_preview(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        body = await _open(pilot)
        assert isinstance(body, SecretsBody)
        _agrees(demo_app, body)
        _field(demo_app, "secret-key").focus()
        await pilot.press("f3")  # generate
        await settle(pilot)
        assert "add: secret-key" in _preview(demo_app)
        _agrees(demo_app, body)
        _field(demo_app, "postgres-password").focus()
        await pilot.press("f4")  # from .env
        await settle(pilot)
        assert "add: postgres-password, secret-key" in _preview(demo_app)
        _agrees(demo_app, body)
        _field(demo_app, "openai-api-key").focus()
        await pilot.press(*OPENAI)  # typed
        await settle(pilot)
        _agrees(demo_app, body)
        await pilot.press("f5")  # saved: the rows say "in keyring" and the preview still adds them
        await settle(pilot)
        saved = ("postgres-password", "openai-api-key", "secret-key")
        assert [_state(demo_app, k) for k in saved] == ["in keyring"] * 3
        assert "add: postgres-password, openai-api-key, secret-key" in _preview(demo_app)
        assert "no value yet: rabbitmq-password, celery-broker-url" in _preview(demo_app)
        _agrees(demo_app, body)
        _field(demo_app, "celery-broker-url").focus()
        await pilot.press(*"amqp://u:p4ss-Q@mq//")
        await settle(pilot)
        assert "celery-broker-url" in _preview(demo_app).splitlines()[1]
        _field(demo_app, "celery-broker-url").value = ""  # deleted again
        await settle(pilot)
        assert _state(demo_app, "celery-broker-url") == "no value"
        _agrees(demo_app, body)
        _field(demo_app, "openai-api-key").value = ""  # a saved one emptied: the keyring keeps it
        await settle(pilot)
        assert _state(demo_app, "openai-api-key") == "in keyring"
        _agrees(demo_app, body)
        assert OPENAI not in _preview(demo_app) + _notes(demo_app)


async def test_results_and_refusals_are_said_in_the_step_not_over_it(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        line = demo_app.screen.query_one("#secrets NoteLine", NoteLine)
        _field(demo_app, "postgres-password").focus()
        for key, expected in (
            ("f3", "Not generating postgres-password"),
            ("f4", "Took postgres-password from .env.example, though it says change-me"),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert line.note is not None and line.note[0].startswith(expected), line.note
            assert line.note[1] == "warning"
        _field(demo_app, "secret-key").focus()
        await pilot.press("f3", "f5")
        await settle(pilot)
        assert line.note is not None and line.note[0].startswith("Saved 2 key(s)")
        assert not demo_app._notifications  # no toast over the fields or the preview
        # Under the summary, above the fields: it covers nothing.
        summary = demo_app.screen.query_one("#secrets-summary")
        scroll = demo_app.screen.query_one("#secrets-scroll")
        assert summary.region.bottom <= line.region.y < scroll.region.y


async def test_f4_refuses_a_placeholder_with_the_reason(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        _field(demo_app, "openai-api-key").focus()
        await pilot.press("f4")
        await settle(pilot)
        assert _field(demo_app, "openai-api-key").value == ""
        assert _state(demo_app, "openai-api-key") == "no value"
        note = _notes(demo_app)
        assert "Not taken: OPENAI_API_KEY in .env.example says change-me" in note
        assert "F3 generates one" in note
        assert "change-me-openai-api-key" not in note


async def test_a_revealed_value_is_hidden_again_on_leaving_and_on_saving(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        field = _field(demo_app, "openai-api-key")
        field.focus()
        await pilot.press(*OPENAI, "f2")
        assert not field.password
        # The focused field takes a row of its own at 80 columns: the value reads whole.
        await pilot.pause()
        assert field.size.width >= len(OPENAI) + 2
        await pilot.press("escape")  # left
        await pilot.pause()
        assert field.password
        field.focus()
        await pilot.press("f2")
        assert not field.password
        await pilot.press("f5")
        await settle(pilot)
        assert field.password
        assert _state(demo_app, "openai-api-key") == "in keyring"


async def test_quitting_with_typed_values_asks_and_stay_keeps_them(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        _field(demo_app, "openai-api-key").focus()
        await pilot.press(*TYPED, "escape", "q")
        await settle(pilot)
        assert isinstance(demo_app.screen, TypedValuesScreen)
        text = screen_text(demo_app)
        assert "1 value typed and neither saved to the keyring nor applied: openai-api-key" in text
        assert "s: save them to the keyring, then quit" in text
        assert TYPED not in text
        await pilot.press("q")  # not an answer
        assert isinstance(demo_app.screen, TypedValuesScreen)
        await pilot.press("escape")  # stay
        await settle(pilot)
        assert demo_app.is_running and not isinstance(demo_app.screen, TypedValuesScreen)
        assert _field(demo_app, "openai-api-key").value == TYPED


async def test_quitting_with_typed_values_can_save_them_first(
    demo_app: CutoverApp, demo_gateways: Gateways
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        _field(demo_app, "openai-api-key").focus()
        await pilot.press(*TYPED, "ctrl+q")  # from inside the field
        await settle(pilot)
        assert isinstance(demo_app.screen, TypedValuesScreen)
        await pilot.press("s")
        await settle(pilot)
    service = "compose-cutover/demo/email-rag/email-rag-secrets"
    assert demo_gateways.vault().get(service, "openai-api-key") == TYPED
    assert demo_app.return_code == 0


async def test_quitting_with_typed_values_can_discard_them(
    demo_app: CutoverApp, demo_gateways: Gateways
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        _field(demo_app, "openai-api-key").focus()
        await pilot.press(*TYPED, "escape", "q", "d")
        await settle(pilot)
    service = "compose-cutover/demo/email-rag/email-rag-secrets"
    assert demo_gateways.vault().get(service, "openai-api-key") is None
    assert demo_app.return_code == 0


async def test_leaving_the_step_with_typed_values_asks(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        body = await _open(pilot)
        assert isinstance(body, SecretsBody) and body.view is not None
        _field(demo_app, "openai-api-key").focus()
        await pilot.press(*TYPED, "escape", "n")
        await settle(pilot)
        screen = demo_app.screen
        assert isinstance(screen, TypedValuesScreen)
        assert "leave the step" in screen_text(demo_app)
        await pilot.press("d")
        await settle(pilot)
        checklist = demo_app.screen
        assert isinstance(checklist, ChecklistScreen) and checklist.step.id == "volumes"
        assert _field(demo_app, "openai-api-key").value == ""
        assert body.view.store is not None and body.view.store.pending() == []
        # Nothing typed any more: back and forth without a question.
        await pilot.press("b", "n")
        await settle(pilot)
        assert isinstance(demo_app.screen, ChecklistScreen)
        assert demo_app.screen.step.id == "volumes"


async def test_a_keyring_value_shown_again_is_nothing_to_ask_about(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        field = _field(demo_app, "openai-api-key")
        field.focus()
        await pilot.press(*TYPED, "f5")
        await settle(pilot)
        field.value = ""
        await pilot.press("f2")  # fetches the keyring's value into the field
        await settle(pilot)
        assert field.value == TYPED and _state(demo_app, "openai-api-key") == "in keyring"
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert demo_app.return_code == 0


async def test_inside_a_field_the_footer_shows_how_to_leave_and_quit(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        _field(demo_app, "openai-api-key").focus()
        await pilot.pause()
        shown = {
            key: active.binding.action
            for key, active in demo_app.screen.active_bindings.items()
            if active.binding.show
        }
        assert shown.get("escape") == "leave"
        assert shown.get("ctrl+q") in ("quit", "app.quit")


class _NoKeyring(DemoVault):
    """A keyring that says it cannot be used (a plain SSH session): values are session-only."""

    def status(self) -> VaultStatus:
        return VaultStatus(usable=False, backend="none", reason="no Secret Service on this bus")


async def test_session_only_values_ask_before_quitting_without_a_save(
    demo_config: CutoverConfig,
) -> None:
    plain = build_gateways(demo_config)
    gateways = plain.replacing(vault=_NoKeyring)
    app = CutoverApp(demo_config, gateways)
    async with app.run_test(size=SMALL) as pilot:
        await _open(pilot)
        _field(app, "openai-api-key").focus()
        await pilot.press(*TYPED)
        await settle(pilot)
        assert _state(app, "openai-api-key") == "entered (session)"
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, TypedValuesScreen)
        text = screen_text(app)
        assert "1 value typed and not in the Secret yet: openai-api-key" in text
        assert "save" not in text.split("\n\n")[-1] and TYPED not in text
        await pilot.press("s")  # not offered: nothing happens
        assert isinstance(app.screen, TypedValuesScreen)
        await pilot.press("d")
        await settle(pilot)
    assert app.return_code == 0


# --- issue 15: a reload never takes the field being typed in away ---------------------------------


class _SlowKeyring(DemoVault):
    """The demo's keyring, whose reads wait while `answering` is clear: the test decides when a
    reload's keyring read lands (an Event, not a sleep)."""

    def __init__(self) -> None:
        super().__init__()
        self.answering = threading.Event()
        self.answering.set()
        self.reads = 0

    def get(self, service: str, key: str) -> str | None:
        self.reads += 1
        assert self.answering.wait(timeout=10), "the test never let the keyring answer"
        return super().get(service, key)


class _ClusterGainingAKey(DemoCluster):
    """The demo's cluster where, once `gained` is set, the backend also reads `smtp-password`
    from the Secret: as if someone applied a fixed manifest while the operator typed."""

    gained = False

    def read_target(self, selector: str = "") -> TargetState:
        target = super().read_target(selector)
        if not self.gained:
            return target
        first = target.workloads[0]
        container = first.containers[0]
        env = {**container.env, "SMTP_PASSWORD": EnvValue(secret=(SECRET, "smtp-password"))}
        containers = (replace(container, env=env), *first.containers[1:])
        return replace(
            target, workloads=(replace(first, containers=containers), *target.workloads[1:])
        )


def _read_since(keyring: _SlowKeyring, reads: int) -> bool:
    return keyring.reads > reads


async def _until(pilot: Pilot[None], done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not done():
        assert time.monotonic() < deadline, f"not within 10 s: {what}"
        await pilot.pause()


async def test_a_reload_keeps_the_focus_and_the_typed_text_of_the_field(
    demo_config: CutoverConfig,
) -> None:
    """A reload (r, R, after a save or an apply) lands with the keyring read while the operator
    types: the field keeps the focus and every letter, even when the reload brings a new key
    (its row is added; the others stay the same widgets)."""
    plain = build_gateways(demo_config)
    cluster = _ClusterGainingAKey(demo_config)
    keyring = _SlowKeyring()
    app = CutoverApp(demo_config, plain.replacing(cluster=lambda: cluster, vault=lambda: keyring))
    async with app.run_test(size=SMALL) as pilot:
        body = await _open(pilot)
        assert isinstance(body, SecretsBody)
        field = _field(app, "openai-api-key")
        rows = {row.entry.key: row for row in app.screen.query(KeyEntry)}
        field.focus()
        await pilot.press(*"sk-typed")

        for gained in (False, True):  # the same keys; then one more
            keyring.answering.clear()
            cluster.gained = gained
            reads = keyring.reads
            body.rerun()
            # The reload is out, waiting on the keyring: the operator goes on typing.
            await _until(pilot, partial(_read_since, keyring, reads), "the keyring was read")
            await pilot.press(*"-more")
            keyring.answering.set()
            await settle(pilot)
            assert app.focused is field, gained
            assert field.value == "sk-typed" + "-more" * (1 + gained)
            assert _state(app, "openai-api-key") == "entered, not saved"

        keys = [row.entry.key for row in app.screen.query(KeyEntry)]
        assert keys == [*rows, "smtp-password"], keys
        # The rows that were there are the same widgets: nothing was re-mounted.
        assert all(app.screen.query_one(f"#entry-{key}") is row for key, row in rows.items())
        assert _state(app, "smtp-password") == "no value"
        await pilot.press("down")  # ↓ walks the fields, the new one among them
        assert app.focused is _field(app, "secret-key")
