"""The real `Vault`: the OS keyring through the `keyring` package, never allowed to hang.

A keyring can block forever: a locked Secret Service collection waits for an unlock prompt that
nobody sees in an SSH session, and a D-Bus that accepted the connection may never answer. So
every keyring call runs under a deadline (`timeout`, 5 s by default) and a call that overruns
raises KeyringUnavailable; while it still hangs, later calls fail at once instead of piling up.

`status()` tells, before anything is stored, whether the keyring can be used here and if not,
the exact commands that make it usable. No secret value ever reaches an exception or a log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import closing, suppress
from typing import Any, TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from wizard.errors import KeyringUnavailable
from wizard.gateways.blocking import Overdue, call_with_deadline
from wizard.model import VaultStatus

T = TypeVar("T")

TIMEOUT = 5.0
PROBE_SERVICE = "compose-cutover"
PROBE_KEY = "keyring-probe"

HEADLESS_FIX = (
    "Start a keyring for this shell: `dbus-run-session -- bash`, then "
    "`echo -n 'PASSWORD' | gnome-keyring-daemon --unlock --components=secrets`, and run cutover "
    "in that shell. Or keep secrets in an encrypted file: `pip install keyrings.cryptfile` and "
    "`export PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring`. "
    "Or go on with session-only secrets (kept in memory until cutover exits)."
)
LOCKED_FIX = (
    "Unlock it without a prompt: `echo -n 'PASSWORD' | gnome-keyring-daemon --replace --unlock "
    "--components=secrets` in this D-Bus session (or unlock it from the desktop). "
    "Or go on with session-only secrets (kept in memory until cutover exits)."
)


class OsKeyring:
    """The `Vault` protocol over `keyring`; `backend` None means the one keyring would pick."""

    def __init__(self, backend: KeyringBackend | None = None, timeout: float = TIMEOUT) -> None:
        self._backend = backend
        self._timeout = timeout
        self._hung: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"OsKeyring({type(self._backend).__name__ if self._backend else 'auto'})"

    def status(self) -> VaultStatus:
        try:
            backend = self._resolve()
        except KeyringUnavailable as exc:
            return VaultStatus(usable=False, backend="unknown", reason=exc.message, fix=exc.fix)
        name = backend_name(backend)
        absent = _absence(backend)
        if absent:
            return VaultStatus(usable=False, backend=name, reason=absent, fix=HEADLESS_FIX)
        try:
            locked = self._run("Secret Service", lambda: _secret_service_problem(backend))
            if locked:
                return VaultStatus(usable=False, backend=name, reason=locked, fix=LOCKED_FIX)
            self._run("keyring", lambda: backend.get_password(PROBE_SERVICE, PROBE_KEY))
        except KeyringUnavailable as exc:
            return VaultStatus(usable=False, backend=name, reason=exc.message, fix=exc.fix)
        return VaultStatus(usable=True, backend=name)

    def get(self, service: str, key: str) -> str | None:
        backend = self._resolve()
        return self._run("keyring", lambda: backend.get_password(service, key))

    def set(self, service: str, key: str, value: str) -> None:
        backend = self._resolve()
        self._run("keyring", lambda: backend.set_password(service, key, value), secret=value)

    def delete(self, service: str, key: str) -> None:
        """Forget `key`; forgetting one that is not there is fine."""
        backend = self._resolve()

        def forget() -> None:
            # Nothing stored under that key is already the wanted state.
            with suppress(keyring.errors.PasswordDeleteError):
                backend.delete_password(service, key)

        self._run("keyring", forget)

    # --- plumbing ------------------------------------------------------------------------------

    def _resolve(self) -> KeyringBackend:
        if self._backend is None:
            # keyring picks its backend on first use, which may talk to D-Bus: also bounded.
            self._backend = self._run("keyring backend detection", keyring.get_keyring)
        return self._backend

    def _run(self, what: str, call: Callable[[], T], secret: str = "") -> T:
        if self._hung is not None and self._hung.is_alive():
            raise KeyringUnavailable(
                f"An earlier {what} call is still waiting (locked keyring or dead D-Bus?)",
                fix=LOCKED_FIX,
            )
        self._hung = None
        try:
            return call_with_deadline(call, self._timeout, what)
        except Overdue as exc:
            self._hung = exc.thread
            raise KeyringUnavailable(
                f"The {what} did not answer within {self._timeout:g} s: a locked collection "
                "waiting for an unlock prompt, or a D-Bus session that does not answer",
                fix=LOCKED_FIX,
            ) from None
        except KeyringUnavailable:
            raise
        except keyring.errors.NoKeyringError:
            raise KeyringUnavailable(
                "No keyring backend is available here", fix=HEADLESS_FIX
            ) from None
        except keyring.errors.KeyringLocked:
            raise KeyringUnavailable("The keyring is locked", fix=LOCKED_FIX) from None
        except Exception as exc:
            text = _scrub(f"{type(exc).__name__}: {exc}", secret)
            raise KeyringUnavailable(f"The {what} failed: {text}", fix=HEADLESS_FIX) from None


def backend_name(backend: KeyringBackend) -> str:
    """The name PYTHON_KEYRING_BACKEND would take, e.g. keyring.backends.SecretService.Keyring."""
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _absence(backend: KeyringBackend) -> str:
    """Why `backend` cannot store anything, or '' when it might."""
    if isinstance(backend, fail.Keyring):
        return "No keyring backend is available here (no D-Bus session or Secret Service)"
    if isinstance(backend, null.Keyring):
        return "The keyring is disabled (null backend configured)"
    if isinstance(backend, chainer.ChainerBackend) and not list(backend.backends):
        return "No keyring backend is available here (the chain is empty)"
    return ""


def _secret_service_problem(backend: KeyringBackend) -> str:
    """Whether a Secret Service collection would prompt, checked without triggering the prompt."""
    from keyring.backends import SecretService

    chain: list[Any] = list(getattr(backend, "backends", None) or [backend])
    services = [b for b in chain if isinstance(b, SecretService.Keyring)]
    if not services:
        return ""
    import secretstorage  # present whenever the SecretService backend is

    path = getattr(services[0], "preferred_collection", secretstorage.collection.DEFAULT_COLLECTION)
    with closing(secretstorage.dbus_init()) as bus:
        try:
            collection = secretstorage.Collection(bus, path)
        except secretstorage.exceptions.ItemNotFoundException:
            return (
                "The Secret Service has no default collection; storing a secret would prompt "
                "to create one, and nobody can answer that prompt here"
            )
        if collection.is_locked():
            return (
                "The keyring's default collection is locked; using it would wait for an unlock "
                "prompt that nobody can answer here"
            )
    return ""


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text
