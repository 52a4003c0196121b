"""The Secrets step's words and decisions apart from the widgets (screens.secrets_text,
wizard.secrets.placeholder): the keys' states and the preview from one source, placeholders
from `.env`, and what quitting would lose."""

from __future__ import annotations

import secrets

import pytest

from screens.secrets_text import env_verdict, key_state, preview_lines, unsaved_line
from wizard.demo.vault import DemoVault
from wizard.model import SecretKeys
from wizard.secrets.apply import diff_digests, diff_secret, digest
from wizard.secrets.overview import SecretsOverview
from wizard.secrets.placeholder import placeholder_reason
from wizard.secrets.spec import SecretEntry, SecretSpec
from wizard.secrets.store import SecretValues

PW = "pw-" + secrets.token_hex(8)
OTHER = "other-" + secrets.token_hex(8)


def _view(*keys: str, existing: dict[str, str] | None = None) -> SecretsOverview:
    spec = SecretSpec("shop-secrets", tuple(SecretEntry(k) for k in keys))
    store = SecretValues(DemoVault(), "ctx", "ns", spec.name)
    secret = SecretKeys(spec.name, "ns", existing) if existing is not None else None
    return SecretsOverview(spec=spec, existing=secret, store=store)


def _save(view: SecretsOverview, key: str, value: str) -> None:
    """F5 as the screen does it: save, learn the digest, forget what was saved."""
    assert view.store is not None
    view.store.keep(key, value)
    saved = view.store.save_digests([key])
    view.keyring_digests.update(saved)
    view.store.forget_saved(key, saved[key])


# --- one source for the rows and the preview (issue 15, item 3) ---------------------------------


def test_after_save_the_preview_counts_the_keyring_values_as_the_rows_do() -> None:
    view = _view("a", "b", "c")
    for key, value in (("a", PW), ("b", OTHER)):
        _save(view, key, value)
    assert [key_state(view, k) for k in "abc"] == ["in keyring", "in keyring", "no value"]
    assert preview_lines(view) == [
        "create Secret shop-secrets",
        "  add: a, b",
        "  no value yet: c",
    ]


def test_every_kind_of_change_moves_rows_and_preview_together() -> None:
    view = _view("a", "b", existing={"a": digest(PW)})
    assert view.store is not None

    def agree() -> None:
        # A key is "no value yet" in the preview exactly when its row says "no value" and the
        # Secret does not have it either.
        lines = preview_lines(view)
        missing = next((ln for ln in lines if ln.startswith("  no value yet:")), "")
        have = view.existing.digests if view.existing is not None else {}
        for key in ("a", "b"):
            expected = key_state(view, key) == "no value" and key not in have
            assert (key in missing.split(": ", 1)[-1].split(", ")) == expected, (key, lines)

    agree()
    view.store.keep("b", OTHER)  # typed (or generated, or from .env)
    assert key_state(view, "b") == "entered, not saved"
    assert "  add: b" in preview_lines(view)
    agree()
    _save(view, "b", OTHER)  # F5
    assert key_state(view, "b") == "in keyring"
    assert "  add: b" in preview_lines(view)
    agree()
    view.store.keep("a", OTHER)  # a new value over one the Secret has
    assert "  change: a" in preview_lines(view)
    view.store.forget("a")  # the field emptied: back to the Secret's own
    assert "  unchanged: a" in preview_lines(view)
    agree()


def test_the_keyring_value_equal_to_the_secret_is_no_change() -> None:
    view = _view("a", existing={"a": digest(PW)})
    _save(view, "a", PW)
    assert preview_lines(view) == ["Secret shop-secrets: no change", "  unchanged: a"]


def test_typed_and_keyring_values_are_counted_apart() -> None:
    view = _view("a", "b")
    assert view.store is not None
    _save(view, "a", PW)
    view.store.keep("b", OTHER)
    assert preview_lines(view)[-1] == "  values: 1 typed (not saved yet), 1 from the keyring"


def test_an_unreadable_secret_has_no_preview() -> None:
    view = _view("a")
    view.readable = False
    assert preview_lines(view) == ["cannot read Secret keys with this identity: no preview"]


def test_diff_by_digest_is_the_diff_by_value() -> None:
    spec = SecretSpec("s", tuple(SecretEntry(k) for k in "abcd"))
    existing = SecretKeys("s", "ns", {"a": digest(PW), "b": digest(PW), "z": digest(PW)})
    values = {"a": PW, "b": OTHER, "c": OTHER}
    wanted = {k: digest(v) for k, v in values.items()}
    for prune in (False, True):
        assert diff_digests(spec, wanted, existing, prune) == diff_secret(
            spec, values, existing, prune
        )


