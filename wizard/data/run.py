"""Running the Data step's copies: `cutover data copy VOLUME... | --all --yes`.

For each volume of the plan asked for: the target is the running pod that mounts its claim, or,
when none does, a short-lived helper pod (cutover.yaml `helper_image`, busybox by default) that
mounts it and is deleted afterwards; the method runs (`files` or `postgres`), verifies, and the
outcome is remembered in state.json and written to the audit log (counts and names only), as are
the helper pod's creation and deletion. Refusals come first and change nothing:
- a volume skipped on purpose is not copied (the gate asks for its acknowledgement instead);
- for `files`, a Compose container that mounts the volume still runs (it may write while the
  stream is read: stop it, or say `while_running` to copy anyway, which is recorded);
- a target that holds data cutover did not put there (files, or a PostgreSQL database with
  tables), unless `replace`. What cutover copied before (a copy that failed, went stale or was cut
  short by a quit, a lost session or a killed exec) it replaces without asking: the next run is
  the resume, and its verification decides, never the half-copied target.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.config import HELPER_IMAGE
from wizard.data.files import (
    CopyFailed,
    FilesResult,
    Progress,
    Target,
    TargetNotEmpty,
    copy_volume,
)
from wizard.data.plan import POSTGRES, SKIP, DataRow
from wizard.data.postgres import PostgresResult, move_database
from wizard.data.record import (
    COPYING,
    FAILED,
    VERIFIED,
    forget_record,
    record_copy,
    save_record,
)
from wizard.data.report import gather_data
from wizard.data.target import claim_owner, find_target
from wizard.data.writers import writers_to_stop
from wizard.errors import ConfigError, CutoverError, GatewayError, NotFound, ReadOnlyRefused
from wizard.storage.claims import format_bytes

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways
    from wizard.model import ComposeContainer
    from wizard.state.audit import AuditLog
    from wizard.target.model import TargetState

OnProgress = Callable[[str, Progress], None]  # (volume, progress)
HELPER_LABEL = "cutover.data/claim"
HELPER_READY_S = 120.0
CANCELLED = "cancelled"


class CopyCancelled(Exception):
    """The operator cancelled: raised from the progress report, so the copy stops between two
    frames. The volume's record stays 'copying' (cut short): the next copy replaces it."""


@dataclass(frozen=True)
class CopyOutcome:
    volume: str
    method: str
    result: str  # verified | failed | refused | skipped | cancelled
    message: str
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Run:
    """What every copy of one `cutover data copy` shares."""

    config: CutoverConfig
    gateways: Gateways
    state: TargetState
    containers: Sequence[ComposeContainer]
    audit: AuditLog
    while_running: bool
    on_progress: OnProgress | None
    cancel: threading.Event | None


def copy_volumes(
    config: CutoverConfig,
    gateways: Gateways,
    volumes: Sequence[str],
    replace: bool = False,
    while_running: bool = False,
    on_progress: OnProgress | None = None,
    cancel: threading.Event | None = None,
    on_outcome: Callable[[CopyOutcome], None] | None = None,
) -> list[CopyOutcome]:
    """Copy the named volumes of the plan (all of them when `volumes` is empty), in plan order.
    `cancel` set: the copy under way stops between two frames, the rest are not started.
    `on_outcome(outcome)` as each volume's copy ends (the UI shows it before the rest end)."""
    from wizard.state.audit import audit_log_for
    from wizard.state.store import state_file_for

    if config.read_only:  # before anything is read, written or remembered
        raise ReadOnlyRefused(
            "Read-only mode: no volume is copied (a copy execs in pods and writes state)",
            fix="Run without --read-only, as an identity that may exec in pods, to copy.",
        )
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
    containers = host.project_containers(report.project)
    run = _Run(
        config,
        gateways,
        cluster.read_target(config.selector),
        containers,
        audit_log_for(config.project_dir, demo=config.demo),
        while_running,
        on_progress,
        cancel,
    )
    store = state_file_for(config)
    outcomes = []
    for row in rows:
        if cancel is not None and cancel.is_set():
            break
        # What cutover copied there before (verified, failed, stale or cut short) it may replace;
        # anything else in the target only with the operator's --replace.
        ours = row.volume in report.records
        if row.method != SKIP:
            save_record(store, record_copy(row, COPYING, "interrupted before it ended", containers))
        try:
            outcome = _copy_one(run, row, replace or ours)
        except CopyCancelled:
            outcomes.append(CopyOutcome(row.volume, row.method, CANCELLED, "cancelled"))
            _audit(run, "copy-volume", f"volume/{row.volume}:pvc/{row.claim}", "failed")
            break
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        if outcome.result in (VERIFIED, FAILED):
            save_record(
                store,
                record_copy(row, outcome.result, outcome.message, containers, outcome.differences),
            )
        elif outcome.result == "refused" and not ours:
            forget_record(store, row.volume)  # refused before anything was written
        if outcome.result != "skipped":
            result = "ok" if outcome.result == VERIFIED else outcome.result
            _audit(run, "copy-volume", f"volume/{row.volume}:pvc/{row.claim}", result)
    return outcomes


