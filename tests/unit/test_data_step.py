"""The Data step as a step: its writers (who must be stopped before a copy), its copies on the
demo's gateways through the real core (refusals, cancel, records, audit, stale after a restart),
and its words."""

from __future__ import annotations

import threading

import pytest

from screens.data_text import copy_preview, progress_cell, row_cells, summary_text
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.data.files import Progress
from wizard.data.plan import FILES, POSTGRES, SKIP, DataRow
from wizard.data.report import DataReport, gather_data
from wizard.data.run import CANCELLED, copy_volumes
from wizard.data.writers import start_writers, stop_writers, stopped_writers, writers_to_stop
from wizard.gateways import Gateways
from wizard.gateways.factory import build_gateways
from wizard.model import ComposeContainer
from wizard.steps import CHECKLIST, Round, step_by_id

Demo = tuple[CutoverConfig, Gateways]


@pytest.fixture
def demo() -> Demo:
    """The fixed demo, settled, its state.json in a folder of this test's own (tests/conftest.py)."""
    config = resolve_config(Flags(demo=True, demo_fixed=True))
    return config, build_gateways(config)


def container(service: str, state: str = "running") -> ComposeContainer:
    return ComposeContainer(f"p-{service}-1", service, state)


def test_data_then_traffic_come_between_pod_health_and_the_gate() -> None:
    # Data before Traffic: the smoke request compares answers that need the data moved.
    ids = [step.id for step in CHECKLIST]
    assert ids.index("health") + 1 == ids.index("data") == ids.index("traffic") - 1
    assert ids.index("traffic") == ids.index("gate") - 1 == len(ids) - 2


def test_a_database_is_written_through_by_the_services_that_depend_on_it(demo: Demo) -> None:
    config, gateways = demo
    rows = {row.volume: row for row in gather_data(config, gateways).rows}
    assert set(rows["postgres_data"].writers) >= {"postgres", "backend", "celery"}
    assert rows["upload_data"].writers == rows["upload_data"].services
    # pg_dump needs its server: the database is never among the containers to stop.
    postgres = DataRow("db", "p_db", ("db",), "/d", "db", (), POSTGRES, "", writers=("db", "app"))
    running = [container("db"), container("app"), container("web")]
    assert [c.service for c in writers_to_stop([postgres], running)] == ["app"]
    files = DataRow("up", "p_up", ("app", "web"), "/d", "up", (), FILES, "", writers=("app", "web"))
    assert [c.service for c in writers_to_stop([files], running)] == ["app", "web"]
    assert stopped_writers([files], [container("app", "exited"), container("web")]) == [
        container("app", "exited")
    ]


def test_copies_are_refused_while_writers_run_then_verified_once_they_are_stopped(
    demo: Demo,
) -> None:
    config, gateways = demo
    refused = copy_volumes(config, gateways, ["upload_data", "postgres_data"])
    assert [o.result for o in refused] == ["refused", "refused"]
    assert "email-rag-backend-1" in refused[0].message
    report = gather_data(config, gateways)
    assert report.state("upload_data") == "not started"  # a refusal leaves no record

    rows = [r for r in report.rows if r.volume in ("upload_data", "postgres_data")]
    changes = stop_writers(config, gateways, writers_to_stop(rows, report.containers))
    assert changes and all(c.done for c in changes)
    seen: list[tuple[str, int]] = []
    done = copy_volumes(
        config,
        gateways,
        ["upload_data", "postgres_data"],
        on_progress=lambda v, p: seen.append((v, p.done)),
    )
    assert [o.result for o in done] == ["verified", "verified"]
    assert {v for v, _ in seen} == {"upload_data", "postgres_data"}
    report = gather_data(config, gateways)
    assert report.state("upload_data") == report.state("postgres_data") == "verified"

    # Starting the writers again (the undo) makes both copies stale: the step blocks again.
    start_writers(config, gateways, stopped_writers(rows, report.containers))
    report = gather_data(config, gateways)
    assert report.state("upload_data") == report.state("postgres_data") == "stale"


def test_a_cancelled_copy_is_cut_short_and_the_rest_are_not_started(demo: Demo) -> None:
    config, gateways = demo
    cancel = threading.Event()

    def cancel_at_first_report(volume: str, progress: Progress) -> None:
        cancel.set()

    outcomes = copy_volumes(
        config,
        gateways,
        ["chroma_data", "upload_data"],
        while_running=True,
        on_progress=cancel_at_first_report,
        cancel=cancel,
    )
    # The first report goes out, the next one raises: chroma_data stops, upload_data never starts.
    assert [(o.volume, o.result) for o in outcomes] == [("chroma_data", CANCELLED)]
    report = gather_data(config, gateways)
    assert (
        report.records["chroma_data"].outcome == "copying"
    )  # cut short: the next copy replaces it
    assert report.finding("chroma_data").blocks
    assert report.state("upload_data") == "not started"


