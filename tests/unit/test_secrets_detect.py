"""Which variables are secrets, and how their values are masked: pure rules, shared by every step."""

from __future__ import annotations

import pytest

from wizard.secrets.detect import (
    MASK,
    display_value,
    is_reference,
    is_secret_name,
    mask,
    masked_url,
    name_parts,
    url_password,
)


@pytest.mark.parametrize(
    "name",
    [
        "POSTGRES_PASSWORD",
        "RABBITMQ_DEFAULT_PASS",
        "OPENAI_API_KEY",
        "SECRET_KEY",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "SSH_PRIVATE_KEY",
        "GOOGLE_CREDENTIALS",
        "MYSQL_ROOT_PASSWORD",
        "db-password",
        "apiKey",
        "stripeSecret",
        "DBPASSWORD",
        "AUTHTOKEN",
        "SMTP_PASSWD",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "KEYBOARD_LAYOUT",
        "PASSENGER_COUNT",
        "DATABASE_URL",
        "MONKEY_MODE",
        "COMPASS_HEADING",
        "BYPASS_CACHE",
        "TOKENIZER_MODEL",
        "KEYSPACE",
        "UPLOAD_DIR",
        "PWD",
        "POSTGRES_USER",
    ],
)
def test_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)


def test_name_parts_split_separators_and_camel_case() -> None:
    assert name_parts("openaiApiKey") == ["OPENAI", "API", "KEY"]
    assert name_parts("DB__PASS.word") == ["DB", "PASS", "WORD"]


@pytest.mark.parametrize(
    "value",
    [
        "postgresql+asyncpg://pstrag:s3cret@postgres:5432/db",
        "redis://:only-a-password@redis:6379/0",
        "amqp://guest:gu/est@rabbitmq:5672//",
        "mongodb://u:p@a:1,b:2/db?replicaSet=rs",
    ],
)
def test_urls_with_a_password(value: str) -> None:
    assert url_password(value)


@pytest.mark.parametrize(
    "value",
    [
        "redis://redis:6379/0",
        "https://user@example.com/",
        "http://host:8080/path@file",
        "not a url",
        "user:pass@host",
        "",
    ],
)
def test_values_without_a_url_password(value: str) -> None:
    assert not url_password(value)


def test_masked_url_keeps_everything_but_the_password() -> None:
    assert (
        masked_url("postgresql+asyncpg://pstrag:s3cret@postgres:5432/db")
        == f"postgresql+asyncpg://pstrag:{MASK}@postgres:5432/db"
    )
    assert masked_url("redis://:pw@redis:6379/0") == f"redis://:{MASK}@redis:6379/0"
    assert masked_url("amqp://u:p@ss/w@rabbit//") == f"amqp://u:{MASK}@rabbit//"
    assert masked_url("redis://redis:6379/0") == "redis://redis:6379/0"


def test_masked_url_can_keep_a_reference() -> None:
    value = "postgresql://$(USER):$(PASSWORD)@db:5432/app"
    assert masked_url(value, keep_references=True) == value
    assert masked_url(value) == f"postgresql://$(USER):{MASK}@db:5432/app"
    assert masked_url("postgresql://u:lit$(X)@db/app", keep_references=True).count(MASK) == 1


def test_mask_tells_nothing_not_even_the_length() -> None:
    assert mask("a") == mask("a much longer secret value") == MASK == "••••••"


def test_is_reference() -> None:
    assert is_reference("$(POSTGRES_PASSWORD)")
    assert is_reference("${POSTGRES_PASSWORD}")
    assert not is_reference("x$(A)")
    assert not is_reference("hunter2")


def test_display_value() -> None:
    assert display_value("POSTGRES_PASSWORD", "hunter2") == MASK
    assert display_value("DATABASE_URL", "postgres://u:hunter2@db/x") == f"postgres://u:{MASK}@db/x"
    assert display_value("SENTRY_DSN", "abc", secret=True) == MASK
    assert display_value("UPLOAD_DIR", "/app/uploads") == "/app/uploads"
    assert display_value("X", None) is None


@pytest.mark.parametrize(
    "name", ["MYSQL_PWD", "REDIS_AUTH", "BASIC_AUTH", "APP_SALT", "PASSWORD_PEPPER"]
)
def test_secret_names_beyond_the_obvious_words(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["POSTGRES_PASSWORD_FILE", "SSL_KEY_PATH", "SECRETS_DIR", "AUTH_URL", "OAUTH_ENABLED"]
)
def test_where_a_secret_is_and_what_turns_auth_on_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)


def test_a_flag_under_a_secret_name_is_shown() -> None:
    assert display_value("REQUIRE_PASSWORD", "yes") == "yes"
    assert display_value("DB_PASSWORD", "hunter2x") == MASK


def test_redaction_takes_whole_values_never_pieces_of_other_words() -> None:
    from wizard.mapping.redact import Redactor

    redact = Redactor(["postgres", "s3cr3t-value"])
    assert redact("/var/lib/postgresql/data") == "/var/lib/postgresql/data"
    assert redact("--requirepass s3cr3t-value") == f"--requirepass {MASK}"
    assert redact("redis://:postgres@cache:6379") == f"redis://:{MASK}@cache:6379"


def test_a_key_as_a_urls_whole_userinfo_and_a_token_under_an_innocent_name_are_masked() -> None:
    assert masked_url("https://9f8e7d6c5b4a39281706f5e4@o1.ingest.sentry.io/42") == (
        f"https://{MASK}@o1.ingest.sentry.io/42"
    )
    assert masked_url("postgres://app@db:5432/app") == "postgres://app@db:5432/app"  # a user
    assert display_value("SENTRY", "sk-proj-4f9Kq2ZxW8vB7nM1pL0sT6yH") == MASK
    for shown in ("registry.example.com/team/app:1.2.3", "/var/lib/postgresql/data", "yes"):
        assert display_value("SOMETHING", shown) == shown


def test_an_empty_value_is_said_as_such_in_a_sentence() -> None:
    from wizard.mapping.diff_env import _said

    assert _said("") == "an empty value" and _said("x") == "x"
