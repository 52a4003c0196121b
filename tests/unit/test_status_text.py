"""`cutover status` as text and JSON over step results built by hand: the verdict first, each
finding once, the gate pointing to the steps, acknowledgements as fields, the width kept."""

from __future__ import annotations

import io
import json

import pytest

from wizard.checks import Finding, Severity
from wizard.gate.verdict import Acknowledgement, acknowledge, combine
from wizard.status import as_json
from wizard.status_report import EXIT_BLOCKED, EXIT_READY, EXIT_UNKNOWN, StatusReport
from wizard.status_text import clip, write_text
from wizard.steps import StepStatus

LONG = "a message long enough that it cannot fit on one line of eighty columns " * 3
RWO = Finding(
    "volumes.rwo_shared:chroma-data",
    Severity.BLOCK,
    "PVC chroma-data (ReadWriteOnce) holds shared data " + LONG,
    "Use a ReadWriteMany class (NFS)",
)
UNHEALTHY = Finding("docker.unhealthy", Severity.WARN, "Unhealthy: celery-1", "docker inspect it")
LATEST = Finding("frontend/image", Severity.WARN, "Kubernetes runs latest", "pin a version")


def steps_of(*steps: StepStatus, acks: tuple[Acknowledgement, ...] = ()) -> StatusReport:
    """A report over `steps` with the gate after them, as `cutover status` gathers it."""
    verdict = combine(steps, acks)
    gate = StepStatus("gate", "Gate: compose down", "block", tuple(verdict.as_findings()))
    return StatusReport("shop", False, False, (*steps, gate), verdict)


def blocked() -> StatusReport:
    return steps_of(
        StepStatus(
            "preflight",
            "Preflight",
            "warn",
            (Finding("docker.reachable", Severity.OK, "Docker Engine 24 answers"), UNHEALTHY),
        ),
        StepStatus("volumes", "Volumes", "block", (RWO,)),
        StepStatus(
            "mapping",
            "Mapping diff",
            "block",
            (
                Finding("backend/image", Severity.OK, "Same image and tag."),
                Finding("backend+celery/volumes:chroma_data", Severity.BLOCK, "RWO " + LONG),
                LATEST,
            ),
        ),
    )


def text(report: StatusReport, width: int = 80, **options: bool) -> str:
    out = io.StringIO()
    write_text(report, out, width=width, **options)
    return out.getvalue()


def test_the_first_line_is_the_verdict_with_its_totals_and_what_comes_first() -> None:
    report = blocked()
    first, fix = text(report).splitlines()[:2]
    assert report.exit_code() == EXIT_BLOCKED
    assert first.startswith("BLOCKED — 2 blockers, 2 warnings; first: Volumes: PVC chroma-data")
    assert fix == "  fix: Use a ReadWriteMany class (NFS)"


def test_problems_only_by_default_and_every_row_with_all() -> None:
    report = blocked()
    assert "Same image and tag." not in text(report)
    assert "Docker Engine 24 answers" not in text(report)
    every = text(report, every_row=True)
    assert "  ok    backend/image: Same image and tag." in every
    assert "  ok    Docker Engine 24 answers" in every


@pytest.mark.parametrize("width", [40, 60, 80, 100, 200])
@pytest.mark.parametrize("long", [False, True])
def test_no_line_is_wider_than_the_width(width: int, long: bool) -> None:
    lines = text(blocked(), width=width, long=long, every_row=True).splitlines()
    assert max(len(line) for line in lines) <= width
    if not long:  # one line per finding: the long ones are cut, and say so
        assert any(line.endswith("…") for line in lines)


def test_long_wraps_each_message_in_full_with_its_fix() -> None:
    words = " ".join(text(blocked(), width=60, long=True).split())
    assert " ".join(RWO.message.split()) in words
    assert "fix: Use a ReadWriteMany class (NFS)" in words and "fix: pin a version" in words


@pytest.mark.parametrize("long", [False, True])
def test_each_finding_once_and_the_gate_points_to_its_steps(long: bool) -> None:
    shown = text(blocked(), width=200, long=long)
    for finding in (RWO, UNHEALTHY, LATEST):
        assert shown.count(finding.message[:40]) == 1 + (finding is RWO), shown  # + first line
    gate = shown[shown.index("4. Gate: compose down") :]
    assert "closed: see step 1, Preflight; 2, Volumes; 3, Mapping diff" in gate
    assert "BLOCK" not in gate and "WARN" not in gate


