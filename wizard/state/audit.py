"""The audit log: one JSON line per change the wizard makes, in `.cutover/audit.jsonl`.

Who, when, where, what, which keys, and how it went; never a value. The writer accepts only a
fixed schema: every field has a type and a pattern, an unknown field or action is refused, and a
line that contains any of the values the caller says are secret is refused before it is written.
A refusal raises AuditRefused, so a mistake shows up as an error, never as a leak on disk.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wizard.errors import CutoverError

FILE_NAME = "audit.jsonl"
STATE_DIR = ".cutover"

ACTIONS = frozenset(
    {
        "create-secret",
        "patch-secret",
        "keyring-save",
        "compose-down",
        "copy-volume",
        "create-pod",
        "delete-pod",
        "scale-workload",
        "stop-container",
        "start-container",
    }
)
RESULTS = frozenset({"ok", "refused", "forbidden", "failed"})
SUBSTRING_MIN = 6
FIELDS = ("time", "os_user", "context", "namespace", "action", "object", "keys", "result")

_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")
_NAME = re.compile(r"^[A-Za-z0-9@:._/+-]{0,300}$")  # user, context, namespace, object
_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")


class AuditRefused(CutoverError):
    """A record did not fit the audit schema (or carried a secret value); nothing was written."""


@dataclass(frozen=True)
class AuditRecord:
    time: str
    os_user: str
    context: str
    namespace: str
    action: str
    object: str
    keys: tuple[str, ...]
    result: str


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record(
    context: str,
    namespace: str,
    action: str,
    obj: str,
    keys: Iterable[str],
    result: str,
) -> AuditRecord:
    """A record stamped now, by the OS user running the wizard."""
    return AuditRecord(now(), os_user(), context, namespace, action, obj, tuple(keys), result)


def validate(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The record as it will be written, or AuditRefused naming the field that does not fit."""
    unknown = sorted(set(fields) - set(FIELDS))
    missing = [f for f in FIELDS if f not in fields]
    if unknown or missing:
        raise AuditRefused(
            f"Audit record refused: unknown fields {unknown}, missing {missing}",
            fix="Only the fixed audit schema may be written.",
        )
    line: dict[str, Any] = {}
    for name in FIELDS:
        value = fields[name]
        if name == "keys":
            if not isinstance(value, list | tuple) or not all(
                isinstance(k, str) and _KEY.match(k) for k in value
            ):
                raise AuditRefused("Audit record refused: `keys` must be Secret key names")
            line[name] = sorted(value)
            continue
        if not isinstance(value, str):
            raise AuditRefused(f"Audit record refused: `{name}` must be text")
        ok = {
            "time": _TIME.match(value) is not None,
            "action": value in ACTIONS,
            "result": value in RESULTS,
        }.get(name, _NAME.match(value) is not None)
        if not ok:
            raise AuditRefused(f"Audit record refused: `{name}` does not fit the audit schema")
        line[name] = value
    return line


def checked_line(entry: AuditRecord, secrets: Iterable[str] = ()) -> str:
    """The JSON line for `entry`; AuditRefused when it does not fit or would hold a secret.

    A field equal to a secret value is refused, and so is a line with a secret value of
    SUBSTRING_MIN characters or more anywhere in it (a shorter one, say "2", is in every
    timestamp and would refuse everything)."""
    line = validate(entry.__dict__)
    text = json.dumps(line)
    fields = {str(v) for v in line.values() if isinstance(v, str)} | set(line["keys"])
    for value in secrets:
        if value and (value in fields or (len(value) >= SUBSTRING_MIN and value in text)):
            raise AuditRefused(
                f"Audit record refused: it would contain a secret value ({entry.action} "
                f"{entry.object})",
                fix="Secret values never go to the audit log; this is a bug, please report it.",
            )
    return text


class AuditLog:
    """Appends records to `<directory>/audit.jsonl` (created 0700, the file 0600)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.directory / FILE_NAME

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r})"

    def write(self, entry: AuditRecord, secrets: Iterable[str] = ()) -> None:
        """Append one record; refuse it when it does not fit, or holds one of `secrets`."""
        text = checked_line(entry, secrets)
        with self._lock:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(text + "\n")

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


class MemoryAuditLog(AuditLog):
    """The demo's audit log: the same checks, kept in memory (the demo saves nothing)."""

    def __init__(self) -> None:
        super().__init__(Path("/nonexistent/demo"))
        self.lines: list[str] = []

    def __repr__(self) -> str:
        return f"MemoryAuditLog({len(self.lines)} records)"

    def write(self, entry: AuditRecord, secrets: Iterable[str] = ()) -> None:
        text = checked_line(entry, secrets)
        self.lines.append(text)

    def read(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


def audit_log_for(project_dir: Path, demo: bool = False, directory: Path | None = None) -> AuditLog:
    """The project's audit log: `<project_dir>/.cutover/audit.jsonl` unless `directory` is given;
    in memory for the demo, whose project dir is the installed package."""
    if demo and directory is None:
        return MemoryAuditLog()
    return AuditLog(directory or project_dir / STATE_DIR)
