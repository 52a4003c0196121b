"""What the operator did to the demo's simulated world, kept so the next `cutover demo` shows it.

A real cluster and a real Docker Engine remember what was done to them; the demo's simulations
live in memory, so reopening the demo used to land on a gate with every blocker back and no
word that down had run (issue 15, item 7). So the demo keeps, in its own state file (the
demo's state.json, wizard.state.store.demo_state_dir, never the sample's folder), what changes
its world, and its gateways replay it when they are built:

- the Secrets applied (section `demo`, written here): name, type, labels and key names, with
  when and by whom. Never a value, nor a digest of one (an unsalted sha256 of a weak password
  on disk is as good as the password): on reopening each key's digest is NOT_KEPT, which no
  typed value matches, so the preview says a key typed again would change. The demo's keyring
  stays in memory, so the values typed are gone on reopening while the Secret keeps its keys
  and pods that waited for them run;
- the copies of the Data step (section `data`, wizard.data.record) and the acknowledgements
  (section `acknowledgements`), which the real wizard already keeps there;
- down (section `down`, wizard.gate.down): what it stopped and removed stays so
  (wizard.state.down_record).

`cutover demo --fresh` forgets all of it (wizard.state.progress.forget_progress).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wizard.config import CutoverConfig
from wizard.data.record import SECTION as DATA_SECTION
from wizard.data.record import VERIFIED, load_records
from wizard.errors import CutoverError
from wizard.model import SecretKeys
from wizard.state.audit import os_user
from wizard.state.down_record import SECTION as DOWN_SECTION
from wizard.state.down_record import DownRecord, load_down
from wizard.state.store import StateFile, state_file_for

SECTION = "demo"
# The digest a reopened demo's Secret has for each key: the value was never kept, and no
# sha256 of a typed value is all zeros.
NOT_KEPT = "0" * 64


@dataclass(frozen=True)
class AppliedSecret:
    """A Secret the operator applied in the demo: its key names, no value and no digest."""

    secret: SecretKeys
    applied: str  # ISO 8601, UTC
    by: str


def world_state(config: CutoverConfig) -> StateFile | None:
    """The demo's state file, where its world is kept; None outside the demo (a real cluster
    remembers for itself)."""
    return state_file_for(config) if config.demo else None


def save_secret(state: StateFile, secret: SecretKeys, now: datetime | None = None) -> None:
    """Remember `secret` as applied now (replacing what was kept of it): its key names,
    labels and type; not its digests."""
    section = _section(state)
    secrets = dict(section.get("secrets") or {})
    secrets[f"{secret.namespace}/{secret.name}"] = {
        "name": secret.name,
        "namespace": secret.namespace,
        "type": secret.type,
        "labels": dict(secret.labels),
        "keys": sorted(secret.digests),
        "applied": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "by": os_user(),
    }
    state.write_section(SECTION, {**section, "secrets": secrets})


def load_secrets(state: StateFile, namespace: str) -> dict[str, AppliedSecret]:
    """The Secrets applied in `namespace`, by name; an entry this version cannot read is left
    out (that Secret then shows as not applied, which the operator can redo)."""
    try:
        raw = _section(state).get("secrets")
    except (CutoverError, OSError):
        return {}
    found: dict[str, AppliedSecret] = {}
    for entry in raw.values() if isinstance(raw, dict) else ():
        try:
            if entry["namespace"] != namespace:
                continue
            keys = entry["keys"]
            if not isinstance(keys, list):
                continue
            digests = dict.fromkeys((str(k) for k in keys), NOT_KEPT)
            secret = SecretKeys(
                name=str(entry["name"]),
                namespace=namespace,
                digests=digests,
                labels={str(k): str(v) for k, v in (entry.get("labels") or {}).items()},
                type=str(entry.get("type") or "Opaque"),
            )
        except (KeyError, TypeError, AttributeError):
            continue
        found[secret.name] = AppliedSecret(
            secret, str(entry.get("applied") or ""), str(entry.get("by") or "")
        )
    return found


@dataclass(frozen=True)
class Kept:
    """What the demo replays on opening, for the greeting to say."""

    secrets: tuple[AppliedSecret, ...] = ()
    copies: int = 0  # verified copies of the Data step
    down: DownRecord | None = None

    def __bool__(self) -> bool:
        return bool(self.secrets or self.copies or self.down)


def kept_of(config: CutoverConfig) -> Kept:
    """What the demo of `config` kept from earlier runs (nothing outside the demo)."""
    state = world_state(config)
    if state is None:
        return Kept()
    namespace = config.namespace or "email-rag"
    try:
        copies = sum(r.outcome == VERIFIED for r in load_records(state).values())
    except (CutoverError, OSError):
        copies = 0
    return Kept(
        secrets=tuple(load_secrets(state, namespace).values()),
        copies=copies,
        down=load_down(state, config.project_name),
    )


def fresh_command(config: CutoverConfig) -> str:
    """How to start the demo clean ("" outside the demo)."""
    if not config.demo:
        return ""
    return "cutover demo --fixed --fresh" if config.demo_fixed else "cutover demo --fresh"


def forgotten_sections() -> tuple[str, ...]:
    """What `cutover demo --fresh` forgets besides the place and the acknowledgements: the whole
    simulated world (a real project's down record is never forgotten; the demo's down touched
    nothing real, so there is nothing to resume safely)."""
    return (SECTION, DATA_SECTION, DOWN_SECTION)


def _section(state: StateFile) -> dict[str, Any]:
    raw = state.section(SECTION)
    return dict(raw) if isinstance(raw, Mapping) else {}
