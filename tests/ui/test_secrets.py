"""The Secrets step on the demo: entry, generate, .env, keyring, preview, confirm, apply."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from screens.app import CutoverApp
from screens.confirm import ConfirmScreen
from screens.secrets import SecretInput, SecretsBody, SecretsView
from tests.ui.conftest import SMALL, screen_text, settle
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.gateways import Gateways
from wizard.gateways.factory import build_gateways
from wizard.state.audit import MemoryAuditLog

TYPED = "typed-Zq7-" + "x" * 6
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
    return "\n".join(n.message for n in app._notifications)


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
        assert "only takes effect when the database first initialises" in _notes(demo_app)
        # ... so it comes from .env, with the plaintext reminder.
        await pilot.press("f4")
        await settle(pilot)
        assert _field(demo_app, "postgres-password").value == "change-me-postgres-password"
        assert "stays on disk in plaintext" in _notes(demo_app)
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
