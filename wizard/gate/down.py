"""`docker compose down`, done through the Docker Engine one object at a time, and resumable.

Order: one-off containers first, then the services in reverse dependency order (entry points
such as the frontend first, data services last: the topological order of `depends_on`, reversed),
each stopped with its `stop_grace_period` (default 10 s); then every container removed; then the
project's networks. Volumes are never removed: they are the rollback.

Every step done is written to `.cutover/state.json` as it happens. A failure stops at once and
the result says exactly what was and was not done; the next run reads the engine afresh, skips
what is already gone, and finishes. Afterwards: no container of the project may remain; one
audit line says who did it, where, and what was removed; the rollback command is ready.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wizard.compose.model import ComposeProject, ComposeService
from wizard.config import CutoverConfig
from wizard.errors import CutoverError, Forbidden, NotFound, ReadOnlyRefused
from wizard.gate.preview import DownPreview, confirms, preview_down
from wizard.gate.verdict import GateVerdict
from wizard.gateways.protocols import ComposeHost
from wizard.model import ClusterIdentity, ComposeContainer, ComposeVolume
from wizard.state.audit import AuditLog, os_user, record
from wizard.state.store import StateFile

DEFAULT_GRACE_S = 10.0
SECTION = "down"
STOP, REMOVE, REMOVE_NETWORK = "stop", "remove", "remove-network"
_STOPPED_STATES = {"exited", "dead", "created"}


class GateClosed(CutoverError):
    """Down was asked for while the gate is not ready; nothing was sent."""


class NotConfirmed(CutoverError):
    """The name typed is not the project's; nothing was sent."""


# --- order ------------------------------------------------------------------------------------


def start_order(services: Mapping[str, ComposeService]) -> list[str]:
    """Services in the order Compose starts them: dependencies first, ties by name."""
    deps = {name: {d for d in s.depends_on if d in services} for name, s in services.items()}
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(deps):
        ready = sorted(n for n in deps if n not in placed and deps[n] <= placed)
        if not ready:  # a cycle (Compose itself refuses one): the rest by name
            ready = sorted(n for n in deps if n not in placed)
        order.extend(ready)
        placed.update(ready)
    return order


def stop_order(services: Mapping[str, ComposeService]) -> list[str]:
    """Entry points first, data services last: the start order reversed."""
    return list(reversed(start_order(services)))


# --- plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DownStep:
    action: str  # stop | remove | remove-network
    name: str  # container or network name
    service: str = ""
    timeout_s: float = 0.0  # for stop: the grace period before SIGKILL

    @property
    def key(self) -> str:
        return f"{self.action}:{self.name}"

    def describe(self) -> str:
        if self.action == STOP:
            return f"stop {self.name} (grace {self.timeout_s:g} s)"
        if self.action == REMOVE:
            return f"remove container {self.name}"
        return f"remove network {self.name}"

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "name": self.name, "service": self.service}


def plan_down(preview: DownPreview, project: ComposeProject | None) -> tuple[DownStep, ...]:
    """The steps, in order, for what the engine has now (a stopped container needs no stop)."""
    services = project.services if project else {}
    rank = {name: i for i, name in enumerate(stop_order(services))}

    def position(c: ComposeContainer) -> tuple[int, int, str, int, str]:
        if c.one_off:
            return (0, 0, c.service, c.number, c.name)
        if c.service not in rank:  # not in the files (an orphan): no known dependents
            return (1, 0, c.service, c.number, c.name)
        return (2, rank[c.service], c.service, c.number, c.name)

    def grace(service: str) -> float:
        spec = services.get(service)
        value = spec.stop_grace_period_s if spec else None
        return DEFAULT_GRACE_S if value is None else value

    containers = sorted((*preview.one_off, *preview.containers), key=position)
    steps = [
        DownStep(STOP, c.name, c.service, grace(c.service))
        for c in containers
        if c.state not in _STOPPED_STATES
    ]
    steps += [DownStep(REMOVE, c.name, c.service) for c in containers]
    steps += [DownStep(REMOVE_NETWORK, n.name) for n in preview.networks]
    return tuple(steps)


# --- run ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DownProgress:
    step: DownStep
    index: int  # 1-based, within this run
    total: int
    outcome: str  # started | done | gone (already done before) | failed


OnProgress = Callable[[DownProgress], None]


