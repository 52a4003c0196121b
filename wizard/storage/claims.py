"""PersistentVolumeClaims from raw API JSON, and Kubernetes quantities ("10Gi") as bytes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from wizard.model import Pvc

_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$")
_FACTORS: dict[str, Decimal] = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}


def pvc_from_json(obj: Mapping[str, Any]) -> Pvc:
    """A claim as listed or watched: phase, requested vs bound size, modes, class, volume."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    return Pvc(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        phase=str(status.get("phase") or "Pending"),
        requested=str(((spec.get("resources") or {}).get("requests") or {}).get("storage", "")),
        capacity=str((status.get("capacity") or {}).get("storage", "")),
        access_modes=tuple(status.get("accessModes") or spec.get("accessModes") or ()),
        storage_class=str(spec.get("storageClassName") or ""),
        volume_name=str(spec.get("volumeName") or ""),
        requested_modes=tuple(spec.get("accessModes") or ()),
    )


def parse_quantity(text: str) -> int | None:
    """Bytes from a quantity ("1Gi", "500M", "1.5Gi", "2e9"); None when empty or malformed."""
    match = _QUANTITY.match(text.strip())
    if not match:
        return None
    try:
        value = Decimal(match.group(1)) * _FACTORS[match.group(2) or ""]
    except InvalidOperation:
        return None
    return int(value)


def format_bytes(size: int) -> str:
    """1073741824 -> "1Gi", 1500000000 -> "1.4Gi": binary units, as PVC sizes are written."""
    for unit, factor in (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f}{unit}" if value == int(value) else f"{value:.1f}{unit}"
    if size >= 1024:
        return f"{size / 1024:.0f}Ki"
    return f"{size}B"
