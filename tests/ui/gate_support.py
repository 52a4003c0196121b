"""Seams for the Gate screen's UI tests: fixed who/when, a verdict, slow engines.

The demo's own gate blocks (its planted problems, the missing Secret): that is tested as it is,
with the real gate (`blocked`: only the time of the evaluation is fixed).
To reach "ready" without changing the demo, a pure UI test hands the gate body (its seams) a
verdict built by `combine` over step results written here; down itself still runs for real over
the demo's simulated engine.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from screens.checklist_screen import Bodies
from screens.gate import GateSeams, gate_body
from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.demo import DemoComposeHost
from wizard.errors import Unreachable
from wizard.gate import Acknowledgement, GateVerdict, Rollback, combine, evaluate_gate, rollback
from wizard.gateways import Gateways
from wizard.status import StepStatus

Evaluate = Callable[[CutoverConfig, Gateways, list[Acknowledgement]], GateVerdict]

EVALUATED_AT = "2025-03-01T09:59:30+00:00"
ACK_WHO = "ops"
ACK_WHEN = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)

WARNING = Finding(
    "frontend/image",
    Severity.WARN,
    "Different tags: Compose runs v1.0.0, Kubernetes latest.",
    "Pin the image tag in the Deployment.",
)
STEPS = (
    StepStatus("preflight", "Preflight", "ok", (Finding("docker.reachable", Severity.OK, "ok"),)),
    StepStatus("secrets", "Secrets", "ok", (Finding("secrets", Severity.OK, "every key"),)),
    StepStatus("volumes", "Volumes", "ok", (Finding("volumes", Severity.OK, "every PVC Bound"),)),
    StepStatus("mapping", "Mapping diff", "warn", (WARNING,)),
    StepStatus("health", "Pod health", "ok", (Finding("health", Severity.OK, "every pod ready"),)),
)


def one_warning_gate(
    config: CutoverConfig, gateways: Gateways, acknowledgements: Iterable[Acknowledgement] = ()
) -> GateVerdict:
    """Everything passes but one warning: ready once it is acknowledged."""
    return dataclasses.replace(combine(STEPS, acknowledgements), evaluated_at=EVALUATED_AT)


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


def gate_seams(evaluate: Evaluate | None = None) -> Bodies:
    """The gate body with no clock and no user name of this machine on screen, and with
    `evaluate` standing in for the real gate when given (the body's seams)."""
    seams = GateSeams(clock=lambda: ACK_WHEN, who=lambda: ACK_WHO, rollback_for=fixed_rollback)
    if evaluate is not None:
        seams = dataclasses.replace(seams, evaluate=evaluate)
    return {"gate": partial(gate_body, seams=seams)}


def stable() -> Bodies:
    return gate_seams()


def ready_once_acknowledged() -> Bodies:
    return gate_seams(one_warning_gate)


def real_gate(
    config: CutoverConfig, gateways: Gateways, acknowledgements: Iterable[Acknowledgement] = ()
) -> GateVerdict:
    """The real gate over the demo's gateways (its planted problems, the missing Secret); only
    the time it was evaluated is fixed, as it is on screen."""
    verdict = evaluate_gate(config, gateways, acknowledgements)
    return dataclasses.replace(verdict, evaluated_at=EVALUATED_AT)


def blocked() -> Bodies:
    """The demo as it is: the real gate blocks."""
    return gate_seams(real_gate)


class HeldHost:
    """The demo's engine; each stop waits until `go` is set (down in the middle, held there)."""

    def __init__(self, inner: DemoComposeHost) -> None:
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

    def __init__(self, inner: DemoComposeHost, changes: int) -> None:
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
    return Gateways(gateways.cluster, lambda: host, gateways.vault)
