"""Seams for the Gate screen's UI tests: fixed who/when, the real gate, slow engines.

Every verdict on screen is the real gate's over the demo's gateways (`gate_bodies`: only the
time of the evaluation, who acknowledges and when are fixed). The planted demo blocks (the
missing Secret, its planted mistakes). `fixed_demo_before_the_gate` is `cutover demo --fixed`
once the steps before the gate are done: the Secret applied and every volume copied; what is
left are its warnings, which a test acknowledges on screen as an operator does
(`acknowledge_every_warning`). Down then runs for real over the demo's simulated engine.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button

from screens.checklist_screen import Bodies
from screens.gate import GateSeams, WarningRow, gate_body
from tests.support.walk import SAMPLE_SECRET_VALUES as SECRETS
from tests.support.walk import wait_for
from tests.ui.conftest import settle, settled_live_bodies
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.data.run import copy_volumes
from wizard.errors import Unreachable
from wizard.gate import Acknowledgement, GateVerdict, Rollback, evaluate_gate, rollback
from wizard.gateways import Gateways
from wizard.gateways.factory import build_gateways
from wizard.gateways.protocols import ComposeHost
from wizard.steps import CHECKLIST

Evaluate = Callable[[CutoverConfig, Gateways, list[Acknowledgement]], GateVerdict]

EVALUATED_AT = "2025-03-01T09:59:30+00:00"
ACK_WHO = "ops"
ACK_WHEN = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)

SECRET = "email-rag-secrets"
# The key that opens the gate, as an operator presses it: its place in the checklist (steps
# added before it move it).
GATE_KEY = str(next(n for n, step in enumerate(CHECKLIST, 1) if step.id == "gate"))


async def open_gate(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press(GATE_KEY)
    await settle(pilot)


def fixed_demo_before_the_gate() -> tuple[CutoverConfig, Gateways]:
    """`cutover demo --fixed` (settled) with the steps before the gate done, through the same
    core the steps use: the sample's Secret written, every volume copied and verified (while
    Compose runs, as the Data step's `w` does, so down still has the whole project to take)."""
    config = resolve_config(Flags(demo=True, demo_fixed=True))
    gateways = build_gateways(config)
    values = {
        k: v if isinstance(v, str) else "generated-0123456789abcdef" for k, v in SECRETS.items()
    }
    gateways.cluster().create_secret(SECRET, values, {})
    outcomes = copy_volumes(config, gateways, [], while_running=True)
    assert {o.result for o in outcomes} <= {"verified", "skipped"}, outcomes
    return config, gateways


async def acknowledge_every_warning(pilot: Pilot[None]) -> int:
    """Each warning the gate shows, acknowledged as an operator does (its button focused,
    Enter), each waited for until the screen says so. How many there were."""
    screen = pilot.app.screen
    count = 0
    while buttons := screen.query(".ack-button"):
        row = next(a for a in buttons.first(Button).ancestors if isinstance(a, WarningRow))
        buttons.first(Button).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda row=row: bool(row.query(".ack-done")), "acknowledged")
        count += 1
    return count


def fixed_rollback(config: CutoverConfig) -> Rollback:
    """The real rollback, for the demo's files as if they were in /srv (not this checkout)."""
    where = Path("/srv/email-rag")
    moved = dataclasses.replace(
        config,
        project_dir=where,
        compose_files=tuple(where / f.name for f in config.compose_files),
        env_file=None,
    )
    return rollback(moved)


def gate_bodies() -> Bodies:
    """The real gate with no clock and no user name of this machine on screen (the body's
    seams), and the live steps with the settled demo's clock."""
    seams = GateSeams(
        evaluate=real_gate, clock=lambda: ACK_WHEN, who=lambda: ACK_WHO, rollback_for=fixed_rollback
    )
    return {**settled_live_bodies(), "gate": partial(gate_body, seams=seams)}


def real_gate(
    config: CutoverConfig, gateways: Gateways, acknowledgements: Iterable[Acknowledgement] = ()
) -> GateVerdict:
    """The real gate over the demo's gateways (its planted problems, the missing Secret); only
    the time it was evaluated is fixed, as it is on screen."""
    verdict = evaluate_gate(config, gateways, acknowledgements)
    return dataclasses.replace(verdict, evaluated_at=EVALUATED_AT)


class HeldHost:
    """The demo's engine; each stop waits until `go` is set (down in the middle, held there)."""

    def __init__(self, inner: ComposeHost) -> None:
        self.inner = inner
        self.go = threading.Event()
        self.stopping = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def stop_container(self, name: str, timeout_s: float) -> None:
        self.stopping.set()
        self.go.wait(10)
        self.inner.stop_container(name, timeout_s)


class LostHost:
    """The demo's engine, lost after `changes` changes until `back()` (dockerd stopped)."""

    def __init__(self, inner: ComposeHost, changes: int) -> None:
        self.inner = inner
        self.changes = changes
        self.lost = False

    def back(self) -> None:
        self.changes = 10_000

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name not in ("stop_container", "remove_container", "remove_network"):
            return attr

        def change(*args: Any) -> Any:
            if self.changes <= 0:
                raise Unreachable(
                    "Cannot reach the Docker Engine at demo://localhost.",
                    fix="Start Docker, then take it down again.",
                )
            self.changes -= 1
            return attr(*args)

        return change


def with_host(gateways: Gateways, host: Any) -> Gateways:
    return gateways.replacing(compose_host=lambda: host)
