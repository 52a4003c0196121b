"""Read-only mode, counted where it matters: the requests that reach the API server and dockerd.

With the ADMIN identity (which may change anything) and `--read-only`, walk everything the App
does on the sample: Preflight, the Secrets overview, the mapping plan, then the App itself at
80x24 visiting every step. Every request the Kubernetes gateway sent is recorded by its
transport's observer (wizard.gateways.kube.cluster); every request the docker SDK sent, by wrapping its
session's `send`. Only reads may be among them (get/list/watch as GET): not even the access
reviews, which are POSTs that change nothing; read-only mode does not send them.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from screens.app import CutoverApp
from tests.support.sample_k8s import SELECTOR, apply_folder, sample_for
from wizard.config import CutoverConfig, Flags, demo_dir, resolve_config
from wizard.data.report import gather_data
from wizard.data.run import copy_volumes
from wizard.errors import ReadOnlyRefused
from wizard.gateways import Cluster, ComposeHost, Gateways, Vault
from wizard.gateways.dockerhost import connect_compose_host
from wizard.gateways.kube.cluster import SSAR_PATH, connect_cluster
from wizard.gateways.vault import OsKeyring
from wizard.mapping.build import build_plan
from wizard.preflight import run_preflight
from wizard.secrets import overview
from wizard.steps import CHECKLIST

READS = {"GET", "HEAD"}
WORKERS_TIMEOUT = 30.0  # seconds for a step's workers; a live watch never ends, and need not


class Recorder:
    """(method, path) of each request, from any thread."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method.upper(), path))

    def writes(self, allowed: frozenset[tuple[str, str]] = frozenset()) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] not in READS and r not in allowed]

    def summary(self) -> str:
        by_method = Counter(method for method, _ in self.requests)
        by_request = Counter(self.requests)
        lines = [f"{len(self.requests)} requests: {dict(sorted(by_method.items()))}"]
        lines += [f"  {n:4d}  {method} {path}" for (method, path), n in by_request.most_common()]
        return "\n".join(lines)


@pytest.fixture
def docker_requests(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Every request the docker SDK sends in this test (APIClient is a requests.Session)."""
    import docker.api.client

    recorder = Recorder()
    send = docker.api.client.APIClient.send

    def observed(self: Any, request: Any, **kwargs: Any) -> Any:
        from urllib.parse import urlsplit

        recorder(str(request.method), urlsplit(request.url).path)
        return send(self, request, **kwargs)

    monkeypatch.setattr(docker.api.client.APIClient, "send", observed)
    return recorder


@pytest.fixture
def applied(admin_api: Any, namespace: str, tmp_path: Path) -> str:
    """The sample's manifests created in a fresh namespace, as admin."""
    apply_folder(admin_api, sample_for(namespace, tmp_path / "k8s"), namespace)
    return namespace


@pytest.fixture
def read_only_walk(
    applied: str, admin_kubeconfig: str, docker_host: str
) -> Iterator[tuple[CutoverConfig, Gateways, Recorder]]:
    sample = demo_dir()
    config = resolve_config(
        Flags(
            compose_files=[str(sample / "docker-compose.prod.yml")],
            env_file=str(sample / ".env.example"),
            namespace=applied,
            kubeconfig=admin_kubeconfig,
            selector=SELECTOR,
            docker_host=docker_host,
            read_only=True,
        )
    )
    assert config.read_only
    kube = Recorder()
    made: list[Any] = []

    def cluster() -> Cluster:
        gateway = connect_cluster(admin_kubeconfig, None, applied, read_only=True, observer=kube)
        made.append(gateway)
        return gateway

    def compose_host() -> ComposeHost:
        gateway = connect_compose_host(docker_host, read_only=True)
        made.append(gateway)
        return gateway

    def vault() -> Vault:
        return OsKeyring()

    yield config, Gateways(cluster, compose_host, vault), kube
    for gateway in made:
        gateway.close()


async def _visit_every_step(config: CutoverConfig, gateways: Gateways) -> list[str]:
    app = CutoverApp(config, gateways)
    seen = []
    async with app.run_test(size=(80, 24)) as pilot:
        for number in range(1, len(CHECKLIST) + 1):
            await pilot.press(str(number))
            await pilot.pause()
            # Let the step's workers finish; a live watch runs until the App closes.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app.workers.wait_for_complete(), WORKERS_TIMEOUT)
            await pilot.pause()
            seen.append(str(app.screen.query_one("#step-title", Static).visual))
        await pilot.press("q")
    return seen


def test_a_read_only_walk_as_admin_sends_only_reads(
    read_only_walk: tuple[CutoverConfig, Gateways, Recorder], docker_requests: Recorder
) -> None:
    config, gateways, kube = read_only_walk

    findings = run_preflight(config, gateways)
    assert findings
    after_preflight = len(kube.requests)
    view = overview.gather(config, gateways)
    assert view.cluster_ok, view.findings
    plan = build_plan(config, gateways)
    assert {s.service for s in plan.services} >= {"backend", "celery", "frontend"}
    after_core = len(kube.requests)

    data = gather_data(config, gateways)  # the Data step's plan and states: reads only
    assert {row.volume for row in data.rows} >= {"postgres_data", "upload_data"}
    with pytest.raises(ReadOnlyRefused):
        copy_volumes(config, gateways, [], while_running=True)
    titles = asyncio.run(_visit_every_step(config, gateways))
    assert [t.split(" · ")[0] for t in titles] == [
        f"Step {n} of {len(CHECKLIST)}" for n in range(1, len(CHECKLIST) + 1)
    ]

    print(
        f"\nKubernetes: preflight {after_preflight}, + secrets and plan "
        f"{after_core - after_preflight}, + the App {len(kube.requests) - after_core}"
    )
    print(kube.summary())
    print(f"Docker: {docker_requests.summary()}")

    assert after_preflight > 0 and len(kube.requests) > after_core  # the observer saw them
    assert any(path.endswith("/deployments") for _, path in kube.requests)
    assert ("POST", SSAR_PATH) not in kube.requests  # not even an access review
    assert kube.writes() == [], kube.summary()
    assert not [p for _, p in kube.requests if p.endswith(("/exec", "/portforward"))]
    assert {method for method, _ in kube.requests} == {"GET"}, kube.summary()
    assert docker_requests.requests, "the Docker host was never asked anything"
    assert docker_requests.writes() == [], docker_requests.summary()
