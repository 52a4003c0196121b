"""`cutover plan` on the sample applied to the real API server: exactly the planted problems.

The sample (assets/demo) carries three planted mistakes: the celery worker lost PST_MAX_SIZE_MB,
chroma-data is ReadWriteOnce though backend and celery share it, and the frontend runs `latest`.
The nginx config bind mount is a real finding by design (baked into the image? verify).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.sample_k8s import apply_folder, sample_for
from wizard.config import demo_dir

PLANTED = {
    ("celery", "env:PST_MAX_SIZE_MB", "block"),
    ("celery", "volumes:chroma_data", "block"),
    ("backend", "volumes:chroma_data", "block"),
    ("frontend", "image", "warn"),
    ("frontend", "volumes:/etc/nginx/nginx.conf", "warn"),
}


def problems(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (s["service"], f["field"], f["severity"])
        for s in report["services"]
        for f in s["findings"]
        if f["severity"] in ("warn", "block")
    }


def run_plan(*args: str, sample: Path | None = None) -> subprocess.CompletedProcess[str]:
    sample = sample or demo_dir()
    command = [sys.executable, "-m", "cutover", "plan", "--json"]
    command += [
        "-f",
        str(sample / "docker-compose.prod.yml"),
        "--env-file",
        str(sample / ".env.example"),
    ]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def applied(admin_api: Any, namespace: str, tmp_path: Path) -> Path:
    folder = sample_for(namespace, tmp_path / "k8s")
    apply_folder(admin_api, folder, namespace)
    return folder


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_plan_finds_exactly_the_planted_problems(
    who: str, applied: Path, namespace: str, admin_kubeconfig: str, viewer_kubeconfig: str
) -> None:
    kubeconfig = admin_kubeconfig if who == "admin" else viewer_kubeconfig
    result = run_plan("-n", namespace, "--kubeconfig", kubeconfig)
    assert result.returncode == 1, result.stderr  # something blocks
    report = json.loads(result.stdout)
    assert problems(report) == PLANTED
    assert any(s.startswith("cluster (namespace") for s in report["sources"])
    services = {s["service"]: s["target"] for s in report["services"]}
    assert services["backend"] == {"kind": "Deployment", "name": "email-rag-backend"}
    assert services["postgres"] == {"kind": "StatefulSet", "name": "postgres"}


def test_plan_with_manifests_and_both_sources_reports_no_drift(
    applied: Path, namespace: str, admin_kubeconfig: str
) -> None:
    result = run_plan(
        "-n", namespace, "--kubeconfig", admin_kubeconfig, "--manifests", str(applied)
    )
    report = json.loads(result.stdout)
    assert problems(report) == PLANTED
    drift = [o for o in report["other"] if "drift" in o["field"] or "not_applied" in o["field"]]
    # The only difference allowed: KEDA is not installed in the test cluster.
    assert all("ScaledObject" in o["field"] for o in drift), drift


def test_plan_offline_from_manifests_when_the_cluster_is_down(tmp_path: Path) -> None:
    down = tmp_path / "down.kubeconfig"
    down.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    manifests = str(demo_dir() / "k8s")
    result = run_plan("-n", "email-rag", "--kubeconfig", str(down), "--manifests", manifests)
    report = json.loads(result.stdout)
    assert problems(report) == PLANTED
    assert any("cluster not reachable" in s for s in report["sources"])

    # Without manifests (a copy of the Compose side only, no cutover.yaml naming the folder).
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("docker-compose.prod.yml", ".env.example"):
        (bare / name).write_text((demo_dir() / name).read_text())
    (bare / "nginx").mkdir()
    without = run_plan("-n", "email-rag", "--kubeconfig", str(down), sample=bare)
    assert without.returncode == 2 and without.stdout == ""
    assert "127.0.0.1:1" in without.stderr and "Traceback" not in without.stderr
    assert len(without.stderr.strip().splitlines()) == 1


def test_plan_with_rejected_credentials_says_so(viewer_kubeconfig: str, tmp_path: Path) -> None:
    # A token the API server does not know (401): no offline fallback to the manifests.
    kubeconfig = Path(viewer_kubeconfig).read_text().replace("token: ", "token: not-")
    bad = tmp_path / "bad.kubeconfig"
    bad.write_text(kubeconfig)
    result = run_plan("-n", "kube-system", "--kubeconfig", str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_plan_in_a_namespace_that_does_not_exist_says_so(viewer_kubeconfig: str) -> None:
    result = run_plan("-n", "no-such-namespace-here", "--kubeconfig", viewer_kubeconfig)
    assert result.returncode == 2 and result.stdout == ""
    assert "Namespace 'no-such-namespace-here' does not exist" in result.stderr