def test_a_value_typed_while_the_save_ran_stays_pending() -> None:
    store = SecretValues(DemoVault(), "ctx", "ns", "s")
    store.keep("a", PW)
    saved = store.save_digests(["a"])
    store.keep("a", OTHER)  # typed on meanwhile
    store.forget_saved("a", saved["a"])
    assert store.pending() == ["a"] and store.get("a") == OTHER
    store.forget_saved("a", digest(OTHER))
    assert store.pending() == []
    assert store.get("a") == PW  # the keyring's


def test_keyring_digests_hold_no_value() -> None:
    store = SecretValues(DemoVault(), "ctx", "ns", "s")
    store.keep("a", PW)
    store.save(["a"])
    found = store.keyring_digests(["a", "b"])
    assert found == {"a": digest(PW)}
    assert PW not in repr(found) and PW not in repr(store)
    assert SecretValues(None, "", "", "").keyring_digests(["a"]) == {}


# --- placeholders taken from .env (issue 15, item 9) --------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "change-me-postgres-password",
        "CHANGEME",
        "change_me",
        "please-replace-me",
        "xxx",
        "XXXXXXXX",
        "sk-xxxxxxxxxxxxxxxx",
        "your-openai-key-here",
        "your_api_key_here",
        "<your token>",
        "${OPENAI_API_KEY}",
        "{{ secret }}",
        "TODO",
        "fixme",
        "placeholder",
        "password",
        "amqp://user:change-me@rabbitmq:5672//",
        "postgres://app:xxxx@db/app",
    ],
)
def test_placeholders_are_recognised_with_a_reason_that_quotes_no_value(value: str) -> None:
    reason = placeholder_reason(value)
    assert reason is not None
    assert not value.strip() or value.strip() not in reason


@pytest.mark.parametrize(
    "value",
    [
        secrets.token_urlsafe(32),
        "sk-proj-4fQ9w8e7R6t5Y4u3",
        "walk-postgres-P3",
        "hunter2",
        "amqp://pstrag:walk-rabbit-Q7@rabbitmq:5672//",
        "ex4mple-but-real",
        "your-team",  # "your-" alone is not the your-...-here pattern
    ],
)
def test_real_looking_values_are_not_placeholders(value: str) -> None:
    assert placeholder_reason(value) is None


def test_a_placeholder_for_a_key_that_may_be_generated_is_refused_with_what_to_do() -> None:
    verdict = env_verdict(
        SecretEntry("openai-api-key", env="OPENAI_API_KEY"), "change-me-x", ".env"
    )
    assert not verdict.take and verdict.severity == "warning"
    assert "OPENAI_API_KEY in .env says change-me" in verdict.note
    assert "F3 generates one" in verdict.note
    assert "change-me-x" not in verdict.note


@pytest.mark.parametrize(
    "entry",
    [
        SecretEntry("postgres-password", env="POSTGRES_PASSWORD", init_only=True),
        SecretEntry("celery-broker-url", env="CELERY_BROKER_URL", url_embedded=True),
    ],
)
def test_a_placeholder_the_running_service_uses_is_taken_with_a_warning(entry: SecretEntry) -> None:
    verdict = env_verdict(entry, "change-me-postgres-password", ".env")
    assert verdict.take and verdict.severity == "warning"
    assert "a placeholder?" in verdict.note and "change it after the cutover" in verdict.note
    assert "change-me-postgres-password" not in verdict.note


def test_a_real_value_from_env_is_taken_quietly() -> None:
    verdict = env_verdict(SecretEntry("secret-key", env="SECRET_KEY"), PW, ".env")
    assert verdict == type(verdict)(True, "Took secret-key from .env.")


def test_f3_is_offered_only_where_a_value_may_be_generated() -> None:
    assert "F3" in env_verdict(SecretEntry("api-token", env="API_TOKEN"), "xxx", ".env").note
    # A URL with a password in it must hold what the broker uses: taken, never generated.
    entry = SecretEntry("broker-url", env="BROKER_URL", url_embedded=True)
    assert "F3" not in env_verdict(entry, "amqp://u:xxx@mq//", ".env").note
    # An init-only password is what the database was initialised with, empty or not.
    assert env_verdict(SecretEntry("db", env="MYSQL_PASSWORD", init_only=True), "", ".env").take


# --- what quitting would lose (what reopening says: tests/unit/test_resume_text.py) ------------


def test_unsaved_line_names_keys_never_values() -> None:
    assert unsaved_line(["a", "b"], session_only=False) == (
        "2 values typed and neither saved to the keyring nor applied: a, b"
    )
    assert unsaved_line(["a"], session_only=True) == "1 value typed and not in the Secret yet: a"