def _copy_one(run: _Run, row: DataRow, replace: bool) -> CopyOutcome:
    if row.method == SKIP:
        return CopyOutcome(row.volume, row.method, "skipped", row.why)
    mine = [c for c in run.containers if c.service in row.services]
    running = [c for c in mine if c.state == "running"]
    if row.method == POSTGRES and not running:
        return CopyOutcome(
            row.volume,
            row.method,
            "refused",
            f"PostgreSQL of {', '.join(row.services)} is not running in Compose: start it, "
            "pg_dump needs the server",
        )
    if row.claim_phase != "Bound":
        return CopyOutcome(
            row.volume,
            row.method,
            "refused",
            f"claim {row.claim} is {row.claim_phase or 'missing'}, not Bound: a copy has nowhere "
            "to go; fix it on the Volumes step first",
        )
    writing = writers_to_stop([row], run.containers)
    if writing and not run.while_running:
        services = " ".join(dict.fromkeys(c.service for c in writing))
        return CopyOutcome(
            row.volume,
            row.method,
            "refused",
            f"{', '.join(c.name for c in writing)} still run(s) and may write {row.volume}: "
            f"stop them (the Data step offers it, or `docker compose stop {services}`), or "
            "copy while they run (--while-running) and copy again after stopping them",
        )
    progress = _for_volume(run, row.volume)
    if run.config.demo:  # the demo's volumes and pods are simulated: so is its copy
        from wizard.demo.data import simulate_copy

        return CopyOutcome(row.volume, row.method, VERIFIED, simulate_copy(row, progress))
    host, cluster = run.gateways.compose_host(), run.gateways.cluster()
    try:
        with _target_stopped(run, row), _target_for(run, row) as target:
            result: FilesResult | PostgresResult
            if row.method == POSTGRES:
                result = move_database(host, cluster, running[0].name, target, replace, progress)
            else:
                image = next((c.image for c in mine if c.image), "")
                # A Redis target stopped for the copy holds the new Redis's own files: the
                # copy is meant to replace them (the preview says so).
                result = copy_volume(
                    host,
                    cluster,
                    row.engine_name,
                    image,
                    target,
                    progress,
                    replace or row.stop_target,
                )
    except TargetNotEmpty as exc:  # refused before anything was written
        return CopyOutcome(row.volume, row.method, "refused", exc.message)
    except CopyFailed as exc:
        return CopyOutcome(row.volume, row.method, FAILED, exc.message)
    except CutoverError as exc:
        return CopyOutcome(row.volume, row.method, "refused", f"{exc.message} {exc.fix}".strip())
    except CopyCancelled:
        raise
    except Exception as exc:  # a bug of ours: this volume's copy is not trusted, the rest go on
        return CopyOutcome(
            row.volume, row.method, FAILED, f"unexpected {type(exc).__name__} while copying"
        )
    outcome = VERIFIED if result.verified else FAILED
    return CopyOutcome(row.volume, row.method, outcome, summary(result), result.differences)


def _for_volume(run: _Run, volume: str) -> Callable[[Progress], None]:
    """The copy's progress report, which is also where a cancel takes effect."""

    def report(progress: Progress) -> None:
        if run.cancel is not None and run.cancel.is_set():
            raise CopyCancelled(volume)
        if run.on_progress is not None:
            run.on_progress(volume, progress)

    return report


SCALABLE = ("Deployment", "StatefulSet")


