"""Move a PostgreSQL database from its Compose container into its Kubernetes pod, then prove it.

The method:
1. **Refuse a target that holds tables** unless the operator said to replace them: a restore
   over data would mix two databases.
2. **Dump** in the Compose container: `pg_dump -Fc` to a file in the container's /tmp (its size
   is the length the restore is told to read: a 1.20 API server cannot close an exec's stdin, and
   a custom-format dump is not the same twice, so it cannot be measured by a first pass).
3. **Restore**: the file streamed out of the container (`cat`) into `head -c N | pg_restore` in
   the pod, through the exec API; the file is removed afterwards, whatever happened.
4. **Verify**: per table, the row count and a digest of its rows in a fixed order, and every
   sequence's last value, read on both sides and compared. Any difference is named.

Credentials: both sides run their tools inside their own container as the database's own user
over the local socket, which the official image (and ours) trusts; the user and database names are
the containers' own POSTGRES_USER/POSTGRES_DB, expanded by their shell. No password passes through
cutover, its output, its state or its audit.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.data.files import CopyFailed, Progress, Target, TargetNotEmpty

if TYPE_CHECKING:
    from wizard.gateways.protocols import Cluster, ComposeHost
    from wizard.model import ExecResult

DUMP = "/tmp/cutover-pg.dump"
# The database's own user and database, as the official image sets them up.
USER_DB = '-U "${POSTGRES_USER:-postgres}" -d "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"'
PSQL = f'psql -X -A -t -F "|" -v ON_ERROR_STOP=1 {USER_DB}'

TABLES_SQL = (
    "select format('%I.%I', schemaname, tablename) from pg_tables "
    "where schemaname not in ('pg_catalog', 'information_schema') order by 1"
)
SEQUENCES_SQL = (
    "select format('%I.%I', schemaname, sequencename), coalesce(last_value, 0) "
    "from pg_sequences order by 1"
)


@dataclass(frozen=True)
class TableState:
    rows: int
    digest: str


@dataclass(frozen=True)
class DatabaseState:
    """What verification compares: every table's rows and every sequence's position."""

    tables: dict[str, TableState]
    sequences: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())


@dataclass(frozen=True)
class PostgresResult:
    source: DatabaseState
    dump_bytes: int
    differences: tuple[str, ...]
    seconds_dump: float
    seconds_restore: float
    seconds_verify: float

    @property
    def verified(self) -> bool:
        return not self.differences


def move_database(
    host: ComposeHost,
    cluster: Cluster,
    container: str,
    target: Target,
    replace: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
) -> PostgresResult:
    """Dump the database of Compose `container`, restore it in `target`, verify both sides.
    TargetNotEmpty unless `replace` when the target has tables; CopyFailed when a tool fails."""
    run_target = _in_pod(cluster, target)
    existing = _lines(run_target(f"{PSQL} -c {shlex.quote(TABLES_SQL)}"))
    if existing and not replace:
        raise TargetNotEmpty(
            f"The database in {target.pod} already has {len(existing)} table(s) "
            f"({', '.join(existing[:3])}{', ...' if len(existing) > 3 else ''}): nothing was "
            "restored",
            fix="If that data may go, confirm replacing it (its tables are dropped first); "
            "otherwise point the step at an empty database.",
        )
    started = time.monotonic()
    dumped = _in_compose(host, container)(f"pg_dump -Fc {USER_DB} -f {DUMP} && stat -c %s {DUMP}")
    size = int(dumped.strip().splitlines()[-1])
    dumped_at = time.monotonic()
    progress = Progress(size)

    def sent(done: int) -> None:
        progress.done = done
        if on_progress is not None:
            on_progress(progress)

    clean = "--clean --if-exists " if existing else ""
    restore = f"head -c {size} | pg_restore {clean}--no-owner --exit-on-error {USER_DB}"
    try:
        with host.exec_stream(container, ["cat", DUMP]) as chunks:
            result = cluster.exec_in(
                target.pod,
                target.container,
                ["sh", "-c", restore],
                stdin=chunks,
                stdin_length=size,
                on_sent=sent,
            )
    finally:
        host.exec_run(container, ["rm", "-f", DUMP])
    _check(result, f"pg_restore in {target.pod}/{target.container}")
    restored = time.monotonic()
    source = read_state(_in_compose(host, container))
    differences = compare(source, read_state(run_target))
    return PostgresResult(
        source,
        size,
        tuple(differences),
        dumped_at - started,
        restored - dumped_at,
        time.monotonic() - restored,
    )


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------

Run = Callable[[str], str]  # a shell script in one side's container -> its stdout


def read_state(run: Run) -> DatabaseState:
    """Every table's row count and ordered digest, and every sequence's last value."""
    tables = _lines(run(f"{PSQL} -c {shlex.quote(TABLES_SQL)}"))
    found: dict[str, TableState] = {}
    if tables:
        # Rows compared by their text form, in that form's order: the same on both sides
        # whatever order the pages hold them in. md5 of each row first keeps the aggregate small.
        selects = [
            f"select {_literal(name)}, count(*), "
            f"md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) "
            f"from {name} t"
            for name in tables
        ]
        for line in _lines(run(f"{PSQL} -c {shlex.quote(' union all '.join(selects))}")):
            name, rows, digest = line.split("|")
            found[name] = TableState(int(rows), digest)
    sequences = {}
    for line in _lines(run(f"{PSQL} -c {shlex.quote(SEQUENCES_SQL)}")):
        name, value = line.split("|")
        sequences[name] = int(value)
    return DatabaseState(found, sequences)


def compare(source: DatabaseState, target: DatabaseState) -> list[str]:
    found = []
    for name in sorted(source.tables.keys() | target.tables.keys()):
        want, got = source.tables.get(name), target.tables.get(name)
        if got is None:
            found.append(f"table {name}: missing on the target")
        elif want is None:
            found.append(f"table {name}: on the target only")
        elif want.rows != got.rows:
            found.append(f"table {name}: {got.rows} rows, not {want.rows}")
        elif want.digest != got.digest:
            found.append(f"table {name}: same row count, different rows")
    for name in sorted(source.sequences.keys() | target.sequences.keys()):
        want_value, got_value = source.sequences.get(name), target.sequences.get(name)
        if want_value != got_value:
            found.append(f"sequence {name}: at {got_value}, not {want_value}")
    return found


# ---------------------------------------------------------------------------------------------
# Running the tools
# ---------------------------------------------------------------------------------------------


def _in_compose(host: ComposeHost, container: str) -> Run:
    def run(script: str) -> str:
        result = host.exec_run(container, ["sh", "-c", script])
        _check(result, f"the Compose container {container}")
        return result.stdout.decode()

    return run


def _in_pod(cluster: Cluster, target: Target) -> Run:
    def run(script: str) -> str:
        result = cluster.exec_in(target.pod, target.container, ["sh", "-c", script])
        _check(result, f"{target.pod}/{target.container}")
        return result.stdout.decode()

    return run


def _check(result: ExecResult, where: str) -> None:
    if result.exit_code != 0:
        said = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CopyFailed(
            f"A PostgreSQL tool failed in {where} (exit code {result.exit_code}): "
            f"{said[-1] if said else '(nothing on stderr)'}",
            fix="Check that the container runs PostgreSQL with POSTGRES_USER/POSTGRES_DB set "
            "as in the official image; the source is untouched.",
        )


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
