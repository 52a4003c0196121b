"""`cutover status` against a hung kube-apiserver: it says "unknown", and says it soon.

A hung server (the process stopped with SIGSTOP) still has its listening socket, so the kernel
accepts every connection and nothing answers: each request waits out its own timeout. The
report's gateway remembers the first such failure for the rest of the run, so the later steps
answer at once (issue 15: 19.6 s before, every step waiting in turn). The time itself is measured
in benchmarks/status_hung_apiserver.py; here only that it returned well within a generous
deadline, that the verdict is unknown, and that the later requests were not sent at all.

The stopped server is a private second kube-apiserver (tests/support/private_apiserver.py); the
shared one of the test environment is never stopped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import testenv
from tests.support.private_apiserver import PrivateApiServer, admin_token

DEADLINE = 30.0  # seconds: "it returned at all"; benchmarks/ has the figure (target 6 s)
NOT_ASKED = "not asked again"


@pytest.fixture
def hung_apiserver(testenv_values: testenv.TestEnv, tmp_path: Path) -> Iterator[Path]:
    """A private kube-apiserver, ready, then stopped with SIGSTOP; its kubeconfig. Killed by
    pid afterwards whatever happens (SIGKILL ends a stopped process too)."""
    server = PrivateApiServer.from_testenv(testenv_values.state, tmp_path / "apiserver")
    try:
        server.start()
        server.wait_ready()
        kubeconfig = server.write_kubeconfig(
            tmp_path / "kubeconfig", admin_token(testenv_values.state)
        )
        assert server.pid is not None
        os.kill(server.pid, signal.SIGSTOP)
        yield kubeconfig
    finally:
        server.stop()


def status(
    project: Path, kubeconfig: Path, namespace: str, docker_host: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cutover", "status", "--kubeconfig", str(kubeconfig)]
    command += ["-n", namespace, "-H", docker_host, *extra]
    return subprocess.run(
        command, cwd=project, capture_output=True, text=True, timeout=DEADLINE, check=False
    )


def test_status_with_a_hung_api_server_says_unknown_and_asks_it_once(
    hung_apiserver: Path, namespace: str, docker_host: str, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "compose.yaml").write_text("services:\n  web:\n    image: local/busybox:1\n")

    text = status(project, hung_apiserver, namespace, docker_host)
    assert text.returncode == 2, text.stdout + text.stderr
    assert "Traceback" not in text.stdout + text.stderr
    first = text.stdout.splitlines()[0]
    assert first.startswith("UNKNOWN — "), text.stdout
    words = " ".join(text.stdout.split())  # as read, whatever the wrapping
    assert "API server" in words and "did not answer in time" in words, text.stdout

    report = json.loads(status(project, hung_apiserver, namespace, docker_host, "--json").stdout)
    assert report["summary"]["verdict"] == "unknown" and report["ready"] is False
    findings = {s["id"]: s["findings"] for s in report["steps"] if s["id"] != "gate"}
    shown = json.dumps(findings, indent=1)
    # The first to ask waited for the server, and the first line says so in its own words;
    # the steps after it knew at once and sent nothing (their message says so).
    first = report["summary"]["first"]
    assert "did not answer in time" in first["message"] and NOT_ASKED not in first["message"]
    for step in ("secrets", "volumes", "health"):
        assert any(NOT_ASKED in f["message"] for f in findings[step]), shown
    unknown = set(report["summary"]["unknown_steps"])
    assert {"secrets", "volumes", "mapping", "health"} <= unknown, unknown
