"""What `down` will remove and what it keeps, read from the engine before anything changes.

Removed: the project's containers (running and stopped; one-off `run` containers listed apart)
and the networks Compose created for it (external networks are never touched). Kept: every named
volume (the rollback) and every image. Confirmation is typing the project name exactly.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from wizard.gateways.protocols import ComposeHost
from wizard.model import ComposeContainer, ComposeNetwork, ComposeVolume


@dataclass(frozen=True)
class DownPreview:
    project: str
    containers: tuple[ComposeContainer, ...]  # the services' containers, removed
    one_off: tuple[ComposeContainer, ...]  # `docker compose run` containers, removed
    networks: tuple[ComposeNetwork, ...]  # created by Compose for the project, removed
    external_networks: tuple[ComposeNetwork, ...]  # not the project's: left alone
    volumes: tuple[ComposeVolume, ...]  # kept, every one
    images: tuple[str, ...]  # kept
    command: str  # the equivalent Compose command, for the record

    @property
    def nothing_to_do(self) -> bool:
        return not (self.containers or self.one_off or self.networks)

    @property
    def volume_sizes(self) -> dict[str, int | None]:
        """Volume name -> bytes. Not measured: the Engine's only way (`system df`) walks every
        volume on the host, which is not cheap; None means unknown."""
        return {v.name: None for v in self.volumes}


def down_command(project: str) -> str:
    return f"docker compose -p {shlex.quote(project)} down"


def preview_down(host: ComposeHost, project_name: str) -> DownPreview:
    """Read the project's containers, networks and volumes (reads only, changes nothing)."""
    containers = host.project_containers(project_name)
    networks = host.project_networks(project_name)
    volumes = host.project_volumes(project_name)
    return DownPreview(
        project=project_name,
        containers=tuple(c for c in containers if not c.one_off),
        one_off=tuple(c for c in containers if c.one_off),
        networks=tuple(n for n in networks if not n.external),
        external_networks=tuple(n for n in networks if n.external),
        volumes=tuple(volumes),
        images=tuple(sorted({c.image for c in containers if c.image})),
        command=down_command(project_name),
    )


def confirms(typed: str, project: str) -> bool:
    """The operator typed the project's name exactly (surrounding blanks aside); nothing else."""
    return bool(project) and typed.strip() == project