@contextmanager
def _target_stopped(run: _Run, row: DataRow) -> Iterator[None]:
    """For a row whose target must not run during the copy (Redis): its workload scaled to 0
    until no pod mounts the claim, and back to its replicas afterwards, whatever happens."""
    owner = claim_owner(run.state, row.claim) if row.stop_target else None
    if owner is None:
        yield
        return
    if owner.kind not in SCALABLE:
        # A DaemonSet, Job, CronJob, bare Pod or ReplicationController has no scale cutover
        # uses: refuse before anything is changed, with how to stop it by hand.
        raise GatewayError(
            f"{row.claim} is mounted by {owner.kind} {owner.name}, which must not run during "
            "the copy, and cutover scales only Deployments and StatefulSets",
            fix=f"Stop {owner.kind} {owner.name} by hand (`kubectl delete` or suspend it; "
            "keep its manifest), copy again, then re-apply it.",
        )
    cluster = run.gateways.cluster()
    before = cluster.scale(owner.kind, owner.name, 0)
    _audit(run, "scale-workload", f"{owner.kind.lower()}/{owner.name}:0", "ok")
    try:
        deadline = time.monotonic() + HELPER_READY_S
        while any(row.claim in p.claims for p in cluster.list_pods()):
            if time.monotonic() > deadline:
                raise GatewayError(
                    f"{owner.kind} {owner.name} still has a pod on {row.claim} after "
                    f"{HELPER_READY_S:.0f} s at 0 replicas",
                    fix=f"`kubectl get pods` for what holds it; it is scaled back to {before}.",
                )
            time.sleep(0.5)
        yield
    finally:
        cluster.scale(owner.kind, owner.name, before)
        _audit(run, "scale-workload", f"{owner.kind.lower()}/{owner.name}:{before}", "ok")
        if before > 0:
            _wait_serving(run, row.claim)


def _wait_serving(run: _Run, claim: str) -> None:
    """Until a pod that mounts `claim` is ready again (its workload was scaled back): the copy
    is done when the target serves, not when the scale was asked for. Not ready in time is left
    to the Health step to show, not a failed copy: the data arrived."""
    cluster = run.gateways.cluster()
    deadline = time.monotonic() + HELPER_READY_S
    while time.monotonic() < deadline:
        mounting = [p for p in cluster.list_pods() if claim in p.claims]
        if any(p.phase == "Running" and p.ready_containers == p.total_containers for p in mounting):
            return
        time.sleep(0.5)


@contextmanager
def _target_for(run: _Run, row: DataRow) -> Iterator[Target]:
    """The running pod that mounts the claim, or a helper pod made for the copy and deleted
    after it, whatever happens."""
    target = find_target(run.state, run.gateways.cluster().list_pods(), row.claim)
    if target is not None:
        yield target
        return
    cluster = run.gateways.cluster()
    name = f"cutover-copy-{row.claim}"[:63].rstrip("-.")
    image = run.config.helper_image or HELPER_IMAGE
    labels = {"app.kubernetes.io/managed-by": "cutover", HELPER_LABEL: row.claim}
    try:
        cluster.delete_pod(name)  # left by a run that was cut short
        _audit(run, "delete-pod", f"pod/{name}", "ok")
    except NotFound:
        pass
    cluster.create_claim_helper(name, row.claim, image, labels)
    _audit(run, "create-pod", f"pod/{name}", "ok")
    try:
        _wait_running(run, name, f"{HELPER_LABEL}={row.claim}")
        yield Target(pod=name, container="copy", path="/data")
    finally:
        try:
            cluster.delete_pod(name)
            _audit(run, "delete-pod", f"pod/{name}", "ok")
        except GatewayError:
            _audit(run, "delete-pod", f"pod/{name}", "failed")


def _wait_running(run: _Run, name: str, selector: str) -> None:
    cluster = run.gateways.cluster()
    deadline = time.monotonic() + HELPER_READY_S
    while True:
        pods = {p.name: p for p in cluster.list_pods(selector)}
        phase = pods[name].phase if name in pods else ""
        if phase == "Running":
            return
        if phase in ("Failed", "Succeeded") or time.monotonic() > deadline:
            raise GatewayError(
                f"The helper pod {name} did not start within {HELPER_READY_S:.0f} s "
                f"(phase {phase or 'unknown'})",
                fix=f"`kubectl describe pod {name}`: its image ({run.config.helper_image or HELPER_IMAGE}, "
                "cutover.yaml `helper_image`) must be pullable, and its claim mountable.",
            )
        time.sleep(0.5)


def _audit(run: _Run, action: str, obj: str, result: str) -> None:
    from wizard.state.audit import record

    identity = run.gateways.cluster().identity
    run.audit.write(record(identity.context, identity.namespace, action, obj, (), result))


def summary(result: FilesResult | PostgresResult) -> str:
    """Counts only, never contents: `302 files, 20.0 MB` / `3 tables, 100,002 rows`."""
    if isinstance(result, PostgresResult):
        source = result.source
        return f"{len(source.tables)} tables, {source.rows:,} rows"
    return f"{result.source.files:,} files, {format_bytes(result.source.file_bytes)}"
