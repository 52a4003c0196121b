"""What the wizard says when it opens somewhere other than step 1, or after a down: pure words
(no Textual), said in the open step's note line (screens.note_line), not a toast over it.

Why more than "Resumed at step N": reopening the demo after applying its Secret lands on a gate
with every blocker back, and reopening after a finished down says "Not ready" with no word that
down ran (issue 15, item 7). The demo's simulated world starts again at each launch; a real
project's is read fresh; either way the operator is told what was kept and what was not.
"""

from __future__ import annotations

from typing import Any

from wizard.errors import CutoverError
from wizard.state.progress import when_shown
from wizard.state.store import StateFile

DEMO_RESTARTS = (
    "The demo's simulated world starts again each time it opens (the Secret you applied, the "
    "copies, the containers down took away): only your place and acknowledgements are kept."
)


def down_record(state: StateFile) -> Any:
    """state.json's record of the last down; None when there is none or it cannot be read (the
    saved place's own warning says so)."""
    from wizard.gate.down import SECTION  # not before the first paint: gate's imports are many

    try:
        return state.section(SECTION)
    except (CutoverError, OSError, ValueError):
        return None


def down_line(record: Any, project: str) -> str:
    """One line about an earlier down of `project` from state.json's `down` section; "" when
    there is none."""
    if not isinstance(record, dict) or record.get("project") != project:
        return ""
    status = record.get("status")
    if status == "done":
        when = when_shown(str(record.get("finished") or ""))
        return f"Compose down of {project} already finished ({when})."
    if status in ("running", "failed"):
        return (
            f"A Compose down of {project} was interrupted ({status}): the gate's down finishes it."
        )
    return ""


def greeting(
    *, demo: bool, project: str, step: str | None, saved: str, down: Any
) -> tuple[str, str]:
    """(text, severity) for the open step's note line; ("", "") when there is nothing to say.
    `step`: "step 2, Secrets" when resumed past step 1, else None."""
    parts = []
    if step is not None:
        parts.append(
            f"Resumed at {step}, where you were on {when_shown(saved)}; acknowledgements are "
            "kept. `--fresh` starts over."
        )
    ran = down_line(down, project)
    if ran:
        parts.append(ran)
    if demo and parts:
        parts.append(DEMO_RESTARTS)
    severity = "warning" if ran and "interrupted" in ran else "information"
    return (" ".join(parts), severity) if parts else ("", "")
