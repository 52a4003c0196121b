"""Stand-ins for the Gate screen's UI tests: a hand-built verdict, fixed who/when, slow engines.

The demo's own gate blocks (its planted problems, the missing Secret): that is tested as it is.
To reach "ready" without changing the demo, a pure UI test replaces `evaluate_gate` with a
verdict built by `combine` over step results written here; down itself still runs for real over
the demo's simulated engine.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import screens.gate
import screens.gate_view
from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.demo import DemoComposeHost
from wizard.errors import Unreachable
from wizard.gate import Acknowledgement, GateVerdict, Rollback, combine, rollback
from wizard.gateways import Gateways
from wizard.status import StepStatus

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


BLOCKED_STEPS = (
    StepStatus(
        "secrets",
        "Secrets",
        "block",
        (
            Finding(
                "secrets.missing-key",
                Severity.BLOCK,
                "Key openai-api-key of Secret email-rag-secrets is referenced by "
                "email-rag-backend but absent: those pods cannot start.",
                "Enter a value for openai-api-key here and apply the Secret.",
            ),
        ),
    ),
    StepStatus(
        "volumes",
        "Volumes",
        "block",
        (
            Finding(
                "volumes.pending",
                Severity.BLOCK,
                "PVC postgres-data is Pending: no PersistentVolume matches.",
                "Create a matching PersistentVolume or use a class whose provisioner exists.",
            ),
        ),
    ),
    StepStatus(
        "health",
        "Pod health",
        "block",
        (
            Finding(
                "health.celery",
                Severity.BLOCK,
                "celery: 0/2 ready (CrashLoopBackOff, 5 restarts)",
                "See `kubectl logs <pod> --previous`.",
            ),
        ),
    ),
    StepStatus("mapping", "Mapping diff", "warn", (WARNING,)),
)


def blocked_gate(
    config: CutoverConfig, gateways: Gateways, acknowledgements: Iterable[Acknowledgement] = ()
) -> GateVerdict:
    """A Secret key missing, a PVC Pending, a pod crash-looping, and one warning."""
    return dataclasses.replace(combine(BLOCKED_STEPS, acknowledgements), evaluated_at=EVALUATED_AT)


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


def stable(monkeypatch: pytest.MonkeyPatch) -> None:
    """No clock and no user name of this machine on screen."""
    monkeypatch.setattr(screens.gate, "os_user", lambda: ACK_WHO)
    monkeypatch.setattr(screens.gate, "now_utc", lambda: ACK_WHEN)
    monkeypatch.setattr(screens.gate, "rollback", fixed_rollback)


def ready_once_acknowledged(monkeypatch: pytest.MonkeyPatch) -> None:
    stable(monkeypatch)
    monkeypatch.setattr(screens.gate_view, "evaluate_gate", one_warning_gate)


def blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hand-built blocked verdict: the demo's own changes as its simulated pods start."""
    stable(monkeypatch)
    monkeypatch.setattr(screens.gate_view, "evaluate_gate", blocked_gate)


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
