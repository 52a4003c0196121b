"""Compose secrets as files, against what the real API server and kubelet do with them.

Two Deployments read a password file the way MySQL's `*_FILE` variables do: one mounts the
Secret's key at /run/secrets/db-password through a projected volume's item, the other mounts
the Secret one folder off (/run/secret). The plan must call the first ok and block the second,
and the kubelet must agree: the first pod runs, the second exits because the file is not there.
The password never reaches the plan; an identity that may not read Secrets gets no false block.

Every wait is a deadline on what the kubelet reports: nothing sleeps to sync."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.support.pods import BUSYBOX, is_ready, restarts, template, wait_for_pods
from wizard.checks import Severity
from wizard.compose.model import ComposeProject, ComposeService, FileGrant, ProjectFile
from wizard.config import CutoverConfig
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster
from wizard.mapping.diff import plan

SELECTOR = "app=files"
TARGET = "/run/secrets/db-password"
# Runs while the file is there; exits 3 at once when it is not (as mysqld would refuse to start).
NEEDS_FILE = [
    "sh",
    "-c",
    f"test -s {TARGET} || {{ echo 'no {TARGET}' >&2; exit 3; }}; "
    "trap 'exit 0' TERM; sleep 3600 & wait",
]


@pytest.fixture
def cluster(admin_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    c = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    yield c
    c.close()


def _deployment(name: str, mount_path: str, volume: dict[str, Any]) -> dict[str, Any]:
    labels = {"app": "files", "component": name}
    box = {
        "name": name,
        "image": BUSYBOX,
        "command": NEEDS_FILE,
        "env": [{"name": "MYSQL_ROOT_PASSWORD_FILE", "value": TARGET}],
        "volumeMounts": [{"name": "creds", "mountPath": mount_path, "readOnly": True}],
    }
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": template(labels, [box], volumes=[{"name": "creds", **volume}]),
        },
    }


def _project(*names: str) -> ComposeProject:
    grant = (FileGrant("db-password", TARGET),)
    services = {
        n: ComposeService(
            name=n,
            image=BUSYBOX,
            environment={"MYSQL_ROOT_PASSWORD_FILE": TARGET},
            secrets=grant,
        )
        for n in names
    }
    return ComposeProject(
        name="files",
        services=services,
        secrets={"db-password": ProjectFile("db-password", "files_db-password", "file", "/x")},
    )


def test_a_secret_file_the_kubelet_puts_there_is_ok_and_one_it_does_not_blocks(
    cluster: KubeCluster,
    admin_api: Any,
    admin_kubeconfig: str,
    viewer_kubeconfig: str,
    namespace: str,
    tmp_path: Path,
) -> None:
    password = secrets.token_hex(16)
    core, apps = client.CoreV1Api(admin_api), client.AppsV1Api(admin_api)
    core.create_namespaced_secret(
        namespace,
        {
            "metadata": {"name": "db-creds", "labels": {"app": "files"}},
            "stringData": {"root-password": password},
        },
    )
    projected = {
        "projected": {
            "sources": [
                {
                    "secret": {
                        "name": "db-creds",
                        "items": [{"key": "root-password", "path": "db-password"}],
                    }
                }
            ]
        }
    }
    apps.create_namespaced_deployment(namespace, _deployment("db-good", "/run/secrets", projected))
    typo = {"secret": {"secretName": "db-creds"}}
    apps.create_namespaced_deployment(namespace, _deployment("db-bad", "/run/secret", typo))

    config = CutoverConfig((tmp_path / "compose.yaml",), tmp_path, "files", selector=SELECTOR)
    project = _project("db-good", "db-bad")
    result = plan(project, cluster.read_target(SELECTOR), config)
    rows = {s.service: {r.field: r for r in s.rows} for s in result.services}
    good, bad = rows["db-good"]["secrets:db-password"], rows["db-bad"]["secrets:db-password"]
    assert good.finding.severity is Severity.OK, good.finding.message
    assert good.kubernetes == "Secret db-creds/root-password"
    assert bad.finding.severity is Severity.BLOCK, bad.finding.message
    assert f"mountPath: {TARGET}" in bad.finding.fix
    assert password not in repr(result)

    # The kubelet agrees: the file is there for one, missing for the other.
    wait_for_pods(
        admin_api, namespace, "component=db-good", lambda p: all(map(is_ready, p)), "db-good"
    )
    wait_for_pods(
        admin_api,
        namespace,
        "component=db-bad",
        lambda pods: any(restarts(p) >= 1 for p in pods),
        "db-bad to exit for want of its password file",
        timeout=90,
    )

    # The view role may not read Secrets: the key is not checked, and nothing false is said.
    viewer = connect_cluster(viewer_kubeconfig, None, namespace, read_only=True)
    try:
        seen = plan(project, viewer.read_target(SELECTOR), config)
    finally:
        viewer.close()
    as_viewer = {s.service: {r.field: r for r in s.rows} for s in seen.services}
    assert as_viewer["db-good"]["secrets:db-password"].finding.severity is Severity.INFO
    assert as_viewer["db-bad"]["secrets:db-password"].finding.severity is Severity.BLOCK
