"""The Compose project as the wizard sees it: normalised, whatever loader produced it.

Both loaders (the Compose CLI's `config --format json`, and the built-in one) produce exactly
this model, so a differential test can compare them field by field. Values are already
interpolated; `environment` holds the container's final environment (env_file merged in,
`environment:` winning), with None for a variable declared without a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PortMapping:
    target: int  # the container port
    published: str = ""  # host port or range as text ("8080", "8000-8010"); "" when not published
    protocol: str = "tcp"
    host_ip: str = ""


@dataclass(frozen=True)
class Mount:
    type: str  # volume | bind | tmpfs
    source: str  # volume key (not the engine name) for volumes, absolute host path for binds
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class Healthcheck:
    test: tuple[
        str, ...
    ]  # as Compose normalises it: ("CMD", ...) | ("CMD-SHELL", "...") | ("NONE",)
    interval_s: float | None = None
    timeout_s: float | None = None
    retries: int | None = None
    start_period_s: float | None = None
    disabled: bool = False


@dataclass(frozen=True)
class Resources:
    cpu_limit: str = ""  # as written, e.g. "0.5"
    memory_limit_bytes: int | None = None
    cpu_reservation: str = ""
    memory_reservation_bytes: int | None = None


@dataclass(frozen=True)
class FileGrant:
    """A secret or config a service is given as a file (service-level `secrets:`/`configs:`).

    `target` is absolute, as the engine places it: a secret's default is /run/secrets/<source>
    and a relative target goes under /run/secrets/; a config's default is /<source> and a
    relative target goes under /. `mode` is the permission bits (None: the engine's default).
    """

    source: str  # the key under the top-level secrets:/configs:
    target: str
    uid: str = ""
    gid: str = ""
    mode: int | None = None


@dataclass(frozen=True)
class ProjectFile:
    """A top-level `secrets:` or `configs:` entry: where the file's content comes from.

    Never the content itself: a secret's value (and a config's inline `content:`, which
    interpolation may have filled with one) stays out of the model. `origin` is `file`,
    `environment`, `content` or `external`; `file` the absolute host path, `environment` the
    variable's name.
    """

    key: str
    name: str  # "<project>_<key>" unless `name:` or external
    origin: str = ""
    file: str = ""
    environment: str = ""
    external: bool = False


@dataclass(frozen=True)
class ComposeService:
    name: str
    image: str = ""  # "" when only built
    build: bool = False  # has a build: section (needs a pushed image in Kubernetes)
    command: tuple[str, ...] | None = None  # None: the image's default
    entrypoint: tuple[str, ...] | None = None
    environment: dict[str, str | None] = field(default_factory=dict)
    ports: tuple[PortMapping, ...] = ()
    expose: tuple[str, ...] = ()  # container ports published only to other services ("8000")
    mounts: tuple[Mount, ...] = ()
    healthcheck: Healthcheck | None = None
    depends_on: dict[str, str] = field(default_factory=dict)  # service -> condition
    replicas: int | None = None  # deploy.replicas (or scale); None: not set (1)
    resources: Resources = field(default_factory=Resources)
    stop_grace_period_s: float | None = None
    profiles: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    secrets: tuple[FileGrant, ...] = ()  # sorted by target
    configs: tuple[FileGrant, ...] = ()
    # Which container of a pod runs this service (wizard.mapping.containers), and whose network
    # it shares (`service:x`: it became a container in x's pod).
    container_name: str = ""
    network_mode: str = ""


@dataclass(frozen=True)
class NamedVolume:
    key: str  # the key under top-level volumes:
    name: str  # the engine's name: "<project>_<key>" unless `name:` or external
    external: bool = False
    driver: str = ""


@dataclass(frozen=True)
class ComposeProject:
    name: str
    services: dict[str, ComposeService]
    volumes: dict[str, NamedVolume] = field(default_factory=dict)
    networks: tuple[str, ...] = ()  # network keys
    secrets: dict[str, ProjectFile] = field(default_factory=dict)  # those enabled services use
    configs: dict[str, ProjectFile] = field(default_factory=dict)
    source: str = ""  # "compose-cli" | "built-in": which loader produced it
