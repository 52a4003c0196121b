"""`cutover demo --fixed` walked from Preflight to down at 80x24, keyboard first, as an operator
walks it: the driver in tests/support/walk.py, the same one the sandbox walk runs on real services.

The demo runs live here (its clock moving, pods coming up and the worker crash-looping until the
Secret is there), not settled: that is what `cutover demo --fixed` shows, and the Health step
must see the pods recover through its watches, without an `r`.
"""

from __future__ import annotations

import pytest

from screens.app import CutoverApp
from tests.support.walk import SAMPLE_SECRET_VALUES, walk_to_down
from tests.ui.conftest import SMALL
from wizard.config import Flags, resolve_config
from wizard.demo import DemoCluster
from wizard.gateways.factory import build_gateways


async def test_walk_the_fixed_demo_from_preflight_to_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CUTOVER_DEMO_SETTLED")  # live, as `cutover demo --fixed` runs
    config = resolve_config(Flags(demo=True, demo_fixed=True))
    gateways = build_gateways(config)
    app = CutoverApp(config, gateways)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert str(app.screen.query_one("#header-demo").visual) == "DEMO, FIXED"
        walk = await walk_to_down(pilot, app, SAMPLE_SECRET_VALUES)

    # What the walk saw, step by step.
    assert walk.summaries["preflight"].startswith("▲ Preflight passed with 1 warning")
    assert walk.typed == [
        "postgres-password",
        "rabbitmq-password",
        "openai-api-key",
        "celery-broker-url",
    ]
    assert walk.generated == ["secret-key"]
    assert walk.summaries["volumes"] == "✔ All 5 volumes have a Bound claim"
    assert walk.summaries["health"] == "✔ All 6 services ready"
    # Every warning stays, each acknowledged at the gate: none is hidden by the fixes.
    # (Compose's celery container was unhealthy: the Data step stopped it for the copies.)
    assert walk.summaries["data"].startswith("▲ Every volume's copy is verified (4 of 5)")
    assert sorted(walk.acknowledged) == [
        "data.rabbitmq_data",  # RabbitMQ is not copied: its queues drain
        "frontend/volumes:/etc/nginx/nginx.conf",  # the config must be baked into the image
        "secrets.init-only",  # POSTGRES_PASSWORD
        "secrets.init-only",  # RABBITMQ_DEFAULT_PASS
        "secrets.url-password",  # CELERY_BROKER_URL
    ]
    assert "email-rag is down" in walk.result and "up -d" in walk.result
    # And what the simulated services hold now.
    cluster = gateways.cluster()
    assert isinstance(cluster, DemoCluster)
    secret = cluster.read_secret_keys("email-rag-secrets")
    assert secret is not None and sorted(secret.keys) == sorted(SAMPLE_SECRET_VALUES)
    host = gateways.compose_host()
    assert host.project_containers(config.project_name) == []
    assert len(host.project_volumes(config.project_name)) == 5
    celery = cluster.pod_rows("component=celery")
    assert all(p.status == "Running" and p.restarts > 0 for p in celery.values())
    print(f"timings {walk.timings}\ntabs {walk.tabs}")
