"""The Secrets step against the real API server and the real Secret Service keyring.

Run through scripts/with-keyring.sh (make test does): the keyring is a real gnome-keyring.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from screens.secrets_text import key_state, preview_lines
from wizard.compose.loader import load_project
from wizard.compose.model import ComposeProject
from wizard.config import CutoverConfig
from wizard.errors import Forbidden, ReadOnlyRefused
from wizard.gateways import Gateways
from wizard.gateways.factory import build_gateways
from wizard.gateways.kube.cluster import connect_cluster
from wizard.gateways.vault import OsKeyring
from wizard.secrets.apply import apply_secret, digest, failure_finding
from wizard.secrets.overview import SecretsOverview, gather
from wizard.secrets.spec import MANAGED_BY, keyring_service
from wizard.state.audit import AuditLog

SECRET = "shop-secrets"
DB_PW = "dbpw-" + secrets.token_hex(8)
API_KEY = "sk-" + secrets.token_hex(8)
NEW_API_KEY = "sk2-" + secrets.token_hex(8)

COMPOSE = {
    "services": {
        "api": {
            "image": "local/busybox:1",
            "environment": {
                "OPENAI_API_KEY": "${OPENAI_API_KEY}",
                "DB_PASSWORD": "${DB_PASSWORD}",
                "LOG_LEVEL": "info",
            },
        }
    }
}


def _builtin(config: CutoverConfig) -> ComposeProject:
    return load_project(config, compose_bin=None)


def _config(
    tmp_path: Path, kubeconfig: str, namespace: str, read_only: bool = False
) -> CutoverConfig:
    (tmp_path / "compose.yaml").write_text(yaml.safe_dump(COMPOSE))
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY=from-env-file\nDB_PASSWORD={DB_PW}\n")
    return CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",),
        project_dir=tmp_path,
        project_name="shop",
        env_file=tmp_path / ".env",
        namespace=namespace,
        kubeconfig=kubeconfig,
        read_only=read_only,
    )


def _deployment(admin_api: Any, namespace: str) -> None:
    env = [
        {"name": n, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": k}}}
        for n, k in (("OPENAI_API_KEY", "openai-api-key"), ("DB_PASSWORD", "db-password"))
    ]
    client.AppsV1Api(admin_api).create_namespaced_deployment(
        namespace,
        {
            "metadata": {"name": "shop-api", "labels": {"app": "shop"}},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "shop"}},
                "template": {
                    "metadata": {"labels": {"app": "shop"}},
                    "spec": {"containers": [{"name": "api", "image": "x", "env": env}]},
                },
            },
        },
    )


def _secret(admin_api: Any, namespace: str) -> Any:
    return client.CoreV1Api(admin_api).read_namespaced_secret(SECRET, namespace)


def _decoded(secret: Any) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in (secret.data or {}).items()}


@pytest.fixture
def admin_setup(
    tmp_path: Path, admin_kubeconfig: str, admin_api: Any, namespace: str
) -> Iterator[tuple[CutoverConfig, Gateways]]:
    _deployment(admin_api, namespace)
    config = _config(tmp_path, admin_kubeconfig, namespace)
    yield config, build_gateways(config)


def _open(config: CutoverConfig, gateways: Gateways) -> SecretsOverview:
    return gather(config, gateways, loader=_builtin)


def test_the_preview_from_the_keyrings_digests_is_what_apply_writes(
    admin_setup: tuple[CutoverConfig, Gateways], real_keyring: Any, admin_api: Any, namespace: str
) -> None:
    """Issue 15, item 3: after F5 the screen's preview counts the keyring's values (as digests,
    read from the real keyring) and says exactly what apply then writes to the real Secret."""
    config, gateways = admin_setup
    cluster = gateways.cluster()
    real_keyring.services.append(keyring_service(cluster.identity.context, namespace, SECRET))
    audit = AuditLog(config.project_dir / ".cutover")
    view = _open(config, gateways)
    assert view.store is not None
    view.store.keep("openai-api-key", API_KEY)
    view.store.keep("db-password", DB_PW)
    saved = view.store.save_digests(view.spec.keys)
    assert saved == {"openai-api-key": digest(API_KEY), "db-password": digest(DB_PW)}
    apply_secret(cluster, view.spec, {"db-password": DB_PW}, audit)  # the Secret has one key

    again = _open(config, gateways)  # as after F5 and a reload: nothing typed, all in the keyring
    assert again.store is not None and again.store.pending() == []
    assert again.keyring_digests == saved
    assert API_KEY not in repr(again.keyring_digests) and DB_PW not in repr(again)
    assert [key_state(again, k) for k in again.spec.keys] == ["in keyring", "in keyring"]
    previewed = preview_lines(again)
    assert previewed == [
        f"patch Secret {SECRET}",
        "  add: openai-api-key",
        "  unchanged: db-password",
    ]
    applied = apply_secret(cluster, again.spec, again.store.values(again.spec.keys), audit)
    assert applied.diff.lines() == previewed
    assert _decoded(_secret(admin_api, namespace)) == {
        "openai-api-key": API_KEY,
        "db-password": DB_PW,
    }


def test_enter_keyring_create_reopen_patch_then_no_write(
    admin_setup: tuple[CutoverConfig, Gateways], real_keyring: Any, admin_api: Any, namespace: str
) -> None:
    config, gateways = admin_setup
    cluster = gateways.cluster()
    real_keyring.services.append(keyring_service(cluster.identity.context, namespace, SECRET))
    audit = AuditLog(config.project_dir / ".cutover")

    view = _open(config, gateways)
    assert view.spec.keys == ["openai-api-key", "db-password"]
    assert view.store is not None and not view.store.session_only
    assert view.in_keyring == {"openai-api-key": False, "db-password": False}
    assert {f.check for f in view.findings} >= {"secrets.missing-key"}
    assert [r.workloads for r in view.rows] == [("shop-api",), ("shop-api",)]

    # Enter, save to the keyring, create the Secret.
    view.store.keep("openai-api-key", API_KEY)
    view.store.keep("db-password", DB_PW)
    assert view.store.save(view.spec.keys) == ["openai-api-key", "db-password"]
    created = apply_secret(cluster, view.spec, view.store.values(view.spec.keys), audit)
    assert created.wrote and created.diff.added == ("openai-api-key", "db-password")
    secret = _secret(admin_api, namespace)
    assert _decoded(secret) == {"openai-api-key": API_KEY, "db-password": DB_PW}
    assert secret.type == "Opaque" and secret.metadata.labels == MANAGED_BY

    # Re-open: the keyring has both values, the Secret both keys; nothing blocks any more.
    again = _open(config, gateways)
    assert again.in_keyring == {"openai-api-key": True, "db-password": True}
    assert again.store is not None and again.store.get("openai-api-key") == API_KEY
    assert not [f for f in again.findings if f.blocks]
    assert [r.in_cluster for r in again.rows] == [True, True]

    # Change one key: a patch of that key only.
    again.store.keep("openai-api-key", NEW_API_KEY)
    again.store.save(["openai-api-key"])
    assert OsKeyring().get(again.store.service, "openai-api-key") == NEW_API_KEY
    patched = apply_secret(cluster, again.spec, again.store.values(again.spec.keys), audit)
    assert patched.wrote and patched.diff.changed == ("openai-api-key",)
    assert patched.diff.unchanged == ("db-password",)
    secret = _secret(admin_api, namespace)
    assert _decoded(secret) == {"openai-api-key": NEW_API_KEY, "db-password": DB_PW}
    version = secret.metadata.resource_version

    # Apply again: nothing to write, and the Secret's resourceVersion proves nothing was.
    third = _open(config, gateways)
    assert third.store is not None
    noop = apply_secret(cluster, third.spec, third.store.values(third.spec.keys), audit)
    assert not noop.wrote
    assert _secret(admin_api, namespace).metadata.resource_version == version

    lines = audit.read()
    assert [(r["action"], r["keys"], r["result"]) for r in lines] == [
        ("create-secret", ["db-password", "openai-api-key"], "ok"),
        ("patch-secret", ["openai-api-key"], "ok"),
    ]
    assert all(r["namespace"] == namespace and r["context"] for r in lines)
    text = audit.path.read_text()
    assert not any(v in text for v in (API_KEY, NEW_API_KEY, DB_PW))


def test_prune_removes_a_key_with_a_merge_patch(
    admin_setup: tuple[CutoverConfig, Gateways], admin_api: Any, namespace: str
) -> None:
    config, gateways = admin_setup
    cluster = gateways.cluster()
    cluster.create_secret(SECRET, {"openai-api-key": API_KEY, "stale": "old-value"}, MANAGED_BY)
    view = _open(config, gateways)
    audit = AuditLog(config.project_dir / ".cutover")
    applied = apply_secret(cluster, view.spec, {"db-password": DB_PW}, audit, prune=True)
    assert applied.diff.removed == ("stale",) and applied.diff.added == ("db-password",)
    assert _decoded(_secret(admin_api, namespace)) == {
        "openai-api-key": API_KEY,
        "db-password": DB_PW,
    }


def test_viewer_sees_references_but_cannot_read_or_write(
    tmp_path: Path, viewer_kubeconfig: str, admin_api: Any, namespace: str
) -> None:
    _deployment(admin_api, namespace)
    config = _config(tmp_path, viewer_kubeconfig, namespace, read_only=True)
    view = _open(config, build_gateways(config))
    assert not view.readable
    messages = " ".join(f.message for f in view.findings).lower()
    assert "cannot read secret keys with this identity" in messages
    assert [(r.key, r.in_cluster, r.workloads) for r in view.rows] == [
        ("openai-api-key", None, ("shop-api",)),
        ("db-password", None, ("shop-api",)),
    ]
    # The viewer, not in read-only mode, trying to write: 403, as a clear finding.
    viewer = connect_cluster(viewer_kubeconfig, None, namespace, read_only=False)
    with pytest.raises(Forbidden) as refused:
        viewer.create_secret(SECRET, {"db-password": DB_PW}, MANAGED_BY)
    finding = failure_finding(refused.value)
    assert finding.blocks and "may not create secrets" in finding.message
    assert "auth can-i create secrets" in finding.fix
    assert DB_PW not in f"{finding} {refused.value!r}"
    with pytest.raises(Forbidden):
        viewer.patch_secret(SECRET, {"db-password": DB_PW})


def test_read_only_gateway_sends_no_write(
    admin_setup: tuple[CutoverConfig, Gateways],
    admin_kubeconfig: str,
    admin_api: Any,
    namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, gateways = admin_setup
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    sent: list[str] = []
    pool = cluster._api.rest_client.pool_manager  # the guarded transport
    guarded = pool.urlopen

    def spy(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = guarded(method, url, *args, **kwargs)
        sent.append(method.upper())  # reached only when the guard let the request through
        return response

    monkeypatch.setattr(pool, "urlopen", spy)
    view = _open(config, gateways)
    audit = AuditLog(config.project_dir / ".cutover")
    with pytest.raises(ReadOnlyRefused):
        apply_secret(cluster, view.spec, {"db-password": DB_PW}, audit)
    with pytest.raises(ApiException) as absent:
        _secret(admin_api, namespace)
    assert absent.value.status == 404
    # The existing Secret is not patched either.
    gateways.cluster().create_secret(SECRET, {"db-password": "before"}, MANAGED_BY)
    with pytest.raises(ReadOnlyRefused):
        apply_secret(cluster, view.spec, {"db-password": DB_PW}, audit)
    assert _decoded(_secret(admin_api, namespace)) == {"db-password": "before"}
    assert set(sent) == {"GET"}
    assert [r["result"] for r in audit.read()] == ["refused", "refused"]


def test_session_only_without_a_keyring(
    admin_setup: tuple[CutoverConfig, Gateways], no_keyring: None, admin_api: Any, namespace: str
) -> None:
    config, gateways = admin_setup
    view = _open(config, gateways)
    assert view.store is not None and view.store.session_only
    keyring = [f for f in view.findings if f.check == "secrets.keyring"]
    assert keyring and "session only" in keyring[0].message
    assert "dbus-run-session" in keyring[0].fix and "keyrings.cryptfile" in keyring[0].fix
    view.store.keep("openai-api-key", API_KEY)
    view.store.keep("db-password", DB_PW)
    assert view.store.save(view.spec.keys) == []
    audit = AuditLog(config.project_dir / ".cutover")
    applied = apply_secret(gateways.cluster(), view.spec, view.store.values(view.spec.keys), audit)
    assert applied.wrote
    assert _decoded(_secret(admin_api, namespace)) == {
        "openai-api-key": API_KEY,
        "db-password": DB_PW,
    }


# --- the whole flow on screen, then a search for the values everywhere we wrote or printed ------

LEAK_VALUES = {
    "openai-api-key": "LEAKCHECK-openai-" + secrets.token_hex(6),
    "db-password": "LEAKCHECK-db-" + secrets.token_hex(6),
}


async def test_screen_flow_leaks_no_value(
    tmp_path: Path,
    admin_kubeconfig: str,
    viewer_kubeconfig: str,
    admin_api: Any,
    namespace: str,
    real_keyring: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import logging

    from screens.app import CutoverApp
    from screens.confirm import ConfirmScreen
    from screens.secrets import SecretInput, SecretsBody
    from tests.ui.conftest import screen_text, settle

    caplog.set_level(logging.DEBUG)
    _deployment(admin_api, namespace)
    config = _config(tmp_path, admin_kubeconfig, namespace)
    gateways = build_gateways(config)
    context = gateways.cluster().identity.context
    real_keyring.services.append(keyring_service(context, namespace, SECRET))
    seen: list[str] = []
    app = CutoverApp(config, gateways)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        body = app.screen.query_one("#secrets", SecretsBody)
        for key, value in LEAK_VALUES.items():
            app.screen.query_one(f"#value-{key}", SecretInput).focus()
            await pilot.press(*value)
        seen.append(screen_text(app))
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        seen.append(screen_text(app))
        await pilot.press("y")
        await settle(pilot)
        seen.append(screen_text(app))
        seen.append(app.export_screenshot())
        seen.extend(n.message for n in app._notifications)
        seen.extend(f"{f.message} {f.fix} {f.detail}" for f in body.extra)
        assert "every referenced key present" in screen_text(app)
    assert _decoded(_secret(admin_api, namespace)) == LEAK_VALUES
    assert (
        OsKeyring().get(keyring_service(context, namespace, SECRET), "db-password")
        == (LEAK_VALUES["db-password"])
    )
    # Errors on the way: the viewer's refusal, and a read-only refusal, carry no value either.
    viewer = connect_cluster(viewer_kubeconfig, None, namespace, read_only=False)
    for write in (
        lambda: viewer.patch_secret(SECRET, LEAK_VALUES),
        lambda: connect_cluster(admin_kubeconfig, None, namespace, True).patch_secret(
            SECRET, LEAK_VALUES
        ),
    ):
        with pytest.raises(Exception) as caught:
            write()
        error = caught.value
        seen.append(f"{error} {error!r} {getattr(error, 'fix', '')} {error.args}")
    state_files = [p for p in (tmp_path / ".cutover").rglob("*") if p.is_file()]
    assert state_files, "the audit log was written"
    seen.extend(p.read_text(errors="replace") for p in state_files)
    captured = capsys.readouterr()
    seen.extend([caplog.text, captured.out, captured.err])
    everything = "\n".join(seen)
    for value in LEAK_VALUES.values():
        assert value not in everything
