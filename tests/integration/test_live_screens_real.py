"""Pod health (step 5) and Volumes (step 3) on the real services, at 80x24.

A real CutoverApp over a real Compose project and a fresh namespace of the real API server; the
real kubelet runs a container that exits, and crash-loops it. Every wait is a monotonic deadline over the screen's own
flush (not its 0.1 s timer) and pilot.pause(): nothing sleeps a fixed time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client
from textual.pilot import Pilot
from textual.widgets import DataTable

from screens.app import CutoverApp
from screens.health import HealthBody
from screens.volumes import VolumesBody
from tests.support.pods import crashing
from tests.support.workloads import CLAIM, create_deployment, project_config
from tests.ui.conftest import SMALL, screen_text, settle
from wizard.gateways.factory import build_gateways

TIMEOUT_S = 20.0


def _table_text(body: Any) -> str:
    """Every cell of every DataTable of the body, one row a line."""
    lines = []
    for table in body.query(DataTable):
        for i in range(table.row_count):
            lines.append(" | ".join(str(c) for c in table.get_row_at(i)))
    return "\n".join(lines)


async def _until(
    pilot: Pilot[None], body: Any, what: str, check: Callable[[], bool], timeout: float = TIMEOUT_S
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        body.flush()
        await pilot.pause()
        if check():
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"timed out after {timeout} s waiting for {what}; screen:\n"
                f"{screen_text(pilot.app)}\ntables:\n{_table_text(body)}",
                pytrace=False,
            )
        await pilot.pause(0.05)


async def test_health_screen_shows_a_real_crash_loop(
    compose_project: Callable[..., Any],
    admin_kubeconfig: str,
    admin_api: Any,
    namespace: str,
    docker_host: str,
    real_keyring: Any,
) -> None:
    project = compose_project({"web": {}})
    create_deployment(admin_api, namespace, "web", replicas=2, container=crashing("web"))
    config = project_config(project, admin_kubeconfig, namespace, docker_host)
    app = CutoverApp(config, build_gateways(config))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        body = app.screen.query_one(HealthBody)

        def crash_looping() -> bool:
            pods = [line for line in _table_text(body).splitlines() if "CrashLoopBackOff" in line]
            return len(pods) >= 2 and "CrashLoopBackOff" in screen_text(app)

        await _until(pilot, body, "both pods of web in CrashLoopBackOff", crash_looping, 60)
        text = screen_text(app)
        assert "web" in text


async def test_volumes_screen_follows_a_claim_from_pending_to_bound(
    compose_project: Callable[..., Any],
    admin_kubeconfig: str,
    admin_api: Any,
    namespace: str,
    docker_host: str,
    real_keyring: Any,
) -> None:
    project = compose_project(
        {"services": {"db": {"volumes": ["data:/data"]}}, "volumes": {"data": {}}}
    )
    core = client.CoreV1Api(admin_api)
    core.create_namespaced_persistent_volume_claim(namespace, CLAIM)
    claim = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    create_deployment(admin_api, namespace, "db", replicas=1, volumes=claim)
    config = project_config(project, admin_kubeconfig, namespace, docker_host)
    pv_name = f"pv-{namespace}"[:63]
    app = CutoverApp(config, build_gateways(config))
    try:
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            body = app.screen.query_one(VolumesBody)
            table = body.query_one("#volumes-table", DataTable)

            def row() -> list[str]:
                for i in range(table.row_count):
                    cells = [str(c) for c in table.get_row_at(i)]
                    if cells[1] == "data":
                        return cells
                return []

            await _until(pilot, body, "the claim Pending", lambda: "Pending" in "".join(row()[2:3]))
            assert "Bound claim" not in screen_text(app)

            pv: Any = {
                "metadata": {"name": pv_name},
                "spec": {
                    "capacity": {"storage": "1Gi"},
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "manual",
                    "persistentVolumeReclaimPolicy": "Retain",
                    "hostPath": {"path": f"/tmp/{pv_name}"},
                },
            }
            core.create_persistent_volume(pv)
            await _until(
                pilot,
                body,
                "the claim Bound",
                lambda: row()[2:3] == ["Bound"] and "Bound claim" in screen_text(app),
            )
            assert row()[3] == "1Gi/1Gi"
    finally:
        try:
            core.delete_persistent_volume(pv_name)
        except client.exceptions.ApiException as exc:
            if exc.status != 404:
                raise
