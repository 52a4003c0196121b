""".cutover/state.json: what the wizard has done so far, so the next run picks up where it stopped.

One JSON object with a section per subject (`progress`, `acknowledgements`, `down`); each writer replaces
only its own section. Writes are atomic (a temporary file in the same folder, fsync, rename), so
a crash or a full disk leaves the previous state, never half a file. Only names, ids, times and
outcomes go in: never a secret value, never an environment value.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.state.audit import STATE_DIR

FILE_NAME = "state.json"
DEMO_STATE_ENV = "CUTOVER_DEMO_STATE_DIR"
VERSION = 1


class StateUnreadable(CutoverError):
    """state.json exists but is not what this tool writes."""


class StateFile:
    """`<directory>/state.json` (the folder created 0700, the file 0600)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.directory / FILE_NAME

    def __repr__(self) -> str:
        return f"StateFile({str(self.path)!r})"

    def read(self) -> dict[str, Any]:
        """The whole state; {} when there is none yet."""
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StateUnreadable(
                f"{self.path} cannot be read: {exc}",
                fix=f"Move {self.path} aside and run again; it only records progress.",
            ) from None
        if not isinstance(data, dict):
            raise StateUnreadable(
                f"{self.path} is not a JSON object",
                fix=f"Move {self.path} aside and run again; it only records progress.",
            )
        return data

    def section(self, name: str) -> Any:
        return self.read().get(name)

    def write_section(self, name: str, value: Any) -> None:
        """Replace one section (None removes it), atomically; the other sections are kept."""
        with self._lock:
            data = self.read()
            data["version"] = VERSION
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
            self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def demo_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where `cutover demo` keeps its progress: not in the bundled sample's folder (it may be
    read-only, and is shared by every user), but in the user's XDG state folder.
    CUTOVER_DEMO_STATE_DIR overrides it (the tests give each test its own)."""
    env = os.environ if env is None else env
    if env.get(DEMO_STATE_ENV):
        return Path(env[DEMO_STATE_ENV])
    base = Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "compose-cutover" / "demo"


def state_file_for(config: CutoverConfig) -> StateFile:
    """`<project_dir>/.cutover/state.json` for a real project; for the demo, in
    `demo_state_dir()`, with a folder of its own for `demo --fixed` (its acknowledgements are not
    the planted demo's)."""
    if not config.demo:
        return StateFile(config.project_dir / STATE_DIR)
    return StateFile(demo_state_dir() / "fixed" if config.demo_fixed else demo_state_dir())
