"""Freezing the writes before a copy: the Compose containers that write the volumes, stopped
through the engine (SDK), and started again to undo it. Each change is audited.

A copy is only worth its verification if nothing writes the source afterwards: files copied
while the backend still saves uploads miss the late ones, and a dump taken while the app writes
misses what came after it. So the Data step offers, before the final copy, to stop the writers
of the volumes it copies (DataRow.writers: those that mount the volume; for a database, also the
services that depend on it). Stopping them takes the Compose site's writes offline until the
cutover ends: the preview says so. Starting them again is the undo; a verified copy then goes
stale (wizard.data.record.stale_because) and the gate blocks until it is copied again.

The database container itself is never stopped here: pg_dump needs its server.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.data.plan import POSTGRES, DataRow
from wizard.errors import CutoverError

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways
    from wizard.model import ComposeContainer

STOP_GRACE_S = 10.0  # Compose's own default stop timeout


@dataclass(frozen=True)
class WriterChange:
    container: str
    done: bool
    message: str  # what happened, one line, for the screen


def writers_to_stop(
    rows: Iterable[DataRow], containers: Sequence[ComposeContainer]
) -> list[ComposeContainer]:
    """The running containers that write any of `rows`' volumes, in the engine's order, except a
    database the copy reads from (pg_dump needs it running)."""
    keep: set[str] = set()
    writers: set[str] = set()
    for row in rows:
        writers.update(row.writers or row.services)
        if row.method == POSTGRES:
            keep.update(row.services)
    return [
        c
        for c in containers
        if c.state == "running" and c.service in writers and c.service not in keep
    ]


def stopped_writers(
    rows: Iterable[DataRow], containers: Sequence[ComposeContainer]
) -> list[ComposeContainer]:
    """The writers of `rows` that are not running (what `start_writers` would start)."""
    names: set[str] = set()
    for row in rows:
        names.update(row.writers or row.services)
    return [c for c in containers if c.state != "running" and c.service in names]


def stop_writers(
    config: CutoverConfig, gateways: Gateways, containers: Sequence[ComposeContainer]
) -> list[WriterChange]:
    """Stop each container (SIGTERM, then SIGKILL after STOP_GRACE_S), each audited; one that
    fails is said and the rest still go."""
    return [_change(config, gateways, c.name, "stop-container", "stopped") for c in containers]


def start_writers(
    config: CutoverConfig, gateways: Gateways, containers: Sequence[ComposeContainer]
) -> list[WriterChange]:
    """Start each container again, each audited (the undo of `stop_writers`)."""
    return [_change(config, gateways, c.name, "start-container", "started") for c in containers]


def _change(
    config: CutoverConfig, gateways: Gateways, name: str, action: str, done: str
) -> WriterChange:
    from wizard.state.audit import audit_log_for, record

    host = gateways.compose_host()
    try:
        if action == "stop-container":
            host.stop_container(name, STOP_GRACE_S)
        else:
            host.start_container(name)
        change = WriterChange(name, True, f"{name} {done}")
        result = "ok"
    except CutoverError as exc:
        change = WriterChange(name, False, f"{name} not {done}: {exc.message}")
        result = "refused" if config.read_only else "failed"
    identity = gateways.cluster().identity
    audit = audit_log_for(config.project_dir, demo=config.demo)
    audit.write(
        record(identity.context, identity.namespace, action, f"container/{name}", (), result)
    )
    return change
