"""Issue 15: no text about the keyring wraps a phrase that has brackets in more brackets ("(demo
keyring (in memory, nothing is saved))"). Each kind of keyring the wizard meets, through the
real status() of each (the demo's, session-only, keyring's fail/null/empty-chain backends, one
that does not answer, one that fails with brackets in its error), and every text that shows its
words: Preflight's finding, the Secrets step's finding and its keyring line."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from keyring.backends import chainer, fail, null

from screens.secrets_text import keyring_line
from tests.unit.test_vault_gateway import BlockingKeyring, MemoryKeyring
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.demo import DemoVault
from wizard.gateways.factory import build_gateways
from wizard.gateways.protocols import Vault
from wizard.gateways.vault import OsKeyring
from wizard.model import VaultStatus
from wizard.preflight import check_keyring
from wizard.secrets.overview import gather
from wizard.secrets.store import SecretValues


def nested(text: str) -> bool:
    """Whether a bracket opens inside another."""
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
            if depth > 1:
                return True
        elif char == ")":
            depth = max(0, depth - 1)
    return False


def test_nested_sees_nesting_and_only_nesting() -> None:
    assert nested("(demo keyring (in memory, nothing is saved))")
    assert nested("No usable keyring (No keyring backend is available here (no D-Bus))")
    assert not nested("OS keyring usable (demo keyring) (2 keys)")
    assert not nested("No usable OS keyring — No keyring backend is available here (no D-Bus)")


class _Failing(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown (no such name)")


class _EmptyChain(chainer.ChainerBackend):
    """A chain with nothing in it, wherever the test runs: the real one holds the Secret
    Service backend inside a D-Bus session (`make test` runs under one), and is empty only
    outside it."""

    backends: list[object] = []  # the class property, replaced by an empty list


@pytest.fixture
def hanging() -> Iterator[BlockingKeyring]:
    """Waits like a locked collection whose unlock prompt nobody answers."""
    backend = BlockingKeyring()
    yield backend
    backend.release.set()  # its thread ends with the test


def _kinds(hanging: BlockingKeyring) -> dict[str, Callable[[], Vault | None]]:
    """Each kind of keyring, as the vault the gateways hand out (None: session-only)."""
    overdue = OsKeyring(hanging, timeout=0.05)
    return {
        "demo": DemoVault,
        "fail backend": lambda: OsKeyring(fail.Keyring()),
        "null backend": lambda: OsKeyring(null.Keyring()),
        "empty chain": lambda: OsKeyring(_EmptyChain()),
        "not answering": lambda: overdue,  # first status(): did not answer within 0.05 s
        "still waiting": lambda: overdue,  # the next: an earlier call is still waiting
        "failing": lambda: OsKeyring(_Failing()),
        "session only": lambda: None,
    }


def _texts(config: CutoverConfig, vault: Vault | None) -> list[str]:
    plain = build_gateways(config)
    status = vault.status() if vault is not None else SecretValues(None, "", "", "").status()
    fixed = _Fixed(status, vault)
    gateways = plain.replacing(vault=lambda: fixed)
    texts = [t for f in check_keyring(config, gateways) for t in (f.message, f.fix)]
    view = gather(config, gateways)
    texts += [t for f in view.findings if f.check == "secrets.keyring" for t in (f.message, f.fix)]
    service = view.store.service if view.store is not None else "?"
    session_only = view.store is not None and view.store.session_only
    texts.append(keyring_line(view.vault, service, session_only))
    texts += [status.backend, status.reason]
    return texts


class _Fixed:
    """The vault of one kind, its status read once (so "still waiting" stays what it is)."""

    def __init__(self, status: VaultStatus, vault: Vault | None) -> None:
        self._status = status
        self._vault = vault

    def status(self) -> VaultStatus:
        return self._status

    def get(self, service: str, key: str) -> str | None:
        return self._vault.get(service, key) if self._vault is not None else None

    def set(self, service: str, key: str, value: str) -> None:
        raise AssertionError("nothing is saved here")

    def delete(self, service: str, key: str) -> None:
        raise AssertionError("nothing is deleted here")


def test_no_keyring_text_nests_brackets(hanging: BlockingKeyring) -> None:
    config = resolve_config(Flags(demo=True))
    reasons: dict[str, str] = {}
    for kind, vault in _kinds(hanging).items():
        texts = _texts(config, vault())
        reasons[kind] = texts[-1]
        assert any("keyring" in t.lower() for t in texts), kind
        for text in texts:
            assert not nested(text), (kind, text)
    # The kinds were what they say, and their own words have brackets (kept, not nested).
    assert "(no D-Bus session or Secret Service)" in reasons["fail backend"]
    assert "(null backend configured)" in reasons["null backend"]
    assert "(the chain is empty)" in reasons["empty chain"]
    assert "did not answer within 0.05 s" in reasons["not answering"]
    assert "(locked keyring or dead D-Bus?)" in reasons["still waiting"]
    assert "(no such name)" in reasons["failing"]
    assert reasons["demo"] == reasons["session only"] == ""
