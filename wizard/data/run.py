"""Running the Data step's copies: `cutover data copy VOLUME... | --all --yes`.

For each volume of the plan asked for: the target is the running pod that mounts its claim; the
method runs (`files` or `postgres`), verifies, and the outcome is remembered in state.json and
written to the audit log (counts and names only). Refusals come first and change nothing:
- a volume skipped on purpose is not copied (the gate asks for its acknowledgement instead);
- no running pod mounts the claim (a helper pod is not made by this version);
- for `files`, a Compose container that mounts the volume still runs (it may write while the
  stream is read: stop it, or say `while_running` to copy anyway, which is recorded);
- a target that holds data cutover did not put there (files, or a PostgreSQL database with
  tables), unless `replace`. What cutover copied before (a copy that failed, went stale or was cut
  short by a quit, a lost session or a killed exec) it replaces without asking: the next run is
  the resume, and its verification decides, never the half-copied target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.data.files import CopyFailed, FilesResult, Progress, copy_volume
from wizard.data.plan import POSTGRES, SKIP, DataRow
from wizard.data.postgres import PostgresResult, move_database
from wizard.data.record import COPYING, FAILED, VERIFIED, forget_record, record_copy, save_record
from wizard.data.report import gather_data
from wizard.data.target import find_target
from wizard.errors import ConfigError, CutoverError
from wizard.storage.claims import format_bytes

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways
    from wizard.model import ComposeContainer, Pod
    from wizard.target.model import TargetState

OnProgress = Callable[[str, Progress], None]  # (volume, progress)


@dataclass(frozen=True)
class CopyOutcome:
    volume: str
    method: str
    result: str  # verified | failed | refused | skipped
    message: str
    differences: tuple[str, ...] = ()


def copy_volumes(
    config: CutoverConfig,
    gateways: Gateways,
    volumes: Sequence[str],
    replace: bool = False,
    while_running: bool = False,
    on_progress: OnProgress | None = None,
) -> list[CopyOutcome]:
    """Copy the named volumes of the plan (all of them when `volumes` is empty), in plan order."""
    from wizard.state.audit import audit_log_for, record
    from wizard.state.store import state_file_for

    report = gather_data(config, gateways)
    known = {row.volume: row for row in report.rows}
    unknown = [v for v in volumes if v not in known]
    if unknown:
        raise ConfigError(
            f"No volume of the plan is called {', '.join(unknown)}",
            fix=f"The plan's volumes: {', '.join(known) or '(none)'} (see `cutover data`).",
        )
    rows = [known[v] for v in volumes] if volumes else list(report.rows)
    cluster, host = gateways.cluster(), gateways.compose_host()
    state = cluster.read_target(config.selector)
    pods = cluster.list_pods(config.selector)
    containers = host.project_containers(report.project)
    store = state_file_for(config)
    audit = audit_log_for(config.project_dir, demo=config.demo)
    identity = cluster.identity
    outcomes = []
    for row in rows:
        # What cutover copied there before (verified, failed, stale or cut short) it may replace;
        # anything else in the target only with the operator's --replace.
        ours = row.volume in report.records
        if row.method != SKIP:
            save_record(store, record_copy(row, COPYING, "interrupted before it ended", containers))
        outcome = _copy_one(
            row, gateways, state, pods, containers, replace or ours, while_running, on_progress
        )
        outcomes.append(outcome)
        if outcome.result in (VERIFIED, FAILED):
            save_record(
                store,
                record_copy(row, outcome.result, outcome.message, containers, outcome.differences),
            )
        elif outcome.result == "refused" and not ours:
            forget_record(store, row.volume)  # refused before anything was written
        if outcome.result != "skipped":
            audit.write(
                record(
                    identity.context,
                    identity.namespace,
                    "copy-volume",
                    f"volume/{row.volume}:pvc/{row.claim}",
                    (),
                    "ok" if outcome.result == VERIFIED else outcome.result,
                )
            )
    return outcomes


def _copy_one(
    row: DataRow,
    gateways: Gateways,
    state: TargetState,
    pods: Sequence[Pod],
    containers: Sequence[ComposeContainer],
    replace: bool,
    while_running: bool,
    on_progress: OnProgress | None,
) -> CopyOutcome:
    if row.method == SKIP:
        return CopyOutcome(row.volume, row.method, "skipped", row.why)
    target = find_target(state, pods, row.claim)
    if target is None:
        return CopyOutcome(
            row.volume,
            row.method,
            "refused",
            f"no running pod mounts {row.claim}: scale its workload up (a helper pod is not "
            "made by this version)",
        )
    mine = [c for c in containers if c.service in row.services]
    progress = None if on_progress is None else (lambda p: on_progress(row.volume, p))
    try:
        if row.method == POSTGRES:
            source = next((c for c in mine if c.state == "running"), None)
            if source is None:
                return CopyOutcome(
                    row.volume,
                    row.method,
                    "refused",
                    f"PostgreSQL of {', '.join(row.services)} is not running in Compose: "
                    "start it, pg_dump needs the server",
                )
            result: FilesResult | PostgresResult = move_database(
                gateways.compose_host(), gateways.cluster(), source.name, target, replace, progress
            )
        else:
            running = [c.name for c in mine if c.state == "running"]
            if running and not while_running:
                return CopyOutcome(
                    row.volume,
                    row.method,
                    "refused",
                    f"{', '.join(running)} still run(s) and may write {row.volume}: stop them "
                    "(`docker compose stop " + " ".join(row.services) + "`), or copy while "
                    "they run (--while-running) and copy again after stopping them",
                )
            image = next((c.image for c in mine if c.image), "")
            result = copy_volume(
                gateways.compose_host(),
                gateways.cluster(),
                row.engine_name,
                image,
                target,
                progress,
                replace,
            )
    except CopyFailed as exc:
        return CopyOutcome(row.volume, row.method, FAILED, exc.message)
    except CutoverError as exc:
        return CopyOutcome(row.volume, row.method, "refused", f"{exc.message} {exc.fix}".strip())
    outcome = VERIFIED if result.verified else FAILED
    return CopyOutcome(row.volume, row.method, outcome, summary(result), result.differences)


def summary(result: FilesResult | PostgresResult) -> str:
    """Counts only, never contents: `302 files, 20.0 MB` / `3 tables, 100,002 rows`."""
    if isinstance(result, PostgresResult):
        source = result.source
        return f"{len(source.tables)} tables, {source.rows:,} rows"
    return f"{result.source.files:,} files, {format_bytes(result.source.file_bytes)}"
