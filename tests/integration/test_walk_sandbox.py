"""The same walk as tests/ui/test_walk_demo.py, Preflight to down, keyboard first at 80x24, on
real services: the sample with its fixes (k8s-fixed/) on the test environment's kube-apiserver
with its pods on the real kubelet, its Compose project on the private dockerd, the real OS keyring (run
through scripts/with-keyring.sh). Then what is left on those services is checked directly.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from screens.app import CutoverApp
from tests.support import testenv
from tests.support.fixtures import KeyringScratch
from tests.support.sandbox import Sandbox, start_sandbox
from tests.support.walk import SAMPLE_SECRET_VALUES, walk_to_down
from wizard.config import Flags, resolve_config
from wizard.data.record import load_records
from wizard.gateways.factory import build_gateways
from wizard.secrets.spec import keyring_service
from wizard.state.store import state_file_for

SECRET = "email-rag-secrets"
SIZE = (80, 24)


@pytest.fixture
def fixed_sandbox(testenv_values: testenv.TestEnv, tmp_path: Path) -> Iterator[Sandbox]:
    name = f"sbx-walk-{secrets.token_hex(3)}"
    sandbox = start_sandbox(tmp_path / name, namespace=name, project=name, fixed=True)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _compose_objects(docker_client: Any, project: str) -> tuple[list[str], list[str]]:
    label = f"com.docker.compose.project={project}"
    containers = [c.name for c in docker_client.containers.list(all=True, filters={"label": label})]
    volumes = [v.name for v in docker_client.volumes.list(filters={"label": label})]
    return containers, volumes


async def test_walk_the_fixed_sandbox_from_preflight_to_down(
    fixed_sandbox: Sandbox, real_keyring: KeyringScratch, admin_api: Any, docker_client: Any
) -> None:
    sandbox = fixed_sandbox
    config = resolve_config(
        Flags(
            compose_files=[str(sandbox.compose_file)],
            project_name=sandbox.project,
            namespace=sandbox.namespace,
            kubeconfig=sandbox.kubeconfig,
            docker_host=sandbox.docker_host,
        ),
        env={},
        cwd=sandbox.workdir,
    )
    gateways = build_gateways(config)
    context = gateways.cluster().identity.context
    real_keyring.services.append(keyring_service(context, sandbox.namespace, SECRET))
    containers, volumes = _compose_objects(docker_client, sandbox.project)
    assert len(containers) == 6 and len(volumes) == 5, (containers, volumes)

    started = time.monotonic()
    app = CutoverApp(config, gateways)
    async with app.run_test(size=SIZE) as pilot:
        walk = await walk_to_down(pilot, app, SAMPLE_SECRET_VALUES)
    print(f"walked in {time.monotonic() - started:.1f} s: {walk.timings}")
    print(f"acknowledged: {walk.acknowledged}; tabs: {walk.tabs}")

    assert walk.summaries["volumes"] == "✔ All 5 volumes have a Bound claim"
    assert walk.summaries["health"] == "✔ All 6 services ready"
    # The data moved through the wizard (a, then y: the writers stopped first), each copy
    # verified on the real services before the gate opened; RabbitMQ's skip was acknowledged.
    assert walk.summaries["data"].startswith("▲ Every volume's copy is verified (4 of 5)")
    records = load_records(state_file_for(config))
    verified = sorted(v for v, r in records.items() if r.outcome == "verified")
    assert verified == ["chroma_data", "postgres_data", "redis_data", "upload_data"], records
    assert "data.rabbitmq_data" in walk.acknowledged
    # The Secret, keys only (the values never leave the keyring and the cluster).
    secret = client.CoreV1Api(admin_api).read_namespaced_secret(SECRET, sandbox.namespace)
    assert sorted(secret.data or {}) == sorted(SAMPLE_SECRET_VALUES)
    # Compose is down: no container of the project left; every named volume kept.
    containers_after, volumes_after = _compose_objects(docker_client, sandbox.project)
    assert containers_after == []
    assert sorted(volumes_after) == sorted(volumes)
