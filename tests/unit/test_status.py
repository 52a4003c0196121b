"""`cutover status`: every step's state, and its exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cutover.cli import main
from wizard.steps import CHECKLIST


def _cutover(
    *args: str, cwd: Path | None = None, columns: int | None = None, state: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`cutover ARGS` in a child process, its stdout a pipe (not a terminal). `columns`: the
    COLUMNS it sees (None: unset). `state`: where the demo keeps its state (a fresh folder, so
    acknowledgements the developer made in the demo do not change what is counted)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    if state is not None:
        env["CUTOVER_DEMO_STATE_DIR"] = str(state)
    return subprocess.run(
        [sys.executable, "-m", "cutover", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )


def _status(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return _cutover("status", *args, cwd=cwd)


def test_demo_status_json_lists_every_step_and_is_honest() -> None:
    result = _status("--demo", "--json")
    assert result.returncode == 1, result.stderr  # the sample's planted mapping problems block
    report = json.loads(result.stdout)
    assert [s["id"] for s in report["steps"]] == [s.id for s in CHECKLIST]
    states = {s["id"]: s["state"] for s in report["steps"]}
    assert states["preflight"] == "warn"  # the demo's unhealthy celery container
    assert states["mapping"] == "block"
    assert states["volumes"] == "block"  # chroma-data ReadWriteOnce, data-postgres-0 Pending
    assert states["health"] == "block"  # the Secret is not written yet: celery crash-loops
    assert states["gate"] == "block"  # the gate's own check, over the steps before it
    assert report["ready"] is False
    finding = report["steps"][0]["findings"][0]
    assert set(finding) == {"check", "severity", "message", "fix"}
    # Each finding counted once: the gate's copies (each with `see`) are not counted again.
    summary = report["summary"]
    own = [f for s in report["steps"] if s["id"] != "gate" for f in s["findings"]]
    assert summary["verdict"] == "blocked"
    assert summary["blockers"] == sum(f["severity"] == "block" for f in own)
    assert (
        summary["counts"]["warn"]
        == summary["warnings"]
        == sum(f["severity"] == "warn" for f in own)
    )
    assert sum(summary["counts"].values()) == len(own)
    gate = next(s for s in report["steps"] if s["id"] == "gate")
    assert gate["findings"] and all(f["see"] in states for f in gate["findings"])
    assert all(f["acknowledged"] is None for f in own + gate["findings"] if f["severity"] == "warn")
    assert not any("not acknowledged" in f["message"] for f in gate["findings"])


def test_status_with_unreachable_services_exits_2(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    result = _status(
        "--kubeconfig", str(kubeconfig), "-H", f"unix://{tmp_path}/no.sock", cwd=tmp_path
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "1. Preflight: unknown" in result.stdout and "127.0.0.1:1" in result.stdout


def test_status_with_bad_config_exits_2(tmp_path: Path) -> None:
    result = _status("-f", "nope.yml", cwd=tmp_path)
    assert result.returncode == 2 and "nope.yml" in result.stderr


def test_demo_status_fits_a_bastion_terminal_verdict_first(tmp_path: Path) -> None:
    """At 80 columns, by default: at most 40 lines, none wider than 80, the verdict first."""
    result = _cutover("--demo", "status", columns=80, state=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("BLOCKED — ") and "blockers" in lines[0], lines[0]
    assert len(lines) <= 40, f"{len(lines)} lines:\n{result.stdout}"
    assert max(len(line) for line in lines) <= 80, result.stdout
    assert not any(line.startswith("  ok ") for line in lines)  # problems only
    every = _cutover("--demo", "status", "--all", columns=80, state=tmp_path).stdout
    assert any(line.startswith("  ok ") for line in every.splitlines())


def test_status_into_a_pipe_is_100_columns_wide(tmp_path: Path) -> None:
    lines = _cutover("--demo", "status", state=tmp_path).stdout.splitlines()
    assert 80 < max(len(line) for line in lines) <= 100


def test_demo_status_and_plan_work_as_typed(tmp_path: Path) -> None:
    typed = _cutover("demo", "status", state=tmp_path)
    flagged = _cutover("--demo", "status", state=tmp_path)
    assert (typed.returncode, typed.stdout) == (flagged.returncode, flagged.stdout)
    assert typed.returncode == 1 and not typed.stderr
    fixed = _cutover("demo", "--fixed", "status", "--json", state=tmp_path)
    assert fixed.returncode in (0, 1) and json.loads(fixed.stdout)["summary"]["verdict"]
    plan = _cutover("demo", "plan", "--json", state=tmp_path)
    assert plan.returncode == 1 and json.loads(plan.stdout)["services"]
    wrong = _cutover("demo", "nonsense", state=tmp_path)
    assert wrong.returncode == 2 and "cutover demo status" in wrong.stderr


@pytest.mark.parametrize(
    ("argv", "has", "has_not"),
    [
        (
            ["demo", "--help"],
            ["usage: cutover demo", "cutover demo status", "--fixed"],
            ["--kubeconfig", "--yes"],
        ),
        (
            ["status", "--help"],
            ["usage: cutover status", "--long", "--all", "--kubeconfig"],
            ["--yes", "--fresh"],
        ),
        (["demo", "status", "--help"], ["usage: cutover demo status", "--long"], ["--kubeconfig"]),
        (["plan", "--help"], ["usage: cutover plan", "--manifests", "--json"], ["--all", "--long"]),
        (["data", "--help"], ["usage: cutover data", "--yes", "--all"], ["--long", "--fresh"]),
        (["--help"], ["commands", "--kubeconfig", "--long", "--yes"], []),
    ],
)
def test_each_command_has_its_own_help(
    argv: list[str], has: list[str], has_not: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    shown = capsys.readouterr().out
    assert all(word in shown for word in has), shown
    assert not any(word in shown for word in has_not), shown