@dataclass(frozen=True)
class DownResult:
    project: str
    done: tuple[DownStep, ...]  # in this run and earlier interrupted ones
    not_done: tuple[DownStep, ...]
    error: CutoverError | None = None
    remaining: tuple[ComposeContainer, ...] = ()  # containers still there afterwards
    kept_volumes: tuple[ComposeVolume, ...] = ()
    resumed: bool = False  # picked up an interrupted run
    verified: bool = False  # the engine was asked afterwards and listed no container

    @property
    def ok(self) -> bool:
        return self.error is None and self.verified and not self.remaining

    @property
    def removed(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.done if s.action != STOP)

    def report(self) -> list[str]:
        """What was and was not done, as lines for the screen and the log."""
        lines = []
        if self.error is not None:
            lines.append(f"Down stopped: {self.error.message}")
            if self.error.fix:
                lines.append(f"Fix: {self.error.fix}")
        lines += [f"done: {s.describe()}" for s in self.done]
        lines += [f"not done: {s.describe()}" for s in self.not_done]
        lines += [f"still there: container {c.name} ({c.state})" for c in self.remaining]
        lines += [f"kept: volume {v.name}" for v in self.kept_volumes]
        if not self.ok and self.error is not None:
            lines.append("Run down again to finish: it picks up where it stopped.")
        return lines


def take_down(
    host: ComposeHost,
    project: ComposeProject,
    *,
    verdict: GateVerdict,
    typed: str,
    state: StateFile,
    on_progress: OnProgress | None = None,
    audit: AuditLog | None = None,
    identity: ClusterIdentity | None = None,
) -> DownResult:
    """Take the Compose project down, if the gate is ready and the name typed is the project's.

    Raises GateClosed, NotConfirmed or ReadOnlyRefused before sending anything. A failure on the
    way does not raise: the result carries the error and what was and was not done.
    """
    name = project.name
    if not verdict.ready:
        raise GateClosed(
            f"The gate is closed: {verdict.summary()} Nothing was taken down.",
            fix="Resolve each blocker and acknowledge each warning, then evaluate the gate again.",
        )
    if not confirms(typed, name):
        raise NotConfirmed(
            f"{typed.strip()!r} is not the project's name; nothing was taken down.",
            fix=f"Type {name} exactly to confirm.",
        )
    if host.read_only:
        refusal = ReadOnlyRefused(
            f"Read-only mode: refused to take {name} down on {host.host}; nothing was sent",
            fix="Run without --read-only to take Compose down.",
        )
        if audit is not None:
            _audit(audit, identity, name, (), "refused")
        raise refusal

    earlier = _earlier_run(state, name)
    done: list[DownStep] = [_step(d) for d in earlier.get("done", [])]
    seen = {s.key for s in done}
    record_ = {
        "project": name,
        "host": host.host,
        "started": earlier.get("started") or _now(),
        "runs": int(earlier.get("runs", 0)) + 1,
        "status": "running",
        "done": [s.as_json() for s in done],
        "not_done": [],
        "error": "",
    }
    steps: tuple[DownStep, ...] = ()
    error: CutoverError | None = None
    kept: tuple[ComposeVolume, ...] = ()
    position = 0
    try:
        state.write_section(SECTION, record_)
        preview = preview_down(host, name)
        kept = preview.volumes
        steps = tuple(s for s in plan_down(preview, project) if s.key not in seen)
        record_["not_done"] = [s.as_json() for s in steps]
        state.write_section(SECTION, record_)
        for position, step in enumerate(steps):
            _tell(on_progress, step, position, len(steps), "started")
            try:
                _apply(host, step)
                outcome = "done"
            except NotFound:
                outcome = "gone"
            done.append(step)
            record_["done"] = [s.as_json() for s in done]
            record_["not_done"] = [s.as_json() for s in steps[position + 1 :]]
            state.write_section(SECTION, record_)
            _tell(on_progress, step, position, len(steps), outcome)
        position = len(steps)
    except CutoverError as exc:
        error = exc
        if steps and position < len(steps):
            _tell(on_progress, steps[position], position, len(steps), "failed")
    except BaseException as exc:  # a bug or an interrupt: keep the record honest, then go on
        record_.update(status="failed", error=f"interrupted: {type(exc).__name__}")
        state.write_section(SECTION, record_)
        raise

    remaining: tuple[ComposeContainer, ...] = ()
    verified = False
    if error is None:
        try:
            remaining = tuple(host.project_containers(name))
            kept = tuple(host.project_volumes(name)) or kept
            verified = True
        except CutoverError as exc:
            error = exc
    if error is None and remaining:
        error = CutoverError(
            f"{len(remaining)} container(s) of {name} are still there after down: "
            + ", ".join(c.name for c in remaining),
            fix="Something started them again (a restart policy, another operator?); "
            "run down again once it stopped.",
        )
    not_done = steps[position:] if error is not None else ()
    result = DownResult(
        project=name,
        done=tuple(done),
        not_done=tuple(not_done),
        error=error,
        remaining=remaining,
        kept_volumes=kept,
        resumed=bool(earlier),
        verified=verified,
    )
    record_.update(
        status="done" if result.ok else "failed",
        finished=_now(),
        not_done=[s.as_json() for s in result.not_done],
        error=error.message if error is not None else "",
        kept_volumes=[v.name for v in kept],
        gate=_gate_record(verdict, identity),
    )
    state.write_section(SECTION, record_)
    if audit is not None:
        outcome = "ok" if result.ok else "forbidden" if isinstance(error, Forbidden) else "failed"
        _audit(audit, identity, name, result.removed, outcome)
    return result


