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


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise Invalid(f"{path}: cannot be read as YAML ({exc}).") from None
