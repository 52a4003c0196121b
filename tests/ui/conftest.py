"""UI tests: the App over the demo's gateways (the same factory the CLI uses), at 80x24."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import time
from functools import partial
from types import ModuleType

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import WorkerCancelled, WorkerFailed, WorkerState

import screens
from screens.app import CutoverApp
from screens.checklist_screen import BodyFactory
from screens.step_body import StepBody
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.errors import CutoverError, Unreachable
from wizard.gateways import Gateways
from wizard.gateways.factory import build_gateways
from wizard.gateways.protocols import Cluster, ComposeHost, Vault
from wizard.model import VaultStatus

SMALL = (80, 24)
WIDE = (160, 48)


def screen_modules() -> list[ModuleType]:
    """Every module of screens/, imported, in name order: for the tests that hold a rule over
    all of them (one key scheme, no toasts); a new screen is walked without being listed."""
    names = sorted(info.name for info in pkgutil.iter_modules(screens.__path__))
    return [importlib.import_module(f"screens.{name}") for name in names]


@pytest.fixture
def demo_config() -> CutoverConfig:
    return resolve_config(Flags(demo=True))


@pytest.fixture
def demo_gateways(demo_config: CutoverConfig) -> Gateways:
    return build_gateways(demo_config)


SETTLED_NOW = 1_767_225_660.0  # the settled demo's now (CUTOVER_DEMO_SETTLED): ages hold still


def settled_clock() -> float:
    return SETTLED_NOW


def settled_live_bodies() -> dict[str, BodyFactory]:
    """The live steps with the settled demo's clock, so the ages they show ("3m ago") are the
    same on every run; a test passes them as the App's `bodies` (with any seams of its own)."""
    from screens.health import HealthBody
    from screens.volumes import VolumesBody

    return {
        "health": partial(HealthBody, clock=settled_clock),
        "volumes": partial(VolumesBody, clock=settled_clock),
    }


@pytest.fixture
def demo_app(demo_config: CutoverConfig, demo_gateways: Gateways) -> CutoverApp:
    return CutoverApp(demo_config, demo_gateways, bodies=settled_live_bodies())


async def workers_done(app: App[None]) -> None:
    """Every worker finished. A worker cancelled meanwhile counts as finished: the read-only
    switch removes the wizard's bodies, and cancelling their work is what it should do. A worker
    that failed on a gateway's error (no Docker host in this test, say) counts as finished too:
    the step shows that error (StepBody.work_failed). Any other failure is a bug: raised."""
    while True:
        pending = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if not pending:
            break
        for worker in pending:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()  # a failure is judged below, with every finished worker
    for worker in app.workers:
        if worker.state is WorkerState.ERROR and not isinstance(worker.error, CutoverError):
            raise WorkerFailed(worker.error)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every step is mounted, every worker is done and every message it posted is
    handled (no sleeps). Steps other than the open one mount right after the first paint."""
    await pilot.pause()  # let what the last key press started get going
    deadline = time.monotonic() + 10
    while not getattr(pilot.app.screen, "all_steps_mounted", True):
        assert time.monotonic() < deadline, "the other steps never mounted"
        await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()  # the messages the workers posted (e.g. "watches opened")
    # Live steps repaint from a 0.1 s timer: do its work now, so what a test sees does not
    # depend on whether the timer fired yet.
    for body in pilot.app.screen.query(StepBody):
        flush = getattr(body, "flush", None)
        if callable(flush):
            flush()
    await pilot.pause()
    await pilot.pause()


def screen_text(app: App[None]) -> str:
    """Everything the Static widgets of the current screen show, as plain text."""
    return "\n".join(str(static.visual) for static in app.screen.query(Static) if shown(static))


def shown(widget: Widget) -> bool:
    """Displayed, and so are all its containers (a ContentSwitcher hides whole bodies)."""
    return all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))


# --- an identity bound to the `view` role: it may make none of the wizard's writes ---------------


def view_only_gateways(config: CutoverConfig) -> Gateways:
    """The demo's gateways as a `view`-only identity sees them: every write the wizard asks for
    (wizard.preflight.NEEDS, the Secret's and the Data step's alike) refused, so the wizard
    switches itself to read-only. Also the App's `gateways_for`: the read-only twin's."""
    from wizard.demo import DemoCluster, DemoVault
    from wizard.preflight import NEEDS

    denied = [(need.verb, need.resource) for need in NEEDS if need.write]
    plain = build_gateways(config)
    return plain.replacing(cluster=lambda: DemoCluster(config, denied=denied), vault=DemoVault)


# --- a UI-only stand-in: gateway builders that raise as the real ones do when nothing answers ---


class _Keyring:
    def status(self) -> VaultStatus:
        return VaultStatus(usable=True, backend="test keyring")


def _unreachable_cluster() -> Cluster:
    raise Unreachable(
        "The API server at https://127.0.0.1:1 did not answer (connection refused).",
        "Check that the cluster is up: kubectl --context demo cluster-info",
    )


def _unreachable_docker() -> ComposeHost:
    raise Unreachable(
        "Cannot reach the Docker Engine at unix:///nowhere.sock.",
        "Start Docker, or point DOCKER_HOST at a running engine.",
    )


def _keyring() -> Vault:
    return _Keyring()  # type: ignore[return-value]  # only status() is asked for


def unreachable_gateways() -> Gateways:
    """Cluster and Docker host down, keyring fine. Pure UI tests only: the real ones are tested
    against real services in tests/integration."""
    return Gateways(_unreachable_cluster, _unreachable_docker, _keyring)
