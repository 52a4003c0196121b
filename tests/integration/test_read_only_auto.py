"""An identity that may not write gets the read-only wizard by itself, on the real API server.

The viewer of the test environment is bound to the `view` ClusterRole: it may read workloads but
may not create or patch Secrets. Opened without --read-only, the wizard finds that out with two
access reviews and switches, saying why; the admin keeps the full wizard.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from screens.app import CutoverApp
from tests.support.workloads import project_config
from tests.ui.conftest import SMALL, screen_text, settle
from wizard.gateways.factory import build_gateways

TIMEOUT_S = 20.0


async def _until_identity_known(pilot: Pilot[None]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while "current kube context" in screen_text(pilot.app) or not pilot.app.screen.query(
        "#header-where"
    ):
        assert time.monotonic() < deadline, screen_text(pilot.app)
        await pilot.pause(0.05)
    await settle(pilot)


async def test_viewer_gets_the_read_only_wizard_and_a_line_saying_why(
    compose_project: Callable[..., Any],
    viewer_kubeconfig: str,
    namespace: str,
    docker_host: str,
) -> None:
    project = compose_project({"web": {}})
    config = project_config(project, viewer_kubeconfig, namespace, docker_host)
    app = CutoverApp(config, build_gateways(config))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("2")
        await _until_identity_known(pilot)
        assert app.config.read_only and app.gateways.cluster().read_only
        text = screen_text(app)
        assert "may not create or patch secrets in" in text
        assert "READ-ONLY" in str(app.screen.query_one("#header-read-only").visual)
        assert not app.screen.query("#secrets Input")
        assert app.screen.step.id == "secrets"  # type: ignore[attr-defined]


async def test_admin_keeps_the_full_wizard_and_the_header_names_the_context(
    compose_project: Callable[..., Any],
    admin_kubeconfig: str,
    namespace: str,
    docker_host: str,
) -> None:
    project = compose_project({"web": {}})
    config = project_config(project, admin_kubeconfig, namespace, docker_host)
    app = CutoverApp(config, build_gateways(config))
    async with app.run_test(size=SMALL) as pilot:
        await _until_identity_known(pilot)
        assert not app.config.read_only
        assert not app.screen.query("#read-only-why")
        where = str(app.screen.query_one("#header-where").visual)
        assert f"ns {namespace}" in where and "context " in where, where
