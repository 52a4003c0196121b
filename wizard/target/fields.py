"""Reading fields of Kubernetes-shaped dicts that may be malformed: a value of the wrong type
reads as absent, never raises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def as_map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def strs(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in as_list(value))


def str_map(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in as_map(value).items()}


def as_int(value: object, default: int | None = None) -> int | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def name_of(obj: Mapping[str, Any]) -> str:
    return str(as_map(obj.get("metadata")).get("name") or "")


def controller_of(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, name) of the object's controlling owner (a ReplicaSet, a Job's CronJob, ...)."""
    for owner in as_list(as_map(obj.get("metadata")).get("ownerReferences")):
        owner = as_map(owner)
        if owner.get("controller"):
            return str(owner.get("kind") or ""), str(owner.get("name") or "")
    return None
