"""The built-in Compose loader: for hosts without a Compose v2 CLI.

It produces the same JSON shape as `docker compose config --format json` (see normalise.py for
the one place that turns either into the model): files are read (YAML errors with line and
column), interpolated with the process environment over the `.env`/`--env-file` values,
rewritten in long form, merged in -f order, filtered by profile; then each service's `env_file`s
are folded into its `environment`, and only the volumes, networks, secrets and configs that
enabled services use are kept, as Compose does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wizard.compose.canonical import canonical_file
from wizard.compose.dotenv import read_env_file
from wizard.compose.errors import ComposeFileError
from wizard.compose.merge import merge_documents, strip_markers
from wizard.compose.units import cpus_text, parse_memory
from wizard.compose.values import FileContext
from wizard.compose.yamlfile import read_yaml_file


def interpolation_env(env_file: Path | None, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables `${...}` see: the env file's, overridden by the process environment."""
    values = read_env_file(env_file, environ.get) if env_file is not None else {}
    return {**values, **environ}


def active_profiles(profiles: Sequence[str] | None, env: Mapping[str, str]) -> list[str]:
    """`profiles` when given, else COMPOSE_PROFILES (comma-separated) as Compose reads it."""
    if profiles is not None:
        return [p for p in profiles if p]
    return [p.strip() for p in env.get("COMPOSE_PROFILES", "").split(",") if p.strip()]


