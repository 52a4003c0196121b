"""CutoverConfig: where the Compose project and the cluster are, from flags, environment and file.

Precedence, highest first: command-line flags, environment (COMPOSE_FILE, COMPOSE_PROJECT_NAME,
KUBECONFIG, DOCKER_HOST), `cutover.yaml` beside the (first) Compose file, then defaults found the
way Compose finds them. Every error names the file, the key and what was expected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wizard.errors import ConfigError

# The names Compose looks for, in its order, and the override file it adds to each.
DEFAULT_COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = {
    "compose.yaml": "compose.override.yaml",
    "compose.yml": "compose.override.yml",
    "docker-compose.yaml": "docker-compose.override.yaml",
    "docker-compose.yml": "docker-compose.override.yml",
}
CONFIG_FILE_NAME = "cutover.yaml"
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


HELPER_IMAGE = "busybox:1.36"


class DataOverride(BaseModel):
    """How one Compose volume's data moves on the Data step, where its guess is wrong."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["files", "postgres", "skip"] = Field(
        description="files: the volume's files as a tar stream; postgres: pg_dump/pg_restore; "
        "skip: not moved (a cache, queues that drain), acknowledged at the gate."
    )
    reason: str = Field("", description="Why: shown on the step and in `cutover data`.")


class CutoverFile(BaseModel):
    """The optional `cutover.yaml` beside the Compose file. Unknown keys are errors (typos)."""

    model_config = ConfigDict(extra="forbid")

    project: str | None = Field(None, description="Compose project name (as `-p`).")
    env_file: str | None = Field(
        None, description="Env file for interpolation, relative to this file."
    )
    namespace: str | None = Field(None, description="Kubernetes namespace of the target (as `-n`).")
    context: str | None = Field(None, description="kubeconfig context to use (as `--context`).")
    selector: str | None = Field(
        None, description="Label selector of the target's objects (as `-l`)."
    )
    manifests: str | None = Field(None, description="Folder of manifests, relative to this file.")
    services: dict[str, str] = Field(
        default_factory=dict,
        description="Compose service -> workload name, where names differ: `workload`, "
        "`workload/container` (a container of a shared pod) or `Kind/workload[/container]`.",
    )

    @field_validator("services")
    @classmethod
    def _workload_refs(cls, value: dict[str, str]) -> dict[str, str]:
        for service, ref in value.items():
            parts = ref.split("/")
            if any(not p.strip() for p in parts) or len(parts) > 3:
                raise ValueError(
                    f"{service}: {ref!r} is not a workload: write `{service}: <workload>`, "
                    f"`{service}: <workload>/<container>` or `{service}: <Kind>/<workload>`"
                )
        return value

    volumes: dict[str, str] = Field(
        default_factory=dict, description="Compose named volume -> PVC name, where names differ."
    )
    secrets: dict[str, Any] = Field(
        default_factory=dict, description="Env names treated as secrets, and their Secret keys."
    )
    data: dict[str, DataOverride] = Field(
        default_factory=dict, description="Compose named volume -> how its data moves."
    )
    helper_image: str = Field(
        HELPER_IMAGE,
        description="Image of the short-lived pod that mounts a claim no running pod mounts, "
        "for a copy (it needs sh, tar, find, stat, sha256sum: busybox has them).",
    )
    dns: list[str] = Field(
        default_factory=list,
        description="DNS servers the Traffic step asks for each Ingress host (as --dns): "
        "`10.0.0.2`, `10.0.0.2:5353`.",
    )
    compose_addresses: list[str] = Field(
        default_factory=list,
        description="The addresses clients reach Compose on (default: the Docker host's): a "
        "name still resolving to one of them blocks.",
    )
    smoke: dict[str, str] = Field(
        default_factory=dict,
        description="Compose service -> the path of its smoke request (default `/`).",
    )
    quiet_below: float = Field(
        1024,
        description="Bytes per second a Compose container may still receive and count as "
        "drained (Traffic step).",
    )


