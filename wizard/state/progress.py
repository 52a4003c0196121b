"""Where the operator is in the checklist, kept in state.json so a quit or a dropped SSH session
resumes at the same step.

Only the step's id and when it was opened go in. The rest of "where things are" lives where it
belongs and is read fresh on the next start: acknowledgements in their own section of the same
file, secret values in the OS keyring, the Secret and the pods in the cluster, an interrupted
down in the `down` section.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.state.store import StateFile, state_file_for
from wizard.steps import CHECKLIST

PROGRESS_SECTION = "progress"
# What `--fresh` forgets: where the operator was and what they acknowledged. The down record
# stays: it is what lets an interrupted down resume safely, and no flag should lose it.
FORGOTTEN_BY_FRESH = (PROGRESS_SECTION, "acknowledgements")


@dataclass(frozen=True)
class Progress:
    step: str  # a CHECKLIST step id
    saved: str  # ISO 8601, UTC

    @property
    def index(self) -> int:
        return next(i for i, step in enumerate(CHECKLIST) if step.id == self.step)

    @property
    def title(self) -> str:
        return CHECKLIST[self.index].title


def load_progress(state: StateFile) -> Progress | None:
    """The saved place, or None when there is none or it names a step this version lacks."""
    raw: Any = state.section(PROGRESS_SECTION)
    if not isinstance(raw, dict):
        return None
    step = raw.get("step")
    if not any(s.id == step for s in CHECKLIST):
        return None
    return Progress(str(step), str(raw.get("saved") or ""))


def save_progress(state: StateFile, step_id: str, now: datetime | None = None) -> None:
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    state.write_section(PROGRESS_SECTION, {"step": step_id, "saved": when})


def forget_progress(state: StateFile, also: Iterable[str] = ()) -> None:
    """`--fresh`: start again at the first step with no acknowledgements; `also`: the sections
    of a world that starts again with it (the demo's: wizard.demo.world.forgotten_sections)."""
    saved = state.read()
    for section in (*FORGOTTEN_BY_FRESH, *also):
        if section in saved:
            state.write_section(section, None)


class SavedPlace:
    """The wizard's saved place for one run: loads it once, saves each step change, and turns a
    state file that cannot be read or written into one warning instead of an error. Read-only
    runs read the place but never write it (a colleague watching must not move the operator's)."""

    def __init__(self, config: CutoverConfig) -> None:
        self.state = state_file_for(config)
        self.read_only = config.read_only
        self.problem = ""  # the first load or save failure, as a line for the operator
        self._warned = False

    def load(self) -> Progress | None:
        try:
            return load_progress(self.state)
        except CutoverError as exc:
            self.problem = f"{exc.message} {exc.fix}".strip()
            self._warned = True  # shown by the screen at start; the saves stay quiet
            return None

    def save(self, step_id: str) -> bool | None:
        """True when saved, None when not tried (read-only), False on the first failure only."""
        if self.read_only:
            return None
        try:
            save_progress(self.state, step_id)
        except (CutoverError, OSError) as exc:
            message = exc.message if isinstance(exc, CutoverError) else str(exc)
            self.problem = f"Progress is not being saved: {message}"
            if self._warned:
                return None
            self._warned = True
            return False
        return True


def when_shown(saved: str) -> str:
    """'2026-11-27 08:41 UTC' from the ISO time saved."""
    try:
        when = datetime.fromisoformat(saved)
    except ValueError:
        return "an earlier run"
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
