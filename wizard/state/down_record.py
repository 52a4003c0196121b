"""What state.json says about the last `docker compose down` of a project, for whoever reads it
back: the greeting on reopening, `cutover status`, and the demo's Docker host, which replays
what down removed so that its world agrees with what was done (issue 15, item 7).

wizard.gate.down writes the section as it goes; this only reads it, and forgives a record it
cannot make sense of (no down said is the cautious answer: every check reads the engine anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wizard.errors import CutoverError
from wizard.state.progress import when_shown
from wizard.state.store import StateFile

# The section wizard.gate.down writes (the same name: tests/unit/test_demo_world.py holds them
# together; importing it from there would pull the whole gate into the demo's Docker host).
SECTION = "down"
DONE = "done"
STOP, REMOVE, REMOVE_NETWORK = "stop", "remove", "remove-network"


@dataclass(frozen=True)
class DownRecord:
    project: str
    status: str  # running | failed | done
    finished: str  # ISO 8601, UTC; "" while running
    by: str  # the OS user who confirmed it at the gate; "" when the record does not say
    steps_done: tuple[tuple[str, str], ...]  # (action, name): stop/remove a container, ...

    @property
    def finished_ok(self) -> bool:
        return self.status == DONE

    @property
    def when(self) -> str:
        """'2026-12-04 02:10 UTC', or 'in an earlier run' when the record has no time."""
        shown = when_shown(self.finished)
        return shown if shown[:1].isdigit() else f"in {shown}"

    def names(self, *actions: str) -> set[str]:
        """The containers or networks that down got to with one of `actions`."""
        return {name for action, name in self.steps_done if action in actions}


def parse_down(raw: Any, project: str) -> DownRecord | None:
    """The record of `project`'s down from the section as stored; None for another project's,
    or for anything this version does not recognise."""
    if not isinstance(raw, dict) or raw.get("project") != project:
        return None
    gate = raw.get("gate")
    done = raw.get("done")
    steps = tuple(
        (str(step.get("action", "")), str(step.get("name", "")))
        for step in (done if isinstance(done, list) else ())
        if isinstance(step, dict)
    )
    return DownRecord(
        project=project,
        status=str(raw.get("status") or ""),
        finished=str(raw.get("finished") or ""),
        by=str(gate.get("os_user") or "") if isinstance(gate, dict) else "",
        steps_done=steps,
    )


def load_down(state: StateFile, project: str) -> DownRecord | None:
    """`project`'s down as state.json has it; None when there is none or the file cannot be read
    (the saved place's own warning says that)."""
    try:
        return parse_down(state.section(SECTION), project)
    except (CutoverError, OSError, ValueError):
        return None


def down_said(record: DownRecord | None, rollback: str = "", demo_fresh: str = "") -> str:
    """One or two sentences about an earlier down ("" when there is none), with how to undo it:
    `rollback` the command that starts Compose again; in the demo, whose Compose is simulated
    (that command cannot reach it), `demo_fresh` instead: the demo's own way back."""
    if record is None or record.status not in (DONE, "running", "failed"):
        return ""
    if not record.finished_ok:
        return (
            f"A Compose down of {record.project} was interrupted ({record.status}): the "
            "gate's down finishes it."
        )
    by = f" by {record.by}" if record.by else ""
    said = f"Down already ran: {record.project} was taken down {record.when}{by} (volumes kept)."
    if demo_fresh:
        return (
            f"{said} Roll back: {demo_fresh} (the demo's Compose is simulated; its status "
            "shows the real command)."
        )
    return f"{said} Roll back: {rollback}" if rollback else said
