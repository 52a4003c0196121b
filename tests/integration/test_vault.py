"""The real Vault against the Secret Service (gnome-keyring) of scripts/with-keyring.sh."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from wizard.errors import KeyringUnavailable
from wizard.gateways.vault import LOCKED_FIX, OsKeyring

VALUE = "pw-" + secrets.token_hex(8)


def test_round_trip(real_keyring: Any) -> None:
    vault = OsKeyring()
    status = vault.status()
    assert status.usable, status
    assert status.backend == "keyring.backends.SecretService.Keyring"
    service = real_keyring.service("round-trip")
    assert vault.get(service, "postgres-password") is None
    vault.set(service, "postgres-password", VALUE)
    assert vault.get(service, "postgres-password") == VALUE
    vault.set(service, "postgres-password", VALUE + "-2")  # replaces, no duplicate
    assert vault.get(service, "postgres-password") == VALUE + "-2"
    vault.delete(service, "postgres-password")
    assert vault.get(service, "postgres-password") is None
    vault.delete(service, "postgres-password")  # already gone: fine


def test_no_keyring_is_a_clear_unusable_status(no_keyring: None) -> None:
    vault = OsKeyring()
    started = time.monotonic()
    status = vault.status()
    assert not status.usable
    assert status.backend == "keyring.backends.fail.Keyring"
    assert "dbus-run-session -- bash" in status.fix
    assert "keyrings.cryptfile" in status.fix and "session-only" in status.fix
    with pytest.raises(KeyringUnavailable) as caught:
        vault.set("compose-cutover-test", "k", VALUE)
    assert VALUE not in f"{caught.value} {caught.value!r} {caught.value.fix}"
    assert time.monotonic() - started < 5.0


# A keyring of its own, in a D-Bus session of its own: it is locked here, which the shared one
# of with-keyring.sh must never be. Our advice (LOCKED_FIX) is then run as printed, verbatim.
LOCKED_SESSION = r"""
set -eu
home=$(mktemp -d /tmp/cutover-locked.XXXXXX)
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$home"' EXIT
mkdir -p "$home/data" "$home/run" && chmod 700 "$home/run"
export XDG_DATA_HOME=$home/data XDG_RUNTIME_DIR=$home/run
pid_of() { sed -n 's/^GNOME_KEYRING_PID=//p'; }
pids=$(printf %s "$PW" | gnome-keyring-daemon --unlock --components=secrets | pid_of)
"$PY" -c "$LOCK_AND_CHECK"
pids="$pids $(bash -c "$FIX" | pid_of)"
"$PY" -c "$CHECK"
"""
LOCK_AND_CHECK = """
import json, time, secretstorage
from wizard.gateways.vault import OsKeyring
with secretstorage.dbus_init() as bus:
    secretstorage.Collection(bus).lock()
started = time.monotonic()
status = OsKeyring(timeout=3).status()
print(json.dumps({"usable": status.usable, "reason": status.reason, "fix": status.fix,
                  "seconds": time.monotonic() - started}))
"""
CHECK = """
import json
from wizard.gateways.vault import OsKeyring
vault = OsKeyring(timeout=3)
vault.set("compose-cutover-test", "k", "v")
print(json.dumps({"usable": vault.status().usable, "value": vault.get("compose-cutover-test", "k")}))
"""


def test_locked_collection_is_detected_and_the_advised_command_unlocks_it() -> None:
    password = secrets.token_hex(8)
    command = re.search(r"`(echo -n 'PASSWORD' \| gnome-keyring-daemon [^`]+)`", LOCKED_FIX)
    assert command, LOCKED_FIX
    env = {
        **os.environ,
        "PW": password,
        "PY": sys.executable,
        "FIX": command.group(1).replace("PASSWORD", password),
        "LOCK_AND_CHECK": LOCK_AND_CHECK,
        "CHECK": CHECK,
        "PYTHONPATH": str(Path(__file__).parents[2]),
    }
    run = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", LOCKED_SESSION],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    locked, unlocked = (
        json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")
    )
    assert not locked["usable"] and "locked" in locked["reason"]
    assert locked["fix"] == LOCKED_FIX and locked["seconds"] < 1.0
    assert unlocked == {"usable": True, "value": "v"}
