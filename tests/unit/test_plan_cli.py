"""`cutover plan` on bad input: one clear line and exit 2; offline from manifests alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.config import demo_dir


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """The sample's Compose side, with no cutover.yaml: each test writes the one it needs."""
    for name in ("docker-compose.prod.yml", ".env.example"):
        shutil.copy(demo_dir() / name, tmp_path / name)
    shutil.copytree(demo_dir() / "nginx", tmp_path / "nginx")
    return tmp_path


def plan(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "cutover",
        "plan",
        "-f",
        str(folder / "docker-compose.prod.yml"),
    ]
    command += ["--env-file", str(folder / ".env.example"), "-n", "email-rag"]
    command += ["--kubeconfig", str(folder / "no-kubeconfig"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_offline_from_manifests_with_no_cluster_configured(sample: Path) -> None:
    result = plan(sample, "--json", "--manifests", str(demo_dir() / "k8s"))
    assert result.returncode == 1, result.stderr  # the planted problems block
    report = json.loads(result.stdout)
    assert any("cluster not reachable" in s for s in report["sources"])
    assert {s["service"] for s in report["services"]} == {
        "backend",
        "celery",
        "frontend",
        "postgres",
        "rabbitmq",
        "redis",
    }


def test_unknown_service_in_cutover_yaml_is_one_line_and_exit_2(sample: Path) -> None:
    (sample / "cutover.yaml").write_text("services:\n  celeri: email-rag-celery\n")
    result = plan(sample, "--manifests", str(demo_dir() / "k8s"))
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "cutover.yaml line 2" in line and "Did you mean celery?" in line


def test_broken_compose_yaml_names_line_and_column(sample: Path) -> None:
    compose = sample / "docker-compose.prod.yml"
    compose.write_text(compose.read_text().replace("services:", "services: [", 1))
    result = plan(sample, "--manifests", str(demo_dir() / "k8s"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "docker-compose.prod.yml:" in line


def test_no_cluster_and_no_manifests_says_what_to_do(sample: Path) -> None:
    result = plan(sample)
    assert result.returncode == 2 and "No kubeconfig found" in result.stderr


def test_an_empty_plan_is_never_ready(tmp_path: Path) -> None:
    """Every service behind a profile that is not active: nothing compared, exit 1, said why."""
    (tmp_path / "docker-compose.prod.yml").write_text(
        "services:\n  web:\n    image: nginx:1.27\n    profiles: [debug]\n"
    )
    (tmp_path / ".env.example").write_text("")
    result = plan(tmp_path, "--json", "--manifests", str(demo_dir() / "k8s"))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["services"] == []
    assert "plan.empty" in json.dumps(report)