def test_step_headers_count_their_own_problems() -> None:
    lines = text(blocked()).splitlines()
    assert "1. Preflight: warn — 1 warning" in lines
    assert "3. Mapping diff: block — 1 blocker, 1 warning" in lines
    assert "4. Gate: compose down: block" in lines


def test_acknowledgement_is_a_field_and_reads_plainly() -> None:
    ack = acknowledge(UNHEALTHY, who="alice")
    report = steps_of(
        StepStatus("preflight", "Preflight", "warn", (UNHEALTHY,)),
        StepStatus("mapping", "Mapping diff", "warn", (LATEST,)),
        acks=(ack,),
    )
    shown = text(report, width=100)
    assert "  ack   Unhealthy: celery-1 (acknowledged by alice)" in shown
    assert "  WARN  frontend/image: Kubernetes runs latest" in shown
    assert "not acknowledged" not in shown
    assert f"acknowledged by alice at {ack.when[:10]}" in text(report, width=100, long=True)
    report_json = as_json(report)
    preflight, mapping, gate = report_json["steps"]
    assert preflight["findings"][0]["acknowledged"] == {"by": "alice", "at": ack.when}
    assert mapping["findings"][0]["acknowledged"] is None
    # The gate's copy of the open warning: no "(not acknowledged yet)" baked into its text.
    (copy,) = gate["findings"]
    assert copy["message"] == "Mapping diff: Kubernetes runs latest"
    assert copy["see"] == "mapping" and copy["acknowledged"] is None
    assert report_json["summary"]["acknowledged"] == 1


def test_ready_says_what_is_left_to_acknowledge_then_that_the_gate_can_open() -> None:
    step = StepStatus("preflight", "Preflight", "warn", (UNHEALTHY,))
    open_warning = steps_of(step)
    assert open_warning.exit_code() == EXIT_READY
    assert text(open_warning, width=100).startswith(
        "READY — no blockers, 1 warning to acknowledge at the gate; first: Preflight: Unhealthy"
    )
    done = steps_of(step, acks=(acknowledge(UNHEALTHY, who="bob"),))
    assert text(done).splitlines()[0] == (
        "READY — nothing blocks, every warning acknowledged: the gate can open"
    )


def test_unknown_says_why_in_full_under_the_verdict() -> None:
    why = (
        "Cannot reach the Kubernetes API server at https://10.0.0.1:6443 (context 'prod'): "
        "it accepted the connection but did not answer in time"
    )
    report = steps_of(
        StepStatus("preflight", "Preflight", "block", (RWO,)),
        StepStatus(
            "secrets",
            "Secrets",
            "unknown",
            (Finding("secrets", Severity.BLOCK, why, "Is the cluster up?", inconclusive=True),),
        ),
    )
    assert report.exit_code() == EXIT_UNKNOWN
    lines = text(report).splitlines()
    assert lines[0] == (
        "UNKNOWN — could not check 1 of 3 steps; 2 blockers, 0 warnings; first, Secrets:"
    )
    assert " ".join(" ".join(lines[1:3]).split()) == why
    assert lines[3] == "  fix: Is the cluster up?"


def test_summary_counts_each_finding_once_per_severity_and_step() -> None:
    summary = as_json(blocked())["summary"]
    assert summary["verdict"] == "blocked"
    assert (summary["blockers"], summary["warnings"]) == (2, 2)
    assert summary["counts"] == {"ok": 2, "info": 0, "warn": 2, "block": 2}
    assert summary["steps"]["mapping"] == {
        "state": "block",
        "counts": {"ok": 1, "info": 0, "warn": 1, "block": 1},
    }
    assert summary["steps"]["gate"]["counts"]["block"] == 0  # its copies are not counted again
    assert summary["first"]["step"] == "volumes" and summary["first"]["check"] == RWO.check
    json.dumps(summary)  # plain JSON


def test_an_output_without_unicode_gets_plain_ascii() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="latin-1")
    write_text(blocked(), out, width=80)
    out.flush()
    shown = raw.getvalue().decode("latin-1")
    assert shown.startswith("BLOCKED - 2 blockers, 2 warnings; first:")
    assert "..." in shown and "…" not in shown


def test_clip_keeps_short_text_and_cuts_long_text_to_the_width() -> None:
    assert clip("short  text\nhere", 20) == "short text here"
    assert clip("x" * 30, 10) == "x" * 9 + "…"
    assert clip("x" * 30, 10, "...") == "x" * 7 + "..."
