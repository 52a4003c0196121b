"""The gate's refusals on the real cluster and the real Docker Engine.

A referenced Secret key that is missing keeps the gate closed, and down refuses before sending
anything; the viewer identity never reaches down either. Crash-looping pods and Pending PVCs:
test_gate_refusals.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.support.workloads import CountingHost
from wizard.compose import load_project
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.gate import GateClosed, evaluate_gate, take_down
from wizard.gateways.dockerhost import connect_compose_host
from wizard.gateways.factory import build_gateways
from wizard.state.store import StateFile


def _config(project: Any, docker_host: str, **extra: Any) -> CutoverConfig:
    flags = Flags(
        compose_files=[str(project.file)],
        project_name=project.name,
        docker_host=docker_host,
        **extra,
    )
    return resolve_config(flags, env={}, cwd=project.dir)


def _deployment(admin_api: Any, namespace: str, name: str, secret: str) -> None:
    env = [
        {
            "name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": secret, "key": "db-password"}},
        }
    ]
    body: Any = {
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "api", "image": "x", "env": env}]},
            },
        },
    }
    client.AppsV1Api(admin_api).create_namespaced_deployment(namespace, body)


@pytest.fixture
def api_project(compose_project: Callable[..., Any]) -> Any:
    return compose_project({"api": {"environment": {"DB_PASSWORD": "not-shown-anywhere"}}})


def test_gate_refuses_while_a_referenced_secret_key_is_missing(
    api_project: Any,
    admin_kubeconfig: str,
    admin_api: Any,
    namespace: str,
    docker_host: str,
    compose_bin: str,
    real_keyring: Any,
    tmp_path: Path,
) -> None:
    project = api_project
    _deployment(admin_api, namespace, f"{project.name}-api", f"{project.name}-secrets")
    config = _config(project, docker_host, namespace=namespace, kubeconfig=admin_kubeconfig)
    verdict = evaluate_gate(config, build_gateways(config))
    assert not verdict.ready
    missing = [i for i in verdict.blockers if i.finding.check == "secrets.missing-key"]
    assert missing and "db-password" in missing[0].finding.message
    assert missing[0].finding.fix

    host = CountingHost(connect_compose_host(docker_host))
    model = load_project(config, compose_bin=compose_bin)
    state = StateFile(tmp_path / ".cutover")
    with pytest.raises(GateClosed):
        take_down(host, model, verdict=verdict, typed=project.name, state=state)
    assert host.calls == []  # refused before any Docker request
    assert len(project.compose("ps", "-q").stdout.split()) == 1
    assert not state.path.exists()

    # The key written: that blocker is gone (evaluated afresh, nothing cached).
    secret: Any = {
        "metadata": {"name": f"{project.name}-secrets"},
        "stringData": {"db-password": "x"},
    }
    client.CoreV1Api(admin_api).create_namespaced_secret(namespace, secret)
    again = evaluate_gate(config, build_gateways(config))
    assert not [i for i in again.blockers if i.finding.check == "secrets.missing-key"]


def test_viewer_identity_cannot_reach_down(
    api_project: Any,
    viewer_kubeconfig: str,
    admin_api: Any,
    namespace: str,
    docker_host: str,
    compose_bin: str,
    real_keyring: Any,
    tmp_path: Path,
) -> None:
    project = api_project
    _deployment(admin_api, namespace, f"{project.name}-api", f"{project.name}-secrets")
    config = _config(project, docker_host, namespace=namespace, kubeconfig=viewer_kubeconfig)
    verdict = evaluate_gate(config, build_gateways(config))
    assert not verdict.ready and verdict.blockers
    host = CountingHost(connect_compose_host(docker_host))
    with pytest.raises(GateClosed):
        take_down(
            host,
            load_project(config, compose_bin=compose_bin),
            verdict=verdict,
            typed=project.name,
            state=StateFile(tmp_path / ".cutover"),
        )
    assert host.calls == []
    assert len(project.compose("ps", "-q").stdout.split()) == 1