def load_builtin(
    files: Sequence[Path],
    project_name: str,
    project_dir: Path,
    env_file: Path | None,
    environ: Mapping[str, str],
    profiles: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The project as `docker compose config --format json` would print it (values unescaped)."""
    if not files:
        raise ComposeFileError("No Compose file given.", "Pass -f path/to/compose.yaml.")
    env = interpolation_env(env_file, environ)
    home = environ.get("HOME") or str(Path.home())
    merged: dict[str, Any] = {}
    for file in files:
        ctx = FileContext(
            file=file, project_dir=project_dir, lookup=env.get, home=home, env_file=env_file
        )
        merged = merge_documents(merged, canonical_file(read_yaml_file(file), ctx))
    merged = strip_markers(merged)

    active = set(active_profiles(profiles, env))
    all_services: dict[str, Any] = merged.get("services") or {}
    services = {
        name: svc
        for name, svc in all_services.items()
        if not svc.get("profiles") or "*" in active or active & set(svc["profiles"])
    }
    what = ", ".join(str(f) for f in files)
    for name, svc in services.items():
        _implicit_dependencies(svc)
        _check_service(name, svc, services, set(all_services), what)
        _fold_env_files(svc, env)

    return {
        "name": project_name,
        "services": services,
        "networks": _used_networks(services, merged.get("networks") or {}, project_name, what),
        "volumes": _used_volumes(services, merged.get("volumes") or {}, project_name, what),
        "secrets": _used_files(services, merged.get("secrets") or {}, "secret", project_name, what),
        "configs": _used_files(services, merged.get("configs") or {}, "config", project_name, what),
    }


def _implicit_dependencies(svc: dict[str, Any]) -> None:
    """links, volumes_from and `service:X` network/ipc/pid modes imply depends_on X (started)."""
    implied: list[str] = [str(link).split(":")[0] for link in svc.get("links") or []]
    implied += [
        str(source).split(":")[0]
        for source in svc.get("volumes_from") or []
        if not str(source).startswith("container:")
    ]
    for key in ("network_mode", "ipc", "pid"):
        mode = str(svc.get(key) or "")
        if mode.startswith("service:"):
            implied.append(mode[len("service:") :])
    if not implied:
        return
    depends_on = svc.setdefault("depends_on", {})
    for name in implied:
        depends_on.setdefault(name, {"condition": "service_started", "required": True})


def _check_service(
    name: str, svc: dict[str, Any], services: dict[str, Any], defined: set[str], what: str
) -> None:
    replicas = (svc.get("deploy") or {}).get("replicas")
    if replicas is not None and "scale" in svc and svc["scale"] != replicas:
        raise ComposeFileError(
            f"{what}: services.{name}: can't set distinct values on 'scale' and 'deploy.replicas'.",
            "Keep one of them (deploy.replicas is the one Kubernetes tooling reads).",
        )
    _check_resource_keys(name, svc, what)
    if not svc.get("image") and not svc.get("build"):
        raise ComposeFileError(
            f"{what}: service {name!r} has neither an image nor a build context.",
            f"Give services.{name} an `image:` or a `build:`.",
        )
    for dependency, spec in (svc.get("depends_on") or {}).items():
        # A dependency on a service left out by its profiles is fine when it is not required.
        required = (spec or {}).get("required", True)
        if dependency not in defined or (dependency not in services and required):
            raise ComposeFileError(
                f"{what}: service {name!r} depends on undefined service {dependency!r}.",
                f"Define {dependency!r}, enable its profile (COMPOSE_PROFILES), or remove it "
                f"from services.{name}.depends_on.",
            )


# The service's older keys and the deploy.resources key that says the same, read as Compose reads
# them: both may be set only to the same value.
_RESOURCE_TWINS = (
    ("mem_limit", "limits", "memory", parse_memory),
    ("mem_reservation", "reservations", "memory", parse_memory),
    ("cpus", "limits", "cpus", lambda v: float(cpus_text(v))),
)


def _check_resource_keys(name: str, svc: dict[str, Any], what: str) -> None:
    resources = (svc.get("deploy") or {}).get("resources") or {}
    for key, kind, dimension, read in _RESOURCE_TWINS:
        older, newer = svc.get(key), (resources.get(kind) or {}).get(dimension)
        if older is None or newer is None:
            continue
        try:
            # 0 means unset to Compose: only two caps that are both set can disagree.
            same = not read(older) or not read(newer) or read(older) == read(newer)
        except ValueError as exc:
            raise ComposeFileError(
                f"{what}: services.{name}.{key}: {exc}",
                "Write memory as e.g. 512m or 1g, and cpus as a number such as 1.5.",
            ) from None
        if not same:
            raise ComposeFileError(
                f"{what}: services.{name}: can't set distinct values on {key!r} and "
                f"'deploy.resources.{kind}.{dimension}' ({older} and {newer}).",
                f"Keep one of them (deploy.resources.{kind}.{dimension} is the one Kubernetes "
                "tooling reads).",
            )


def _fold_env_files(svc: dict[str, Any], env: Mapping[str, str]) -> None:
    """environment = the env_file variables, in order, then `environment:` on top."""
    entries = svc.pop("env_file", None) or []
    if not entries and "environment" not in svc:
        return
    values: dict[str, str | None] = {}
    for entry in entries:
        path = Path(entry["path"])
        if not path.is_file() and not entry.get("required", True):
            continue
        values.update(read_env_file(path, env.get, raw=entry.get("format") == "raw"))
    values.update(svc.get("environment") or {})
    svc["environment"] = values


def _used_networks(
    services: dict[str, Any], declared: dict[str, Any], project: str, what: str
) -> dict[str, Any]:
    used: dict[str, Any] = {}
    for name, svc in services.items():
        if svc.get("network_mode"):
            continue
        for key in svc.get("networks") or {"default": None}:
            if key not in declared and key != "default":
                raise ComposeFileError(
                    f"{what}: service {name!r} refers to undefined network {key!r}.",
                    f"Declare {key!r} under the top-level `networks:` key.",
                )
            spec = dict(declared.get(key) or {})
            spec.setdefault("name", key if spec.get("external") else f"{project}_{key}")
            used[key] = spec
    return dict(sorted(used.items()))


def _used_volumes(
    services: dict[str, Any], declared: dict[str, Any], project: str, what: str
) -> dict[str, Any]:
    used: dict[str, Any] = {}
    for name, svc in services.items():
        for mount in svc.get("volumes") or []:
            key = mount.get("source")
            if mount.get("type") != "volume" or not key:
                continue
            if key not in declared:
                raise ComposeFileError(
                    f"{what}: service {name!r} refers to undefined volume {key!r}.",
                    f"Declare {key!r} under the top-level `volumes:` key.",
                )
            spec = dict(declared.get(key) or {})
            spec.setdefault("name", key if spec.get("external") else f"{project}_{key}")
            used[key] = spec
    return dict(sorted(used.items()))


_ORIGINS = {"secret": ("file", "environment"), "config": ("file", "environment", "content")}


def _used_files(
    services: dict[str, Any], declared: dict[str, Any], kind: str, project: str, what: str
) -> dict[str, Any]:
    """The top-level secrets (or configs) enabled services use, as Compose keeps them."""
    used: dict[str, Any] = {}
    for name, svc in services.items():
        for grant in svc.get(f"{kind}s") or []:
            key = grant.get("source")
            if key not in declared:
                raise ComposeFileError(
                    f"{what}: service {name!r} refers to undefined {kind} {key!r}.",
                    f"Declare {key!r} under the top-level `{kind}s:` key.",
                )
            spec = dict(declared.get(key) or {})
            origins = [o for o in _ORIGINS[kind] if spec.get(o) is not None]
            if len(origins) > 1:
                raise ComposeFileError(
                    f"{what}: {kind}s.{key}: {'|'.join(origins)} attributes are mutually "
                    "exclusive.",
                    f"Keep one of {', '.join(origins)} for {kind}s.{key}.",
                )
            spec.setdefault("name", key if spec.get("external") else f"{project}_{key}")
            used[key] = spec
    return dict(sorted(used.items()))