def test_the_gate_blocks_on_data_until_copied_and_warns_for_a_skipped_volume(demo: Demo) -> None:
    config, gateways = demo
    round = Round(config, gateways)
    data = round.run(step_by_id("data"))
    assert data.state == "block"
    by_check = {f.check: f for f in data.findings}
    assert by_check["data.rabbitmq_data"].severity.value == "warn"
    assert "In the Data step" in by_check["data.upload_data"].fix
    gate = {f.check: f for f in Round(config, gateways).run(step_by_id("gate")).findings}
    assert any("upload_data" in f.message for f in gate.values() if f.blocks)


def test_the_steps_words() -> None:
    progress = Progress(total=1000, done=250, started=0.0)
    assert progress_cell(progress).startswith("copying 25% · ")
    row = DataRow("up", "p_up", ("app",), "/d", "up", ("app-0",), FILES, "why", data_bytes=2048)
    skip = DataRow("mq", "p_mq", ("mq",), "/d", "mq", (), SKIP, "drains")
    lines, choices = copy_preview([row], [container("app")], "ns")
    assert [key for key, _, _ in choices] == ["y", "w", "o", "escape"]
    assert any("p-app-1" in line for line in lines)
    lines, choices = copy_preview([row], [], "ns")
    assert [key for key, _, _ in choices] == ["y", "o", "escape"]
    report = DataReport.assess("p", (row, skip), {})
    assert row_cells(row, report) == ("up", "✖ not copied yet", "files", "up", "2Ki")
    assert summary_text(report) == "1 of 2 volume(s) still to copy and verify"


def test_preflight_says_which_containers_were_stopped_for_the_copies(demo: Demo) -> None:
    from wizard.preflight import check_docker

    config, gateways = demo
    report = gather_data(config, gateways)
    uploads = [r for r in report.rows if r.volume == "upload_data"]
    stop_writers(config, gateways, writers_to_stop(uploads, report.containers))
    copy_volumes(config, gateways, ["upload_data"])
    found = {f.check: f for f in check_docker(config, gateways)}
    assert found["docker.stopped-for-copy"].severity.value == "info"
    assert "email-rag-backend-1" in found["docker.stopped-for-copy"].message
    assert "docker.stopped" not in found  # not a warning: the operator chose it


def test_the_demo_reopened_keeps_what_it_stopped_for_the_copies(demo: Demo) -> None:
    config, gateways = demo
    report = gather_data(config, gateways)
    uploads = [r for r in report.rows if r.volume == "upload_data"]
    stop_writers(config, gateways, writers_to_stop(uploads, report.containers))
    copy_volumes(config, gateways, ["upload_data"])
    # A new run of the demo (new gateways, same state.json): still verified, not stale.
    again = gather_data(config, build_gateways(config))
    assert again.state("upload_data") == "verified"
    stopped = {c.name for c in again.containers if c.state != "running"}
    assert stopped == {"email-rag-backend-1", "email-rag-celery-1"}


def test_a_claim_that_is_not_bound_is_refused_a_copy_and_says_where_to_fix_it() -> None:
    config = resolve_config(Flags(demo=True))  # the planted demo: data-postgres-0 is Pending
    gateways = build_gateways(config)
    row = next(r for r in gather_data(config, gateways).rows if r.volume == "postgres_data")
    assert row.claim_phase == "Pending"
    [outcome] = copy_volumes(config, gateways, ["postgres_data"], while_running=True)
    assert outcome.result == "refused" and "Volumes step" in outcome.message
    report = gather_data(config, gateways)
    assert report.state("postgres_data") == "not started"
    # Its finding says the same as the refusal: the Volumes step first, not `c`.
    finding = report.finding("postgres_data")
    assert finding.blocks and "claim is Pending" in finding.message
    assert "Volumes step (3)" in finding.fix and "press c" not in finding.fix


def test_a_target_of_a_kind_cutover_does_not_scale_is_refused_before_any_change() -> None:
    """A claim a DaemonSet (or Job, CronJob, bare Pod) mounts, whose server must not run during
    the copy: refused with how to stop it by hand; nothing is scaled (no cluster is even asked)."""
    from types import SimpleNamespace

    from wizard.data.run import _target_stopped
    from wizard.errors import GatewayError
    from wizard.target.model import PodVolume, TargetState, TargetWorkload

    for kind in ("DaemonSet", "Job", "CronJob", "Pod", "ReplicationController"):
        owner = TargetWorkload(
            kind, "cache", volumes=(PodVolume("d", "persistentVolumeClaim", "c"),)
        )
        run = SimpleNamespace(state=TargetState("ns", (owner,)), gateways=None)
        row = DataRow("c", "p_c", ("cache",), "/d", "c", (), FILES, "", stop_target=True)
        stopped = _target_stopped(run, row)  # type: ignore[arg-type]
        with pytest.raises(GatewayError, match=f"{kind} cache") as refused, stopped:
            pytest.fail("the copy must not start")
        assert "by hand" in refused.value.fix