@dataclass(frozen=True)
class CutoverConfig:
    """Everything the wizard needs to know about where things are. Built by `resolve_config`."""

    compose_files: tuple[Path, ...]
    project_dir: Path
    project_name: str
    env_file: Path | None = None
    namespace: str | None = None  # None: the kube context's namespace, else "default"
    kube_context: str | None = None
    kubeconfig: str | None = None  # as KUBECONFIG: one path or several joined by os.pathsep
    selector: str = ""
    manifests_dir: Path | None = None
    docker_host: str | None = None
    read_only: bool = False
    # Why read-only was switched on for the operator (the identity may not write), else "".
    read_only_reason: str = ""
    profiles: tuple[str, ...] | None = None  # --profile; None: as Compose (COMPOSE_PROFILES)
    demo: bool = False
    config_file: Path | None = None
    services: Mapping[str, str] = field(default_factory=dict)
    volumes: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, DataOverride] = field(default_factory=dict)
    helper_image: str = ""  # "" : HELPER_IMAGE
    demo_fixed: bool = False  # `cutover demo --fixed`: assets/demo/k8s-fixed applied too
    # The Traffic step's: --dns and cutover.yaml `dns:`; `compose_addresses:`; `smoke:`.
    dns_servers: tuple[str, ...] = ()
    compose_addresses: tuple[str, ...] = ()
    smoke_paths: Mapping[str, str] = field(default_factory=dict)
    quiet_below: float = 1024.0


@dataclass
class Flags:
    """What the operator typed on the command line; None means 'not given'."""

    compose_files: Sequence[str] = ()
    project_name: str | None = None
    env_file: str | None = None
    namespace: str | None = None
    kube_context: str | None = None
    kubeconfig: str | None = None
    selector: str | None = None
    manifests_dir: str | None = None
    docker_host: str | None = None
    profiles: Sequence[str] = ()  # --profile, repeatable
    read_only: bool = False
    demo: bool = False
    demo_fixed: bool = False  # --fixed, demo only
    dns_servers: Sequence[str] = ()  # --dns, repeatable


def demo_dir() -> Path:
    """The bundled sample system (assets/demo), shipped as package data."""
    import assets

    return Path(assets.__file__).parent / "demo"


def normalise_project_name(name: str) -> str:
    """Compose's rule: lower case, only a-z 0-9 _ -, starting with a letter or digit."""
    cleaned = re.sub(r"[^a-z0-9_-]", "", name.lower())
    return cleaned.lstrip("_-")


def resolve_config(
    flags: Flags, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> CutoverConfig:
    """Combine flags, environment and cutover.yaml; raise ConfigError with a precise message."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    if flags.demo:
        return _demo_config(flags)

    compose_files = _find_compose_files(flags, env, cwd)
    project_dir = compose_files[0].parent
    config_file = project_dir / CONFIG_FILE_NAME
    file = load_cutover_file(config_file) if config_file.is_file() else CutoverFile()

    project = (
        flags.project_name
        or env.get("COMPOSE_PROJECT_NAME")
        or file.project
        or _name_in_compose_file(compose_files[0])
        or project_dir.name
    )
    project_name = normalise_project_name(project)
    if not project_name:
        raise ConfigError(
            f"Project name {project!r} has no usable characters.",
            "Pass -p NAME with lower-case letters, digits, '-' or '_'.",
        )

    env_file = (
        _existing_path(flags.env_file, cwd, "--env-file")
        if flags.env_file
        else _relative_file(file.env_file, config_file, "env_file")
    )
    if env_file is None and (project_dir / ".env").is_file():
        env_file = project_dir / ".env"

    namespace = flags.namespace or file.namespace
    if namespace is not None and not _DNS_LABEL.match(namespace):
        source = "-n/--namespace" if flags.namespace else f"{config_file}: key 'namespace'"
        raise ConfigError(
            f"{source}: {namespace!r} is not a valid namespace name.",
            "Expected a DNS label: lower-case letters, digits and '-', at most 63 characters.",
        )

    manifests = (
        _existing_path(flags.manifests_dir, cwd, "--manifests", want_dir=True)
        if flags.manifests_dir
        else _relative_file(file.manifests, config_file, "manifests", want_dir=True)
    )
    return CutoverConfig(
        compose_files=tuple(compose_files),
        project_dir=project_dir,
        project_name=project_name,
        env_file=env_file,
        namespace=namespace,
        kube_context=flags.kube_context or file.context,
        kubeconfig=flags.kubeconfig or env.get("KUBECONFIG") or None,
        selector=flags.selector if flags.selector is not None else (file.selector or ""),
        manifests_dir=manifests,
        docker_host=flags.docker_host or env.get("DOCKER_HOST") or None,
        read_only=flags.read_only,
        profiles=tuple(flags.profiles) if flags.profiles else None,
        demo=False,
        config_file=config_file if config_file.is_file() else None,
        services=file.services,
        volumes=file.volumes,
        secrets=file.secrets,
        data=file.data,
        helper_image=file.helper_image,
        dns_servers=tuple(flags.dns_servers) or tuple(file.dns),
        compose_addresses=tuple(file.compose_addresses),
        smoke_paths=file.smoke,
        quiet_below=file.quiet_below,
    )


def load_cutover_file(path: Path) -> CutoverFile:
    """Parse and validate cutover.yaml; errors name the file, the key and what was expected."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise ConfigError(
            f"{path}:{line} is not valid YAML ({getattr(exc, 'problem', exc)}).",
            "Fix the YAML syntax, or move the file away to run without it.",
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from None
    if raw is None:
        return CutoverFile()
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: expected a mapping of keys at the top, found {type(raw).__name__}."
        )
    try:
        return CutoverFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        if first["type"] == "extra_forbidden":
            known = ", ".join(CutoverFile.model_fields)
            raise ConfigError(
                f"{path}: key '{key}' is not known.", f"Expected one of: {known}."
            ) from None
        raise ConfigError(f"{path}: key '{key}': {first['msg']}.") from None


