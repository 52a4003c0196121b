"""The bundled sample system, read from its files: the Compose project and the k8s manifests.

The demo gateways answer from these files, so what the wizard shows in the demo is exactly what
`assets/demo/` says. A file that cannot be read becomes an `Invalid` error, like any gateway's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from wizard.errors import Invalid

Manifest = dict[str, Any]


def load_compose(files: Sequence[Path]) -> dict[str, Any]:
    """The Compose files merged the simple way: later files add or replace whole entries."""
    merged: dict[str, Any] = {}
    for path in files:
        raw = _read_yaml(path)
        if not isinstance(raw, dict):
            raise Invalid(f"{path}: expected a Compose mapping at the top.")
        for key, value in raw.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def load_manifests(folder: Path) -> list[Manifest]:
    """Every object of every `*.yaml`/`*.yml` file in the folder, in file-name order."""
    objects: list[Manifest] = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError) as exc:
            raise Invalid(f"{path}: cannot be read as YAML ({exc}).") from None
        objects.extend(doc for doc in docs if isinstance(doc, dict) and doc.get("kind"))
    return objects


def overlay(base: Sequence[Manifest], fixes: Sequence[Manifest]) -> list[Manifest]:
    """`base` with `fixes` applied over it, as `kubectl apply` of one folder then the other
    leaves a cluster: an object of the same kind, namespace and name replaces the first where it
    stood; the others are added after it, in their order."""

    def key(m: Manifest) -> tuple[str, str, str]:
        meta = m.get("metadata") or {}
        return (str(m["kind"]), str(meta.get("namespace") or ""), str(meta.get("name") or ""))

    replacing = {key(m): m for m in fixes}
    merged = [replacing.pop(key(m), m) for m in base]
    return merged + [m for m in fixes if key(m) in replacing]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise Invalid(f"{path}: cannot be read as YAML ({exc}).") from None
