"""The real Vault's own logic: deadlines, backend detection, messages. The backends here are tiny
in-test classes: they test our timeout and translation, not the keyring (the integration tests
use the real Secret Service)."""

from __future__ import annotations

import threading
import time
from typing import Any

import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, fail, null

from wizard.errors import KeyringUnavailable
from wizard.gateways.vault import LOCKED_FIX, OsKeyring

SECRET = "pa55-word-that-must-not-leak"


class MemoryKeyring(KeyringBackend):
    priority = -1  # never picked by keyring's own detection

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("No such password!")
        del self.store[(service, username)]


class BlockingKeyring(MemoryKeyring):
    """Waits like a locked collection whose unlock prompt nobody answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(30)


class LeakyKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"could not store {password!r}")


def test_round_trip_and_idempotent_delete() -> None:
    vault = OsKeyring(MemoryKeyring())
    assert vault.status().usable
    vault.set("email-rag", "postgres-password", SECRET)
    assert vault.get("email-rag", "postgres-password") == SECRET
    vault.delete("email-rag", "postgres-password")
    vault.delete("email-rag", "postgres-password")
    assert vault.get("email-rag", "postgres-password") is None


def test_a_blocking_keyring_times_out_and_later_calls_fail_fast() -> None:
    backend = BlockingKeyring()
    vault = OsKeyring(backend, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(KeyringUnavailable, match=r"did not answer within 0\.3 s") as caught:
        vault.set("svc", "key", SECRET)
    assert time.monotonic() - started < 1.5
    assert "gnome-keyring-daemon" in caught.value.fix and SECRET not in repr(caught.value)
    started = time.monotonic()
    with pytest.raises(KeyringUnavailable, match="still waiting"):
        vault.get("svc", "key")
    status = vault.status()
    assert not status.usable and "still waiting" in status.reason
    assert time.monotonic() - started < 0.5
    backend.release.set()  # the abandoned call ends; the vault works again
    time.sleep(0.1)
    assert vault.get("svc", "key") is None


def test_status_of_a_blocking_keyring_is_unusable_not_hung() -> None:
    backend = BlockingKeyring()
    started = time.monotonic()
    status = OsKeyring(backend, timeout=0.3).status()
    backend.release.set()
    assert time.monotonic() - started < 1.5
    assert not status.usable and "did not answer" in status.reason and status.fix


def test_no_backend_gives_the_bastion_commands() -> None:
    vault = OsKeyring(fail.Keyring())
    status = vault.status()
    assert not status.usable and status.backend == "keyring.backends.fail.Keyring"
    assert "dbus-run-session -- bash" in status.fix
    assert "gnome-keyring-daemon --unlock --components=secrets" in status.fix
    assert "PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring" in status.fix
    assert "session-only" in status.fix
    with pytest.raises(KeyringUnavailable) as caught:
        vault.set("svc", "key", SECRET)
    assert "dbus-run-session" in caught.value.fix


def test_null_backend_is_not_usable() -> None:
    assert not OsKeyring(null.Keyring()).status().usable


def test_backend_errors_never_carry_the_value() -> None:
    with pytest.raises(KeyringUnavailable) as caught:
        OsKeyring(LeakyKeyring()).set("svc", "key", SECRET)
    err = caught.value
    assert SECRET not in f"{err} {err!r} {err.fix} {err.__cause__!r}"
    assert "could not store" in err.message


def test_a_locked_collection_is_detected_without_prompting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check reads the collection's Locked property; it never calls unlock()."""
    import secretstorage

    calls: list[str] = []

    class Bus:
        def close(self) -> None:
            calls.append("close")

    class LockedCollection:
        def __init__(self, bus: Any, path: str) -> None:
            calls.append(path)

        def is_locked(self) -> bool:
            return True

        def unlock(self) -> None:  # pragma: no cover - must never run
            raise AssertionError("status() must not prompt")

    monkeypatch.setattr(secretstorage, "dbus_init", Bus)
    monkeypatch.setattr(secretstorage, "Collection", LockedCollection)
    backend = SecretService.Keyring()
    monkeypatch.setattr(backend, "get_password", lambda *a: pytest.fail("probed a locked keyring"))
    status = OsKeyring(backend).status()
    assert not status.usable and "locked" in status.reason
    assert status.fix == LOCKED_FIX
    assert calls == ["/org/freedesktop/secrets/aliases/default", "close"]
