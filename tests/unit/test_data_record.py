"""The Data step's memory of each copy and what it concludes: verified, failed, stale when a
writer ran again, skipped on purpose; and its round trip through state.json."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from wizard.checks import Severity
from wizard.data.plan import FILES, POSTGRES, SKIP, DataRow
from wizard.data.record import (
    COPYING,
    FAILED,
    VERIFIED,
    data_findings,
    load_records,
    record_copy,
    save_record,
    stale_because,
)
from wizard.model import ComposeContainer
from wizard.state.store import StateFile

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def row(volume: str, method: str, services: tuple[str, ...] = ("app",)) -> DataRow:
    return DataRow(
        volume, f"p_{volume}", services, "/data", volume.replace("_", "-"), (), method, "why"
    )


def app(state: str = "exited", started: str = "2026-12-03T11:00:00Z") -> ComposeContainer:
    return ComposeContainer("p-app-1", "app", state, started_at=started)


def test_a_verified_copy_stays_fresh_until_a_writer_runs_again() -> None:
    uploads = row("upload_data", FILES)
    record = record_copy(uploads, VERIFIED, "302 files, 20.0 MB", [app()], now=T0)
    assert stale_because(record, [app()]) == ""
    assert "was stopped for the copy and runs again" in stale_because(record, [app("running")])
    # Copied while it ran (acknowledged): stale only once it restarts.
    running = record_copy(uploads, VERIFIED, "x", [app("running")], now=T0)
    assert stale_because(running, [app("running")]) == ""
    later = app("running", started="2026-12-03T13:00:00Z")
    assert "started again at 2026-12-03T13:00:00Z" in stale_because(running, [later])
    # Containers of other services are not its writers.
    assert (
        record_copy(uploads, VERIFIED, "x", [ComposeContainer("p-db-1", "db", "running")]).writers
        == ()
    )


def test_findings_block_until_verified_and_warn_for_a_skip() -> None:
    rows = [
        row("postgres_data", POSTGRES),
        row("upload_data", FILES),
        row("mq", SKIP),
        row("chroma", FILES),
    ]
    records = {
        "postgres_data": record_copy(rows[0], VERIFIED, "2 tables, 100,002 rows", [app()], now=T0),
        "chroma": record_copy(
            rows[3], FAILED, "x", [app()], ["index.bin: content differs"], now=T0
        ),
    }
    found = {f.check: f for f in data_findings(rows, records, [app()])}
    assert found["data.postgres_data"].severity is Severity.OK
    assert "100,002 rows" in found["data.postgres_data"].message
    assert (
        found["data.upload_data"].blocks and "not copied yet" in found["data.upload_data"].message
    )
    assert found["data.mq"].severity is Severity.WARN and "Acknowledge" in found["data.mq"].fix
    assert (
        found["data.chroma"].blocks and "index.bin: content differs" in found["data.chroma"].message
    )
    stale = {f.check: f for f in data_findings(rows, records, [app("running")])}
    assert stale["data.postgres_data"].blocks and "stale" in stale["data.postgres_data"].message


def test_records_survive_state_json_and_a_bad_entry_is_forgotten(tmp_path: Path) -> None:
    state = StateFile(tmp_path / ".cutover")
    record = record_copy(row("upload_data", FILES), VERIFIED, "3 files, 1 kB", [app()], now=T0)
    save_record(state, record)
    state.write_section("data", {**state.section("data"), "broken": {"volume": "broken"}})
    assert load_records(state) == {"upload_data": record}


def test_a_copy_cut_short_blocks_and_says_so() -> None:
    uploads = row("upload_data", FILES)
    cut = record_copy(uploads, COPYING, "interrupted before it ended", [app()], now=T0)
    [finding] = data_findings([uploads], {"upload_data": cut}, [app()])
    assert finding.blocks and "was cut short" in finding.message
    assert "`cutover data copy upload_data`: that replaces the copy" in finding.fix
