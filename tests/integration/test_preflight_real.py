"""Preflight against the real services: the screen, and `cutover status`, on a real project.

Everything here talks to the real kube-apiserver, the private dockerd running a Compose project
brought up by the real docker-compose v2 binary, and the Secret Service keyring of the run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from screens.app import CutoverApp
from screens.preflight import PreflightBody
from tests.support.workloads import project_config
from tests.ui.conftest import settle
from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.gateways.factory import build_gateways
from wizard.preflight import check_access

SERVICES = {"web": {}, "db": {"volumes": ["db_data:/data"]}}
SPEC = {"services": SERVICES, "volumes": {"db_data": {}}}


async def _preflight(config: CutoverConfig) -> list[Finding]:
    app = CutoverApp(config, build_gateways(config))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        body = app.screen.query_one("#preflight", PreflightBody)
        assert not body.running
        return body.findings


def _by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


async def test_preflight_screen_on_real_services_passes(
    compose_project: Callable[..., Any],
    admin_kubeconfig: str,
    namespace: str,
    docker_host: str,
    real_keyring: Any,
) -> None:
    project = compose_project(SPEC)
    findings = await _preflight(project_config(project, admin_kubeconfig, namespace, docker_host))
    found = _by_check(findings)
    assert not [f for f in findings if f.severity in (Severity.WARN, Severity.BLOCK)], findings
    assert found["docker.project"].message.startswith(
        "2 of 2 containers running for 2 services: db, web"
    )
    assert (
        "v1.20" in found["cluster.reachable"].message
        and "admin" in found["cluster.reachable"].message
    )
    assert found["cluster.namespace"].severity is Severity.OK
    assert all(
        found[f"access.{step}"].severity is Severity.OK
        for step in ("secrets", "volumes", "mapping", "health")
    )
    assert "SecretService" in found["keyring"].message


def test_preflight_as_viewer_warns_about_secrets_only(
    compose_project: Callable[..., Any],
    viewer_kubeconfig: str,
    namespace: str,
    docker_host: str,
    real_keyring: Any,
) -> None:
    project = compose_project(SPEC)
    # The check itself: opened in the wizard, this identity gets the read-only wizard instead
    # (tests/integration/test_read_only_auto.py), whose Preflight sends no access review.
    config = project_config(project, viewer_kubeconfig, namespace, docker_host)
    found = _by_check(check_access(config, build_gateways(config)))
    secrets = found["access.secrets"]
    assert secrets.severity is Severity.WARN
    assert "get secrets" in secrets.message and "create secrets" in secrets.message
    assert "--read-only" in secrets.fix
    for step in ("volumes", "mapping", "health"):
        assert found[f"access.{step}"].severity is Severity.OK, found[f"access.{step}"]


async def test_preflight_with_the_cluster_down_blocks_with_the_fix(
    compose_project: Callable[..., Any],
    admin_kubeconfig: str,
    namespace: str,
    docker_host: str,
    tmp_path: Path,
    real_keyring: Any,
) -> None:
    # The same identity, pointed at a port where nothing listens: what a stopped API server looks like.
    kubeconfig = yaml.safe_load(Path(admin_kubeconfig).read_text())
    for cluster in kubeconfig["clusters"]:
        cluster["cluster"]["server"] = "https://127.0.0.1:1"
    down = tmp_path / "down.kubeconfig"
    down.write_text(yaml.safe_dump(kubeconfig))
    project = compose_project(SPEC)
    findings = await _preflight(project_config(project, str(down), namespace, docker_host))
    found = _by_check(findings)
    assert found["docker.project"].severity is Severity.OK  # the rest still checked
    for check in ("cluster", "access"):
        assert found[check].blocks, found[check]
        assert "127.0.0.1:1" in found[check].message and found[check].fix
    assert not any("Traceback" in f.message for f in findings)


def test_status_command_on_real_services(
    compose_project: Callable[..., Any],
    admin_kubeconfig: str,
    namespace: str,
    docker_host: str,
    real_keyring: Any,
) -> None:
    project = compose_project(SPEC)
    args = ["status", "-f", str(project.file), "-p", project.name, "-n", namespace]
    # --all: the ok rows too (the default shows problems only).
    args += ["--kubeconfig", admin_kubeconfig, "-H", docker_host, "--all"]
    result = subprocess.run(
        [sys.executable, "-m", "cutover", *args], capture_output=True, text=True, timeout=60
    )
    # Preflight passes; nothing is deployed in the fresh namespace, so the mapping blocks.
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1. Preflight: ok" in result.stdout and "2 of 2 containers running" in result.stdout
    assert "4. Mapping diff: block" in result.stdout and "web/match" in result.stdout

    other = subprocess.run(
        [sys.executable, "-m", "cutover", *args[:3], "-p", "no-such-project", *args[5:]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.returncode == 1
    assert "No containers of project 'no-such-project'" in other.stdout
    assert project.name in other.stdout  # the fix names the projects that do run there