def _demo_config(flags: Flags) -> CutoverConfig:
    root = demo_dir()
    file = load_cutover_file(root / CONFIG_FILE_NAME)
    return CutoverConfig(
        compose_files=(root / "docker-compose.prod.yml",),
        project_dir=root,
        project_name=file.project or "email-rag",
        env_file=root / ".env.example",
        namespace=flags.namespace or file.namespace or "email-rag",
        kube_context="demo",
        selector=file.selector or "app=email-rag",
        # --fixed: the demo cluster holds k8s/ with k8s-fixed/ over it; no folder says that alone.
        manifests_dir=None if flags.demo_fixed else root / "k8s",
        docker_host="demo://localhost",
        read_only=flags.read_only,
        demo=True,
        demo_fixed=flags.demo_fixed,
        config_file=root / CONFIG_FILE_NAME,
        services=file.services,
        volumes=file.volumes,
        secrets=file.secrets,
        data=file.data,
        helper_image=file.helper_image,
        dns_servers=tuple(flags.dns_servers) or tuple(file.dns),
        compose_addresses=tuple(file.compose_addresses),
        smoke_paths=file.smoke,
        quiet_below=file.quiet_below,
    )


def _find_compose_files(flags: Flags, env: Mapping[str, str], cwd: Path) -> list[Path]:
    if flags.compose_files:
        return [_existing_path(f, cwd, "-f/--file") for f in flags.compose_files]
    if env.get("COMPOSE_FILE"):
        sep = env.get("COMPOSE_PATH_SEPARATOR", os.pathsep)
        return [_existing_path(f, cwd, "COMPOSE_FILE") for f in env["COMPOSE_FILE"].split(sep) if f]
    for name in DEFAULT_COMPOSE_FILES:
        candidate = cwd / name
        if candidate.is_file():
            override = cwd / OVERRIDE_FILES[name]
            return [candidate, override] if override.is_file() else [candidate]
    raise ConfigError(
        f"No Compose file in {cwd} (looked for {', '.join(DEFAULT_COMPOSE_FILES)}).",
        "Run cutover in the project's folder, or pass -f path/to/docker-compose.yml.",
    )


def _existing_path(value: str, cwd: Path, source: str, want_dir: bool = False) -> Path:
    path = (cwd / value).resolve() if not Path(value).is_absolute() else Path(value)
    if want_dir and not path.is_dir():
        raise ConfigError(
            f"{source}: folder {value} does not exist.", "Check the path and try again."
        )
    if not want_dir and not path.is_file():
        raise ConfigError(
            f"{source}: file {value} does not exist.", "Check the path and try again."
        )
    return path


def _relative_file(
    value: str | None, config_file: Path, key: str, want_dir: bool = False
) -> Path | None:
    if value is None:
        return None
    path = (config_file.parent / value).resolve()
    ok = path.is_dir() if want_dir else path.is_file()
    if not ok:
        kind = "folder" if want_dir else "file"
        raise ConfigError(
            f"{config_file}: key '{key}': {kind} {value} does not exist.",
            f"Expected a {kind} path relative to {config_file.parent}.",
        )
    return path


def _name_in_compose_file(path: Path) -> str | None:
    """The top-level `name:` of a Compose file, if it has one (Compose's own project name)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None  # the Compose loader reports broken files with line numbers later
    name = raw.get("name") if isinstance(raw, dict) else None
    return name if isinstance(name, str) and "$" not in name else None
