"""The gate's refusals for a crash-looping pod and a Pending claim, on the real services.

evaluate_gate runs every step's checks against the real API server (the real kubelet runs a container
that exits); take_down must refuse with GateClosed before it sends the Docker Engine anything.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.support.pods import crashing, restarts, wait_for_pods, waiting_reason
from tests.support.workloads import CLAIM, CountingHost, create_deployment, project_config
from wizard.compose import load_project
from wizard.config import CutoverConfig
from wizard.gate import GateClosed, evaluate_gate, take_down
from wizard.gate.verdict import GateItem, GateVerdict
from wizard.gateways.dockerhost import connect_compose_host
from wizard.gateways.factory import build_gateways
from wizard.state.store import StateFile


def _blockers(verdict: GateVerdict, step: str) -> list[GateItem]:
    return [i for i in verdict.blockers if i.step == step]


def _refuses_down(
    verdict: GateVerdict,
    config: CutoverConfig,
    project: Any,
    docker_host: str,
    compose_bin: str,
    tmp_path: Path,
) -> None:
    host = CountingHost(connect_compose_host(docker_host))
    model = load_project(config, compose_bin=compose_bin)
    state = StateFile(tmp_path / ".cutover")
    with pytest.raises(GateClosed) as refused:
        take_down(host, model, verdict=verdict, typed=project.name, state=state)
    assert "Nothing was taken down" in refused.value.message
    assert host.calls == []  # refused before any Docker request
    assert not state.path.exists()
    assert len(project.compose("ps", "-q").stdout.split()) == 1  # still running


def test_gate_refuses_while_a_pod_crash_loops(
    compose_project: Callable[..., Any],
    admin_kubeconfig: str,
    admin_api: Any,
    namespace: str,
    docker_host: str,
    compose_bin: str,
    real_keyring: Any,
    tmp_path: Path,
) -> None:
    project = compose_project({"web": {}})
    create_deployment(admin_api, namespace, "web", replicas=2, container=crashing("web"))
    crash_looping = wait_for_pods(
        admin_api,
        namespace,
        "app=web",
        lambda ps: (
            len(ps) == 2
            and all(waiting_reason(p) == "CrashLoopBackOff" and restarts(p) for p in ps)
        ),
        "both pods in a real CrashLoopBackOff",
    )
    pods = [p.metadata.name for p in crash_looping]
    config = project_config(project, admin_kubeconfig, namespace, docker_host)

    verdict = evaluate_gate(config, build_gateways(config), [])
    assert not verdict.ready
    health = _blockers(verdict, "health")
    [item] = [i for i in health if i.finding.check == "health.web"]
    assert item.finding.blocks
    assert item.finding.message.startswith("web: 0/2 ready")
    assert "CrashLoopBackOff" in item.finding.message
    assert any(pod in item.finding.fix for pod in pods), (item.finding.fix, pods)
    assert "Not ready" in verdict.summary()

    _refuses_down(verdict, config, project, docker_host, compose_bin, tmp_path)


def test_gate_refuses_while_a_claim_is_pending(
    compose_project: Callable[..., Any],
    admin_kubeconfig: str,
    admin_api: Any,
    namespace: str,
    docker_host: str,
    compose_bin: str,
    real_keyring: Any,
    tmp_path: Path,
) -> None:
    project = compose_project(
        {"services": {"db": {"volumes": ["data:/data"]}}, "volumes": {"data": {}}}
    )
    client.CoreV1Api(admin_api).create_namespaced_persistent_volume_claim(namespace, CLAIM)
    claim = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    create_deployment(admin_api, namespace, "db", replicas=1, volumes=claim)
    config = project_config(project, admin_kubeconfig, namespace, docker_host)

    verdict = evaluate_gate(config, build_gateways(config), [])
    assert not verdict.ready
    [item] = [i for i in _blockers(verdict, "volumes") if i.finding.check == "volumes.pending:data"]
    assert item.finding.blocks and not item.finding.inconclusive
    assert "data" in item.finding.message and "Pending" in item.finding.message
    assert item.finding.fix

    _refuses_down(verdict, config, project, docker_host, compose_bin, tmp_path)
