"""The Secrets step's core: which keys, their names, the digest diff, apply, references, audit."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from wizard.compose.model import ComposeProject, ComposeService
from wizard.config import Flags, resolve_config
from wizard.demo import DemoCluster
from wizard.errors import ConfigError, ReadOnlyRefused
from wizard.model import SecretKeys
from wizard.secrets.apply import apply_secret, diff_secret, digest
from wizard.secrets.references import find_references, key_rows, reference_findings
from wizard.secrets.spec import (
    MANAGED_BY,
    SecretEntry,
    SecretSpec,
    build_spec,
    keyring_service,
    secret_key_name,
    secrets_config,
)
from wizard.secrets.store import SecretValues
from wizard.state.audit import AuditLog, AuditRecord, AuditRefused, MemoryAuditLog, record
from wizard.target.model import ContainerSpec, EnvValue, PodVolume, TargetState, TargetWorkload

PW = "pw-" + secrets.token_hex(8)


def _project(env: dict[str, str | None]) -> ComposeProject:
    return ComposeProject("shop", {"api": ComposeService("api", environment=env)})


def _target(*workloads: TargetWorkload, readable: bool = True) -> TargetState:
    return TargetState("shop", workloads=workloads, secrets_readable=readable)


def _workload(name: str, **env: str) -> TargetWorkload:
    refs = {var: EnvValue(secret=("shop-secrets", key)) for var, key in env.items()}
    return TargetWorkload("Deployment", name, containers=(ContainerSpec("c", env=refs),))


# --- which keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ("POSTGRES_PASSWORD", "postgres-password"),
        ("OPENAI_API_KEY", "openai-api-key"),
        ("RABBITMQ_DEFAULT_PASS", "rabbitmq-default-pass"),
        ("Some__Odd.Name", "some-odd.name"),
    ],
)
def test_secret_key_names_are_lower_kebab(env: str, key: str) -> None:
    assert secret_key_name(env) == key


def test_detection_by_name_shape_config_and_reference() -> None:
    project = _project(
        {
            "POSTGRES_PASSWORD": PW,
            "DATABASE_URL": f"postgresql://u:{PW}@db/x",
            "REDIS_URL": "redis://redis:6379/0",
            "KEYBOARD_LAYOUT": "us",
            "SENTRY_DSN": "https://abc@sentry.io/1",
        }
    )
    settings = secrets_config({"keys": {"SENTRY_DSN": None}}, "shop")
    target = _target(_workload("worker", EXTRA="extra-key"))
    spec = build_spec(settings, project, {"OPENAI_API_KEY": "x"}, target)
    assert spec.name == "shop-secrets"
    assert spec.keys == [
        "sentry-dsn",
        "openai-api-key",
        "postgres-password",
        "database-url",
        "extra-key",
    ]
    pg = spec.entry("postgres-password")
    assert pg is not None and pg.init_only and not pg.may_generate
    url = spec.entry("database-url")
    assert url is not None and url.url_embedded and not url.may_generate
    openai = spec.entry("openai-api-key")
    assert openai is not None and openai.may_generate and openai.in_env_file
    extra = spec.entry("extra-key")
    assert extra is not None and extra.env == "" and extra.found_by == ("reference",)


def test_config_renames_and_ignores() -> None:
    project = _project({"DATABASE_URL": f"postgresql://u:{PW}@db/x", "DB_PASS": PW})
    settings = secrets_config(
        {"name": "custom", "keys": {"DB_PASS": "db"}, "ignore": ["DATABASE_URL"]}, "shop"
    )
    spec = build_spec(settings, project, {})
    assert spec.name == "custom" and spec.keys == ["db"]
    assert spec.labels == MANAGED_BY


@pytest.mark.parametrize(
    "raw",
    [{"name": "Bad_Name"}, {"keys": {"X": "bad key!"}}, {"keys": "x"}, {"ignore": "x"}, {"nme": 1}],
)
def test_bad_secrets_config_is_a_clear_error(raw: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as caught:
        secrets_config(raw, "shop")
    assert "secrets" in caught.value.message


def test_keyring_service_name() -> None:
    assert keyring_service("ctx", "ns", "s") == "compose-cutover/ctx/ns/s"


# --- diff ---------------------------------------------------------------------------------------


def _spec(*keys: str) -> SecretSpec:
    return SecretSpec("shop-secrets", tuple(SecretEntry(k) for k in keys))


def test_diff_by_digest_never_values() -> None:
    existing = SecretKeys(
        "shop-secrets", "ns", {"a": digest("same"), "b": digest("old"), "z": digest("x")}
    )
    spec = _spec("a", "b", "c", "d", "e")
    diff = diff_secret(spec, {"a": "same", "b": "new", "c": PW}, existing)
    assert (diff.added, diff.changed, diff.unchanged, diff.missing) == (
        ("c",),
        ("b",),
        ("a",),
        ("d", "e"),
    )
    assert diff.removed == ()  # not pruned: someone else's key is kept
    assert diff_secret(spec, {}, existing, prune=True).removed == ("z",)
    assert PW not in "\n".join(diff.lines()) and "change: b" in "\n".join(diff.lines())


def test_diff_of_an_absent_secret_adds_everything() -> None:
    diff = diff_secret(_spec("a", "b"), {"a": "1"}, None)
    assert not diff.exists and diff.added == ("a",) and diff.missing == ("b",)
    assert diff.lines()[0] == "create Secret shop-secrets"


def test_apply_creates_patches_and_is_idempotent() -> None:
    config = resolve_config(Flags(demo=True))
    cluster = DemoCluster(config)
    audit = MemoryAuditLog()
    spec = SecretSpec("email-rag-secrets", tuple(SecretEntry(k) for k in ("a", "b")))
    first = apply_secret(cluster, spec, {"a": PW, "b": "2"}, audit)
    assert first.wrote and not first.diff.exists
    assert first.secret is not None and first.secret.labels == MANAGED_BY
    second = apply_secret(cluster, spec, {"a": PW, "b": "2"}, audit)
    assert not second.wrote and second.diff.unchanged == ("a", "b")
    third = apply_secret(cluster, spec, {"a": PW, "b": "3"}, audit)
    assert third.wrote and third.diff.changed == ("b",)
    lines = audit.read()
    assert [(r["action"], r["keys"], r["result"]) for r in lines] == [
        ("create-secret", ["a", "b"], "ok"),
        ("patch-secret", ["b"], "ok"),
    ]
    assert PW not in json.dumps(lines)


def test_apply_in_read_only_is_refused_and_audited() -> None:
    config = resolve_config(Flags(demo=True, read_only=True))
    audit = MemoryAuditLog()
    with pytest.raises(ReadOnlyRefused):
        apply_secret(DemoCluster(config), _spec("a"), {"a": PW}, audit)
    assert [r["result"] for r in audit.read()] == ["refused"]


# --- references ---------------------------------------------------------------------------------


def test_references_table_and_findings() -> None:
    whole = TargetWorkload(
        "Deployment",
        "files",
        containers=(ContainerSpec("c", env_from=(("Secret", "shop-secrets"),)),),
        volumes=(PodVolume("certs", "secret", "shop-secrets"),),
    )
    target = _target(_workload("api", DB="db-password"), whole)
    spec = _spec("db-password", "unused")
    refs = find_references(target, "shop-secrets")
    assert {(r.key, r.workload, r.how) for r in refs} == {
        ("db-password", "api", "env DB"),
        ("*", "files", "envFrom"),
        ("*", "files", "volume certs"),
    }
    existing = SecretKeys("shop-secrets", "shop", {"unused": digest("x")})
    rows = key_rows(spec, refs, existing, readable=True)
    assert [(r.key, r.in_cluster, r.workloads) for r in rows] == [
        ("db-password", False, ("api", "files")),
        ("unused", True, ("files",)),
    ]
    found = reference_findings(spec, refs, existing, True, "ctx", "shop")
    assert [f.check for f in found] == ["secrets.missing-key"]
    assert found[0].blocks and "api" in found[0].message


def test_unused_key_is_info_and_unreadable_says_so() -> None:
    target = _target(_workload("api", DB="db-password"))
    refs = find_references(target, "shop-secrets")
    existing = SecretKeys("shop-secrets", "shop", {"db-password": digest("x"), "old": digest("y")})
    found = reference_findings(_spec("db-password"), refs, existing, True, "ctx", "shop")
    assert [(f.check, f.severity.value) for f in found] == [("secrets.unused-key", "info")]
    blind = reference_findings(_spec("db-password"), refs, None, False, "ctx", "shop")
    assert "cannot read secret keys with this identity" in blind[0].message.lower()
    rows = key_rows(_spec("db-password"), refs, None, readable=False)
    assert rows[0].in_cluster is None and rows[0].workloads == ("api",)


# --- session store ------------------------------------------------------------------------------


def test_session_only_values_stay_in_memory() -> None:
    store = SecretValues(None, "ctx", "ns", "s")
    store.keep("a", PW)
    assert store.session_only and store.get("a") == PW and store.save(["a"]) == []
    assert store.in_keyring(["a"]) == {"a": False}
    assert PW not in repr(store)


# --- audit --------------------------------------------------------------------------------------


def test_audit_writes_schema_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / ".cutover")
    log.write(record("ctx", "ns", "create-secret", "Secret/ns/s", ["b", "a"], "ok"))
    (line,) = log.read()
    assert set(line) == {
        "time",
        "os_user",
        "context",
        "namespace",
        "action",
        "object",
        "keys",
        "result",
    }
    assert line["keys"] == ["a", "b"] and line["time"].endswith("+00:00")
    assert (log.path.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    "change",
    [
        {"action": "dump-values"},
        {"result": f"ok {PW}"},
        {"keys": ("a", "has space=" + PW)},
        {"object": "Secret/ns/s value=" + PW},
        {"time": "yesterday"},
        {"os_user": 3},
    ],
)
def test_audit_refuses_what_is_not_in_the_schema(tmp_path: Path, change: dict[str, object]) -> None:
    log = AuditLog(tmp_path)
    fields = record("ctx", "ns", "create-secret", "Secret/ns/s", ["a"], "ok").__dict__ | change
    with pytest.raises(AuditRefused):
        log.write(AuditRecord(**fields))  # type: ignore[arg-type]
    assert log.read() == []


def test_audit_refuses_a_line_holding_a_known_secret(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    token = secrets.token_urlsafe(32)  # looks like a key name: only the value check catches it
    with pytest.raises(AuditRefused) as caught:
        log.write(record("ctx", "ns", "patch-secret", "Secret/ns/s", [token], "ok"), [token])
    assert token not in str(caught.value) and log.read() == []
