"""The operator's copy of the secret values: the OS keyring, or this session's memory only.

With a usable keyring, values are saved under service
`compose-cutover/<kube-context>/<namespace>/<secret-name>`, the username being the Secret key,
so a later run (or another operator's shell on the same desktop) finds them. With none (a plain
SSH session on a bastion), the operator may go on session-only: values live in this process's
memory until the wizard exits and go nowhere but the cluster.

Every method may block on the keyring (up to the Vault's timeout): call it from a thread worker.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from wizard.gateways.protocols import Vault
from wizard.model import VaultStatus
from wizard.secrets.apply import digest
from wizard.secrets.spec import keyring_service

# Shown after a colon or a dash (VaultStatus.why_not): no brackets of its own.
SESSION_ONLY = "session only, kept in memory until cutover exits"


class SecretValues:
    """Values for one Secret's keys. `vault` None means session-only."""

    def __init__(self, vault: Vault | None, context: str, namespace: str, secret: str) -> None:
        self._vault = vault
        self.service = keyring_service(context, namespace, secret)
        self._session: dict[str, str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the values, not even their count per key
        where = "keyring" if self._vault is not None else "session-only"
        return f"SecretValues({self.service!r}, {where})"

    @property
    def session_only(self) -> bool:
        return self._vault is None

    def status(self) -> VaultStatus:
        if self._vault is None:
            return VaultStatus(usable=False, backend=SESSION_ONLY)
        return self._vault.status()

    def in_keyring(self, keys: Iterable[str]) -> dict[str, bool]:
        """Whether the keyring holds a value for each key (the values are dropped at once)."""
        if self._vault is None:
            return dict.fromkeys(keys, False)
        return {key: self._vault.get(self.service, key) is not None for key in keys}

    def keyring_digests(self, keys: Iterable[str]) -> dict[str, str]:
        """The sha256 digest of the keyring's value of each key it holds (the values are dropped
        at once): enough for the preview to say what applying would change."""
        if self._vault is None:
            return {}
        found = {}
        for key in keys:
            value = self._vault.get(self.service, key)
            if value is not None:
                found[key] = digest(value)
        return found

    def typed_digests(self) -> dict[str, str]:
        """The digest of each value held this session (never blocks: memory only)."""
        with self._lock:
            return {key: digest(value) for key, value in self._session.items()}

    def get(self, key: str) -> str | None:
        """This session's value, else the keyring's."""
        with self._lock:
            if key in self._session:
                return self._session[key]
        if self._vault is None:
            return None
        return self._vault.get(self.service, key)

    def keep(self, key: str, value: str) -> None:
        """Hold a value for this session (typed, generated or taken from .env); not yet saved."""
        with self._lock:
            self._session[key] = value

    def forget(self, key: str) -> None:
        with self._lock:
            self._session.pop(key, None)

    def forget_saved(self, key: str, saved_digest: str) -> None:
        """Forget this session's value of `key` if it is still the one saved (digest): a value
        typed while the save ran stays pending, to be saved in turn."""
        with self._lock:
            value = self._session.get(key)
            if value is not None and digest(value) == saved_digest:
                del self._session[key]

    def pending(self) -> list[str]:
        """Keys held this session, not necessarily saved."""
        with self._lock:
            return sorted(self._session)

    def save(self, keys: Iterable[str]) -> list[str]:
        """Save this session's values of `keys` to the keyring; the keys saved."""
        return list(self.save_digests(keys))

    def save_digests(self, keys: Iterable[str]) -> dict[str, str]:
        """Save this session's values of `keys` to the keyring; the digest of each value saved
        (what the screen then knows the keyring holds, without the value)."""
        if self._vault is None:
            return {}
        saved = {}
        for key in keys:
            with self._lock:
                value = self._session.get(key)
            if value is not None:
                self._vault.set(self.service, key, value)
                saved[key] = digest(value)
        return saved

    def values(self, keys: Iterable[str]) -> dict[str, str]:
        """The value of every key that has one, this session's winning over the keyring's."""
        found = {}
        for key in keys:
            value = self.get(key)
            if value is not None:
                found[key] = value
        return found
