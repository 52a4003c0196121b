"""The Data step's plan: which Compose volumes move, into which claim and pod, by which method.

One row per Compose named volume that has a replacement claim (the Volumes step's pairing,
wizard.storage.volumes). The method is chosen by what the service that mounts the volume is,
first rule that applies:

1. `cutover.yaml` `data: {VOLUME: {method: files | postgres | skip, reason: ...}}`;
2. **postgres**: a PostgreSQL service (its image is postgres, postgis or timescaledb, or it sets
   POSTGRES_* variables) whose data directory is this volume: a dump and restore, verified per
   table (a copy of a running database's files would be torn);
3. **files** for Redis that persists (`--appendonly yes` or `--save`): its files, with Redis
   stopped on both sides, since it keeps its data in memory until then; **skip** for Redis
   without persistence: it is a cache, and fills again;
4. **skip** for RabbitMQ: stop the producers, let the consumers empty the queues before cutover;
   its definitions come from the manifests;
5. **files** for everything else (uploads, indexes, anything).

`plan_data` is pure over the Compose model and the Volumes report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.compose.model import ComposeProject, ComposeService

if TYPE_CHECKING:
    from wizard.config import DataOverride
    from wizard.storage.volumes import VolumesReport

FILES, POSTGRES, SKIP = "files", "postgres", "skip"
_POSTGRES_IMAGES = ("postgres", "postgis", "timescaledb")
_POSTGRES_DATA = "/var/lib/postgresql/data"


@dataclass(frozen=True)
class DataRow:
    """One volume to move: where from, where to, how, and why that way."""

    volume: str  # the Compose key
    engine_name: str  # the Docker volume
    services: tuple[str, ...]  # Compose services that mount it
    source_path: str  # where the first of them mounts it
    claim: str  # the claim that replaces it
    pods: tuple[str, ...]  # pods that mount the claim (none: a helper pod will)
    method: str  # files | postgres | skip
    why: str
    data_bytes: int | None = None
    # The target's workload must be stopped for the copy (Redis rewrites its files from memory:
    # a copy into a running Redis would be overwritten), and started again after.
    stop_target: bool = False
    # The Compose services whose writes the copy must not miss: those that mount the volume;
    # for a database, the services that depend on it too (they write through it).
    writers: tuple[str, ...] = ()
    # The claim's phase ("" when it does not exist): only a Bound claim can take a copy.
    claim_phase: str = "Bound"


def plan_data(
    project: ComposeProject,
    report: VolumesReport,
    overrides: Mapping[str, DataOverride] | None = None,
) -> list[DataRow]:
    """The rows, in the Volumes step's order; volumes with no claim yet are left to that step."""
    overrides = overrides or {}
    rows = []
    for row in report.rows:
        if not row.claims:
            continue
        claim = row.claims[0]
        services = [project.services[s] for s in row.services if s in project.services]
        path = next((m.target for s in services for m in s.mounts if m.source == row.volume), "")
        method, why = choose_method(row.volume, services, path, overrides.get(row.volume))
        redis = any(_image_name(s.image) == "redis" for s in services)
        writers = row.services
        if method == POSTGRES:
            writers += tuple(_dependents(project, row.services))
        rows.append(
            DataRow(
                volume=row.volume,
                engine_name=row.engine_name,
                services=row.services,
                source_path=path,
                claim=claim.name,
                pods=claim.pods,
                method=method,
                why=why,
                data_bytes=row.data_bytes,
                stop_target=redis and method == FILES,
                writers=writers,
                claim_phase=claim.pvc.phase if claim.pvc is not None else "",
            )
        )
    return rows


def choose_method(
    volume: str,
    services: list[ComposeService],
    path: str,
    override: DataOverride | None = None,
) -> tuple[str, str]:
    """(method, why) for one volume, by the rules in the module's docstring."""
    if override is not None:
        return override.method, override.reason or f"set in cutover.yaml for {volume}"
    for service in services:
        kind = _image_name(service.image)
        if _is_postgres(service, kind) and _is_data_dir(service, path):
            return POSTGRES, f"{service.name} is PostgreSQL: a dump and restore, verified per table"
        if kind == "redis":
            command = " ".join(service.command or ())
            if "--appendonly yes" in command or "--save " in command:
                return FILES, (
                    f"{service.name} is Redis with persistence: its files, with Redis stopped "
                    "on both sides"
                )
            return SKIP, f"{service.name} is Redis without persistence: a cache, it fills again"
        if kind == "rabbitmq":
            return SKIP, (
                f"{service.name} is RabbitMQ: stop the producers and let the queues drain "
                "before cutover; its definitions come from the manifests"
            )
    return FILES, "its files, as a tar stream, verified file by file"


def _dependents(project: ComposeProject, services: tuple[str, ...]) -> list[str]:
    """The services that use one of `services`, in the file's order: they declare `depends_on`
    it, or their environment names it as a host (`...@postgres:5432/db`, `DB_HOST=postgres`):
    a worker that reaches the database by URL writes to it as much as the web app does."""
    return [
        name
        for name, service in project.services.items()
        if name not in services
        and any(s in service.depends_on or _names_host(service, s) for s in services)
    ]


def _names_host(service: ComposeService, host: str) -> bool:
    url = re.compile(rf"(?:@|//){re.escape(host)}(?:[:/]|$)")
    return any(
        url.search(str(value)) or (key.upper().endswith("HOST") and str(value) == host)
        for key, value in service.environment.items()
    )


def _image_name(image: str) -> str:
    """`docker.io/library/postgres:15-alpine` -> `postgres`."""
    name = image.rsplit("/", 1)[-1]
    return name.split("@", 1)[0].split(":", 1)[0].lower()


def _is_postgres(service: ComposeService, kind: str) -> bool:
    if kind in _POSTGRES_IMAGES:
        return True
    return any(key.startswith("POSTGRES_") for key in service.environment)


def _is_data_dir(service: ComposeService, path: str) -> bool:
    """The volume holds the cluster's data directory (PGDATA, or the image's default)."""
    pgdata = service.environment.get("PGDATA") or _POSTGRES_DATA
    path = path.rstrip("/")
    return bool(path) and (pgdata.rstrip("/") == path or pgdata.startswith(path + "/"))
