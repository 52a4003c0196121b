"""What the wizard says when it opens somewhere other than step 1, or after a down: pure words
(no Textual), said in the open step's note line (screens.note_line), not a toast over it.

Why more than "Resumed at step N": reopening the demo after applying its Secret landed on a
gate with every blocker back, and reopening after a finished down said "Not ready" with no word
that down ran (issue 15, item 7). Now the demo replays what was done (wizard.demo.world) and
this says so: what it kept, that down already ran, by whom, and how to roll it back.
A real project's world is read fresh from the cluster and the engine; its down is said the same.
"""

from __future__ import annotations

from typing import Any

from wizard.config import CutoverConfig
from wizard.demo.world import Kept, fresh_command, kept_of
from wizard.errors import CutoverError
from wizard.state.down_record import SECTION, down_said, parse_down
from wizard.state.progress import when_shown
from wizard.state.store import StateFile, state_file_for

DEMO_KEYRING = "its values are not in the in-memory keyring"


def down_record(state: StateFile) -> Any:
    """state.json's record of the last down; None when there is none or it cannot be read (the
    saved place's own warning says so)."""
    try:
        return state.section(SECTION)
    except (CutoverError, OSError, ValueError):
        return None


def down_line(record: Any, project: str, rollback: str = "", demo_fresh: str = "") -> str:
    """One line about an earlier down of `project` from state.json's `down` section; "" when
    there is none."""
    return down_said(parse_down(record, project), rollback, demo_fresh)


def kept_line(kept: Kept | None) -> str:
    """What the demo replayed from its earlier runs; "" when nothing. (Down has its own line;
    acknowledgements are said with the resumed place; `cutover demo --help` says where.)"""
    if not kept or not (kept.secrets or kept.copies):
        return ""
    done = [
        f"Secret {a.secret.name} applied ({len(a.secret.digests)} keys; {DEMO_KEYRING})"
        for a in kept.secrets
    ]
    if kept.copies:
        done.append(f"{kept.copies} volume{'s' if kept.copies != 1 else ''} copied")
    return f"Kept from before: {', '.join(done)}."


def greeting(
    *,
    demo: bool,
    project: str,
    step: str | None,
    saved: str,
    down: Any,
    rollback: str = "",
    kept: Kept | None = None,
    fresh: str = "",
) -> tuple[str, str]:
    """(text, severity) for the open step's note line; ("", "") when there is nothing to say.
    `step`: "step 2, Secrets" when resumed past step 1, else None. `rollback`: the command that
    starts Compose again; `kept`, `fresh`: the demo's world and its clean start. Down first: at
    80x24 the note is read before the step's own findings, and down is the one not to miss."""
    record = parse_down(down, project)
    ran = down_said(record, rollback, fresh if demo else "")
    parts = [ran]
    if step is not None:
        again = "" if fresh and fresh in ran else f" `{fresh or '--fresh'}` starts over."
        parts.append(
            f"Resumed at {step}, where you were on {when_shown(saved)}; acknowledgements are "
            f"kept.{again}"
        )
    if demo:
        parts.append(kept_line(kept))
    parts = [p for p in parts if p]
    # Down, finished or cut short, stays on screen until the next note replaces it.
    severity = "warning" if ran else "information"
    return (" ".join(parts), severity) if parts else ("", "")


def greeting_for(config: CutoverConfig, *, step: str | None, saved: str) -> tuple[str, str]:
    """The greeting of `config`'s wizard, from its state file (blocking: reads it)."""
    from wizard.gate.down import rollback  # not before the first paint: gate's imports are many

    state = state_file_for(config)
    return greeting(
        demo=config.demo,
        project=config.project_name,
        step=step,
        saved=saved,
        down=down_record(state),
        rollback=rollback(config).command,
        kept=kept_of(config) if config.demo else None,
        fresh=fresh_command(config),
    )
