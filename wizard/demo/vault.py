"""A keyring that lives only as long as the demo: values are kept in memory, never saved."""

from __future__ import annotations

import threading

from wizard.model import VaultStatus

DEMO_KEYRING = "demo keyring: in memory, nothing is saved"


class DemoVault:
    """The `Vault` of `cutover demo`: always usable, forgets everything when the demo ends."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def status(self) -> VaultStatus:
        return VaultStatus(usable=True, backend=DEMO_KEYRING)

    def get(self, service: str, key: str) -> str | None:
        with self._lock:
            return self._values.get((service, key))

    def set(self, service: str, key: str, value: str) -> None:
        with self._lock:
            self._values[(service, key)] = value

    def delete(self, service: str, key: str) -> None:
        with self._lock:
            self._values.pop((service, key), None)

    def __repr__(self) -> str:  # never show the values, even in a debugger or a traceback
        return f"DemoVault({len(self._values)} entries)"
