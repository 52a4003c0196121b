"""One matcher on the real API server: `<project>-<service>` Deployments are found by Mapping
and Pod health alike, and a DaemonSet, a Job, a CronJob and a bare Pod are read live as the
targets of Compose services, with their health.

Every wait is a deadline on what the API server reports: nothing sleeps to sync."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.support.pods import BUSYBOX, running, template
from tests.support.sample_k8s import raw
from wizard.checks import Finding, Severity
from wizard.compose.model import ComposeProject, ComposeService
from wizard.config import CutoverConfig
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster
from wizard.health.report import gather_health
from wizard.mapping.diff import plan

SELECTOR = "app=kinds"
LABELS = {"app": "kinds"}


@pytest.fixture
def cluster(admin_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    c = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    yield c
    c.close()


def _config(tmp_path: Path, project: str, **fields: Any) -> CutoverConfig:
    return CutoverConfig(
        (tmp_path / "compose.yaml",), tmp_path, project, selector=SELECTOR, **fields
    )


def _project(name: str, *services: str) -> ComposeProject:
    return ComposeProject(
        name=name, services={s: ComposeService(name=s, image=BUSYBOX) for s in services}
    )


def _until(what: str, ready: Callable[[], list[Finding]], timeout: float = 90) -> list[Finding]:
    """Poll the findings until none is a problem; the last ones when the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        found = ready()
        if all(f.severity is Severity.OK for f in found):
            return found
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s: {found}"
        time.sleep(0.5)


def create(api: Any, obj: dict[str, Any], namespace: str, plural: str) -> bool:
    """Create `obj` at its apiVersion; False when the server does not serve that version."""
    status, answer = raw(
        api, "POST", f"/apis/{obj['apiVersion']}/namespaces/{namespace}/{plural}", obj
    )
    if status == 404:
        return False
    assert 200 <= status < 300, answer
    return True


def _labels(component: str) -> dict[str, str]:
    return {**LABELS, "component": component}


def test_project_named_deployments_match_in_mapping_and_health(
    cluster: KubeCluster, admin_api: Any, namespace: str, tmp_path: Path
) -> None:
    apps = client.AppsV1Api(admin_api)
    services = ("web", "worker", "cache")
    for service in services:
        labels = _labels(f"shop-{service}")
        apps.create_namespaced_deployment(
            namespace,
            {
                "metadata": {"name": f"shop-{service}", "labels": labels},
                "spec": {
                    "selector": {"matchLabels": labels},
                    "template": template(labels, [running(service)]),
                },
            },
        )
    project = _project("shop", *services)
    config = _config(tmp_path, "shop")
    mapping = plan(project, cluster.read_target(SELECTOR), config)
    matched = {s.service: s.target for s in mapping.services}
    assert {s: (t.kind, t.name) if t else None for s, t in matched.items()} == {
        s: ("Deployment", f"shop-{s}") for s in services
    }
    health = _until(
        "every shop-* Deployment ready", lambda: gather_health(cluster, project, config)
    )
    assert sorted(f.check for f in health) == [f"health.{s}" for s in sorted(services)]
    assert not any("no Deployment" in f.message or "no workload" in f.message for f in health)


def test_daemonset_job_cronjob_and_pod_are_read_live_as_targets(
    cluster: KubeCluster, admin_api: Any, namespace: str, kubelet_node: str, tmp_path: Path
) -> None:
    apps, batch, core = (
        client.AppsV1Api(admin_api),
        client.BatchV1Api(admin_api),
        client.CoreV1Api(admin_api),
    )
    agent = _labels("agent")
    # Only on the node with a real kubelet: on the others its pods would never run.
    pod = template(agent, [running("agent")])
    pod["spec"]["nodeSelector"] = {"kubernetes.io/hostname": kubelet_node}
    apps.create_namespaced_daemon_set(
        namespace,
        {
            "metadata": {"name": "agent", "labels": agent},
            "spec": {"selector": {"matchLabels": agent}, "template": pod},
        },
    )
    done = {"name": "migrate", "image": BUSYBOX, "command": ["true"]}
    job_pod = template(_labels("migrate"), [done])
    job_pod["spec"]["restartPolicy"] = "Never"
    batch.create_namespaced_job(
        namespace,
        {
            "metadata": {"name": "migrate", "labels": _labels("migrate")},
            "spec": {"template": job_pod},
        },
    )
    cronjob = {
        "kind": "CronJob",
        "metadata": {"name": "shop-report", "labels": _labels("report")},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": job_pod}}},
    }
    # batch/v1 from Kubernetes 1.21, batch/v1beta1 before (and the test server is 1.20).
    served = next(
        (
            v
            for v in ("batch/v1", "batch/v1beta1")
            if create(admin_api, {"apiVersion": v, **cronjob}, namespace, "cronjobs")
        ),
        None,
    )
    assert served, "no batch version serves CronJobs"
    shell = template(_labels("shell"), [running("shell"), running("sidecar")])
    core.create_namespaced_pod(
        namespace,
        {"metadata": {"name": "shell", "labels": _labels("shell")}, "spec": shell["spec"]},
    )

    target = cluster.read_target(SELECTOR)
    kinds = {w.name: w.kind for w in target.workloads}
    assert kinds == {
        "agent": "DaemonSet",
        "migrate": "Job",
        "shop-report": "CronJob",
        "shell": "Pod",
    }
    report = target.workload("shop-report")
    assert report is not None and report.schedule == "0 3 * * *"
    assert [c.name for c in report.containers] == ["migrate"]
    assert [c.name for c in target.workload("shell").containers] == ["shell", "sidecar"]  # type: ignore[union-attr]

    project = _project("shop", "agent", "migrate", "report", "shell")
    config = _config(tmp_path, "shop")
    mapping = plan(project, target, config)
    assert {s.service: s.target.kind if s.target else None for s in mapping.services} == {
        "agent": "DaemonSet",
        "migrate": "Job",
        "report": "CronJob",
        "shell": "Pod",
    }
    assert not any(f.check.startswith("match:") and f.blocks for f in mapping.findings)
    health = _until(
        "the DaemonSet's pod ready, the Job done, the Pod ready",
        lambda: gather_health(cluster, project, config),
    )
    assert sorted(f.check for f in health) == [
        "health.agent",
        "health.migrate",
        "health.report",
        "health.shell",
    ]