def _apply(host: ComposeHost, step: DownStep) -> None:
    if step.action == STOP:
        host.stop_container(step.name, step.timeout_s)
    elif step.action == REMOVE:
        host.remove_container(step.name)
    else:
        host.remove_network(step.name)


def _tell(on_progress: OnProgress | None, step: DownStep, i: int, total: int, outcome: str) -> None:
    if on_progress is not None:
        on_progress(DownProgress(step, i + 1, total, outcome))


def _earlier_run(state: StateFile, project: str) -> dict[str, Any]:
    """An interrupted run of the same project, to pick up; {} when there is none."""
    raw = state.section(SECTION)
    if isinstance(raw, dict) and raw.get("project") == project and raw.get("status") != "done":
        return raw
    return {}


def _step(raw: Any) -> DownStep:
    return DownStep(
        str(raw.get("action", "")), str(raw.get("name", "")), str(raw.get("service", ""))
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _gate_record(verdict: GateVerdict, identity: ClusterIdentity | None) -> dict[str, Any]:
    """Who took it down and on what evidence: check ids and severities, never values."""
    return {
        "os_user": os_user(),
        "kube_context": identity.context if identity else "",
        "kube_user": identity.user if identity else "",
        "namespace": identity.namespace if identity else "",
        "evaluated_at": verdict.evaluated_at,
        "findings": [
            {"step": s.id, "check": f.check, "severity": f.severity.value}
            for s in verdict.steps
            for f in s.findings
        ],
        "acknowledgements": [a.as_json() for a in verdict.acknowledgements],
    }


def _audit(
    audit: AuditLog,
    identity: ClusterIdentity | None,
    project: str,
    removed: Iterable[str],
    result: str,
) -> None:
    context = identity.context if identity else ""
    namespace = identity.namespace if identity else ""
    audit.write(record(context, namespace, "compose-down", f"compose/{project}", removed, result))


# --- rollback -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rollback:
    command: str
    steps: tuple[str, ...] = field(default_factory=tuple)

    def text(self) -> str:
        return "\n".join(self.steps)


def rollback(config: CutoverConfig) -> Rollback:
    """How to bring Compose back: the same files, the same project; the volumes are still there."""
    parts = ["docker", "compose"]
    for file in config.compose_files:
        parts += ["-f", str(file)]
    default_env = config.project_dir / ".env"
    if config.env_file is not None and config.env_file != default_env:
        parts += ["--env-file", str(config.env_file)]
    parts += ["-p", config.project_name, "up", "-d"]
    command = shlex.join(parts)
    if config.docker_host:
        command = f"DOCKER_HOST={shlex.quote(config.docker_host)} {command}"
    return Rollback(
        command=command,
        steps=(
            "To roll back, start Compose again; every named volume is still there:",
            f"  cd {shlex.quote(str(config.project_dir))}",
            f"  {command}",
            "Then point DNS (or the load balancer) back at the Compose host, and scale the "
            "Kubernetes workloads down if they share external state (queues, mail, cron).",
        ),
    )
