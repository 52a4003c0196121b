"""The one place where Compose's JSON (`docker compose config --format json`) becomes the model.

The Compose CLI's output and the built-in loader's output both go through `normalise_project`,
so both loaders follow the same rules. Where the two cannot be compared as written, both sides
are normalised the same way (the differential test relies on this):

- `$`: the CLI prints every literal `$` as `$$` (its output is itself a Compose file); with
  `escaped=True` every string is unescaped, so the model holds the values containers see.
- durations (healthcheck, stop_grace_period): Go prints "1m0s" for "60s"; the model has seconds.
- memory: bytes (the CLI prints "536870912" for "512M"); cpus: canonical decimal text ("0.5").
- ports, mounts, expose and profiles are sorted: their order carries no meaning, and Compose's
  order after merging several files is an implementation detail. environment, depends_on and
  labels are sorted by key too: the CLI prints maps sorted, the built-in loader would keep the
  file's order, and the plan's rows follow these (issue 14: row order changed between machines,
  with and without Docker Compose, for the same input).
- healthcheck: `disable: true` and `test: ["NONE"]` both become test ("NONE",), disabled=True.
- replicas: `deploy.replicas`, else `scale`, else None.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from wizard.compose.model import (
    ComposeProject,
    ComposeService,
    FileGrant,
    Healthcheck,
    Mount,
    NamedVolume,
    PortMapping,
    ProjectFile,
    Resources,
)
from wizard.compose.units import cpus_text, parse_duration, parse_memory, scalar_text, to_int


def unescape_dollars(value: Any) -> Any:
    """Every string in `value` with `$$` turned back into `$` (the CLI's output escaping)."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, dict):
        return {k: unescape_dollars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unescape_dollars(v) for v in value]
    return value


def normalise_project(raw: Mapping[str, Any], source: str, escaped: bool) -> ComposeProject:
    """The model of a project printed by `docker compose config --format json` (or shaped so)."""
    data: Mapping[str, Any] = unescape_dollars(dict(raw)) if escaped else raw
    name = str(data.get("name") or "")
    services = {
        str(key): normalise_service(str(key), svc or {})
        for key, svc in sorted((data.get("services") or {}).items())
    }
    volumes = {
        str(key): _volume(name, str(key), spec or {})
        for key, spec in sorted((data.get("volumes") or {}).items())
    }
    networks = tuple(sorted(str(k) for k in data.get("networks") or {}))
    return ComposeProject(
        name=name,
        services=services,
        volumes=volumes,
        networks=networks,
        source=source,
        secrets=_files(name, data.get("secrets") or {}),
        configs=_files(name, data.get("configs") or {}),
    )


def normalise_service(name: str, svc: Mapping[str, Any]) -> ComposeService:
    deploy = svc.get("deploy") or {}
    replicas = deploy.get("replicas")
    if replicas is None:
        replicas = svc.get("scale")
    grace = svc.get("stop_grace_period")
    return ComposeService(
        name=name,
        image=str(svc.get("image") or ""),
        build=svc.get("build") is not None,
        command=_args(svc.get("command")),
        entrypoint=_args(svc.get("entrypoint")),
        environment={
            str(k): None if v is None else scalar_text(v)
            for k, v in sorted((svc.get("environment") or {}).items())
        },
        ports=tuple(sorted((_port(p) for p in svc.get("ports") or []), key=_port_order)),
        expose=tuple(sorted((str(e) for e in svc.get("expose") or []), key=_natural)),
        mounts=tuple(sorted((_mount(m) for m in svc.get("volumes") or []), key=_mount_order)),
        healthcheck=_healthcheck(svc.get("healthcheck")),
        depends_on={
            str(k): str((v or {}).get("condition") or "service_started")
            for k, v in sorted((svc.get("depends_on") or {}).items())
        },
        replicas=None if replicas is None else to_int(replicas, f"{name}: replicas"),
        resources=_resources(deploy.get("resources") or {}, svc),
        stop_grace_period_s=None if grace is None else parse_duration(grace),
        profiles=tuple(sorted({str(p) for p in svc.get("profiles") or []})),
        labels={
            str(k): "" if v is None else scalar_text(v)
            for k, v in sorted((svc.get("labels") or {}).items())
        },
        secrets=_grants(svc.get("secrets"), SECRETS_DIR),
        configs=_grants(svc.get("configs"), CONFIGS_DIR),
        container_name=str(svc.get("container_name") or ""),
        network_mode=str(svc.get("network_mode") or ""),
    )


def _args(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(shlex.split(value))
    return tuple(scalar_text(v) for v in value)


def _port(spec: Mapping[str, Any]) -> PortMapping:
    published = spec.get("published")
    return PortMapping(
        target=to_int(spec.get("target"), "port target"),
        published="" if published in (None, "") else scalar_text(published),
        protocol=str(spec.get("protocol") or "tcp"),
        host_ip=str(spec.get("host_ip") or ""),
    )


def _port_order(port: PortMapping) -> tuple[int, str, str, str]:
    return (port.target, port.protocol, port.published, port.host_ip)


def _mount(spec: Mapping[str, Any]) -> Mount:
    return Mount(
        type=str(spec.get("type") or "volume"),
        source=str(spec.get("source") or ""),
        target=str(spec.get("target") or ""),
        read_only=bool(spec.get("read_only") or False),
    )


def _mount_order(mount: Mount) -> tuple[str, str, str]:
    return (mount.target, mount.type, mount.source)


def _natural(text: str) -> tuple[int, str]:
    match = re.match(r"\d+", text)
    return (int(match.group()) if match else -1, text)


def _healthcheck(spec: Mapping[str, Any] | None) -> Healthcheck | None:
    if spec is None:
        return None
    test = tuple(str(t) for t in spec.get("test") or ())
    disabled = bool(spec.get("disable")) or test[:1] == ("NONE",)
    retries = spec.get("retries")
    return Healthcheck(
        test=("NONE",) if disabled else test,
        interval_s=_seconds(spec.get("interval")),
        timeout_s=_seconds(spec.get("timeout")),
        retries=None if retries is None else to_int(retries, "healthcheck retries"),
        start_period_s=_seconds(spec.get("start_period")),
        disabled=disabled,
    )


def _seconds(value: Any) -> float | None:
    return None if value is None else parse_duration(value)


def _resources(spec: Mapping[str, Any], svc: Mapping[str, Any]) -> Resources:
    """deploy.resources, else the service's own mem_limit, mem_reservation and cpus (the older
    keys, which Compose v2 still applies: a cap set either way is a cap)."""
    limits = spec.get("limits") or {}
    reservations = spec.get("reservations") or {}
    return Resources(
        cpu_limit=_cpus(_first(limits.get("cpus"), svc.get("cpus"))),
        memory_limit_bytes=_memory(_first(limits.get("memory"), svc.get("mem_limit"))),
        cpu_reservation=_cpus(reservations.get("cpus")),
        memory_reservation_bytes=_memory(
            _first(reservations.get("memory"), svc.get("mem_reservation"))
        ),
    )


def _first(*values: Any) -> Any:
    return next((v for v in values if v not in (None, "", 0, "0")), None)


def _cpus(value: Any) -> str:
    return "" if value in (None, "") else cpus_text(value)


def _memory(value: Any) -> int | None:
    return None if value in (None, "") else parse_memory(value)


def _volume(project: str, key: str, spec: Mapping[str, Any]) -> NamedVolume:
    external = bool(spec.get("external"))
    default = key if external else f"{project}_{key}"
    return NamedVolume(
        key=key,
        name=str(spec.get("name") or default),
        external=external,
        driver=str(spec.get("driver") or ""),
    )


# Where the engine puts a secret or config whose target is unset or relative.
SECRETS_DIR = "/run/secrets/"
CONFIGS_DIR = "/"


def _grants(specs: Any, base: str) -> tuple[FileGrant, ...]:
    grants = []
    for spec in specs or []:
        source = str(spec.get("source") or "")
        target = str(spec.get("target") or "") or source
        mode = spec.get("mode")
        grants.append(
            FileGrant(
                source=source,
                target=target if target.startswith("/") else base + target,
                uid="" if spec.get("uid") is None else scalar_text(spec["uid"]),
                gid="" if spec.get("gid") is None else scalar_text(spec["gid"]),
                # The CLI prints a mode as octal text ("0440"); the built-in loader has the number.
                mode=None if mode is None else mode if isinstance(mode, int) else int(str(mode), 8),
            )
        )
    return tuple(sorted(grants, key=lambda g: (g.target, g.source)))


def _files(project: str, declared: Mapping[str, Any]) -> dict[str, ProjectFile]:
    """Top-level secrets/configs: where each comes from, never what it holds (no `content`)."""
    out: dict[str, ProjectFile] = {}
    for key, spec in sorted(declared.items()):
        spec = spec or {}
        external = bool(spec.get("external"))
        origin = next(
            (o for o in ("file", "environment", "content") if spec.get(o) is not None),
            "external" if external else "",
        )
        out[str(key)] = ProjectFile(
            key=str(key),
            name=str(spec.get("name") or (key if external else f"{project}_{key}")),
            origin=origin,
            file=str(spec.get("file") or ""),
            environment=str(spec.get("environment") or ""),
            external=external,
        )
    return out
