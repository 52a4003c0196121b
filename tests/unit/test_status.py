"""`cutover status`: every step's state, and its exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from wizard.steps import CHECKLIST


def _status(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cutover", "status", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


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
