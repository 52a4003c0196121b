"""Merging Compose files the way Compose does (compose-spec "merge" rules), on canonical forms.

Mappings merge key by key, the later file winning; sequences are appended, except:
`command`, `entrypoint` and `healthcheck.test` are replaced; `ports` and `expose` drop exact
duplicates; `volumes` are merged by container path (`target`), the later mount replacing the
earlier one in place; `secrets` and `configs` likewise by target; `env_file` drops
repeated paths. `environment`, `labels`, `depends_on`,
`networks` and `build` are mappings in canonical form, so they merge by key.
`!reset` removes what earlier files set; `!override` replaces it without merging.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from wizard.compose.yamlfile import Override, Reset

_REPLACED = {"command", "entrypoint"}


def merge_documents(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` (a later -f file) merged onto `base`; neither argument is changed."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Reset):
            out.pop(key, None)
        elif isinstance(value, Override):
            out[key] = copy.deepcopy(value.value)
        elif key == "services" and isinstance(value, dict):
            services = out.setdefault("services", {})
            if not isinstance(services, dict):
                out["services"] = services = {}
            for name, service in value.items():
                if isinstance(service, Reset):
                    services.pop(name, None)
                elif isinstance(service, Override) or name not in services:
                    services[name] = copy.deepcopy(_unwrap(service))
                else:
                    services[name] = merge_service(services[name], service)
        else:
            out[key] = _merge_value(out.get(key), value, key)
    return out


def merge_service(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Reset):
            out.pop(key, None)
        elif isinstance(value, Override):
            out[key] = copy.deepcopy(value.value)
        elif key in _REPLACED or key not in out:
            out[key] = copy.deepcopy(value)
        elif key in _SEQUENCES and isinstance(out[key], list) and isinstance(value, list):
            out[key] = _SEQUENCES[key](out[key], value)
        elif key == "healthcheck" and isinstance(out[key], dict) and isinstance(value, dict):
            merged = _merge_value(out[key], {k: v for k, v in value.items() if k != "test"}, key)
            if "test" in value:
                merged["test"] = copy.deepcopy(value["test"])
            out[key] = merged
        else:
            out[key] = _merge_value(out[key], value, key)
    return out


def _merge_value(base: Any, override: Any, path: str) -> Any:
    if isinstance(override, Reset):
        return None
    if isinstance(override, Override):
        return copy.deepcopy(override.value)
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            if isinstance(value, Reset):
                out.pop(key, None)
            elif key in out:
                out[key] = _merge_value(out[key], value, f"{path}.{key}")
            else:
                out[key] = copy.deepcopy(_unwrap(value))
        return out
    if isinstance(base, dict) and override is None:
        return base  # `networks: {front: }` in an override keeps the earlier settings
    if isinstance(base, list) and isinstance(override, list):
        return base + copy.deepcopy(override)
    return copy.deepcopy(override)


def _unique(key: Callable[[Any], Any]) -> Callable[[list[Any], list[Any]], list[Any]]:
    def merge(base: list[Any], override: list[Any]) -> list[Any]:
        out = list(base)
        seen = {key(item) for item in out}
        for item in override:
            if key(item) not in seen:
                seen.add(key(item))
                out.append(copy.deepcopy(item))
        return out

    return merge


def _port_key(port: Any) -> Any:
    if not isinstance(port, dict):
        return repr(port)
    return tuple(str(port.get(k, "")) for k in ("host_ip", "target", "published", "protocol"))


def _merge_mounts(base: list[Any], override: list[Any]) -> list[Any]:
    out = list(base)
    where = {m.get("target"): i for i, m in enumerate(out) if isinstance(m, dict)}
    for mount in override:
        target = mount.get("target") if isinstance(mount, dict) else None
        if target is not None and target in where:
            out[where[target]] = copy.deepcopy(mount)
        else:
            where[target] = len(out)
            out.append(copy.deepcopy(mount))
    return out


def _replace_by(key: Callable[[Any], Any]) -> Callable[[list[Any], list[Any]], list[Any]]:
    """A later entry with the same key replaces the earlier one in place (not merged into it)."""

    def merge(base: list[Any], override: list[Any]) -> list[Any]:
        out = list(base)
        where = {key(item): i for i, item in enumerate(out)}
        for item in override:
            if key(item) in where:
                out[where[key(item)]] = copy.deepcopy(item)
            else:
                where[key(item)] = len(out)
                out.append(copy.deepcopy(item))
        return out

    return merge


def _grant_key(grant: Any) -> Any:
    """Where the file lands, as written: Compose keys them by target (a config's unset target
    being /<source>), so a later file's grant at the same path replaces the earlier one."""
    if not isinstance(grant, dict):
        return repr(grant)
    return grant.get("target") or f"/{grant.get('source')}"


_SEQUENCES: dict[str, Callable[[list[Any], list[Any]], list[Any]]] = {
    "secrets": _replace_by(_grant_key),
    "configs": _replace_by(_grant_key),
    "ports": _unique(_port_key),
    "expose": _unique(str),
    "volumes": _merge_mounts,
    "env_file": _unique(lambda e: e.get("path") if isinstance(e, dict) else e),
    "profiles": _unique(str),
}


def strip_markers(value: Any) -> Any:
    """The document without `!reset`/`!override` markers (as if merged onto nothing)."""
    if isinstance(value, dict):
        return {k: strip_markers(v) for k, v in value.items() if not isinstance(v, Reset)}
    if isinstance(value, list):
        return [strip_markers(v) for v in value if not isinstance(v, Reset)]
    if isinstance(value, Override):
        return strip_markers(value.value)
    return value


def _unwrap(value: Any) -> Any:
    return value.value if isinstance(value, Override) else value
