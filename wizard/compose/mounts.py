"""Service volumes in long form: `SOURCE:TARGET[:MODE]` -> {type, source, target, read_only}.

A source starting with `.`, `/` or `~` (or a drive letter) is a bind mount, resolved against the
project directory (`~` against HOME); anything else names a volume from the top-level `volumes:`.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from wizard.compose.values import FileContext, Invalid, as_bool, as_text, host_path, kind_of


def parse_volumes(value: Any, path: str, ctx: FileContext) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid(path, f"expected a list, found {kind_of(value)}")
    out = []
    for index, item in enumerate(value):
        where_ = f"{path}[{index}]"
        if isinstance(item, dict):
            out.append(_long_volume(item, where_, ctx))
        else:
            out.append(_short_volume(as_text(item, where_), where_, ctx))
    return out


def _is_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or bool(re.match(r"[A-Za-z]:[\\/]", source))


def _short_volume(spec: str, path: str, ctx: FileContext) -> dict[str, Any]:
    parts = spec.split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": _target(parts[0], spec, path), "volume": {}}
    if len(parts) > 3:
        raise Invalid(path, f"invalid volume {spec!r}: expected SOURCE:TARGET[:MODE]")
    source, target = parts[0], parts[1]
    modes = parts[2].split(",") if len(parts) == 3 else []
    mount: dict[str, Any] = {}
    if _is_path(source):
        mount["type"] = "bind"
        mount["source"] = host_path(source, ctx)
    else:
        mount["type"] = "volume"
        mount["source"] = source
    mount["target"] = _target(target, spec, path)
    if "ro" in modes:
        mount["read_only"] = True
    if mount["type"] == "bind":
        mount["bind"] = {"create_host_path": True}
    else:
        mount["volume"] = {"nocopy": True} if "nocopy" in modes else {}
    return mount


def _long_volume(item: dict[str, Any], path: str, ctx: FileContext) -> dict[str, Any]:
    kind = as_text(item.get("type") or "volume", f"{path}.type")
    mount = dict(item)
    mount["type"] = kind
    if item.get("target") is None:
        raise Invalid(path, "a volume entry needs a `target` (the path in the container)")
    mount["target"] = _target(as_text(item["target"], f"{path}.target"), str(item), path)
    source = item.get("source")
    if source in (None, ""):
        mount.pop("source", None)
        if kind == "bind":
            raise Invalid(path, "a bind mount needs a `source` (the path on the host)")
    elif kind == "bind":
        mount["source"] = host_path(as_text(source, f"{path}.source"), ctx)
    else:
        mount["source"] = as_text(source, f"{path}.source")
    if "read_only" in item:
        mount["read_only"] = as_bool(item["read_only"], f"{path}.read_only")
    return mount


def _target(target: str, spec: str, path: str) -> str:
    if not target:
        raise Invalid(path, f"invalid volume {spec!r}: empty target")
    return posixpath.normpath(target) if target.startswith("/") else target
