"""CPU and memory: Compose limits/reservations against Kubernetes limits/requests.

A memory cap Kubernetes drops blocks; a CPU cap dropped, or a limit under half of Compose's cap
(FAR_BELOW), warns, with both values in one notation (`0.5 GiB` against `8 GiB`); other
differences are info.
"""

from __future__ import annotations

import re

from wizard.checks import Severity
from wizard.mapping.common import Context, row
from wizard.mapping.model import DiffRow

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18, "m": 10**-3}
_QUANTITY = re.compile(r"^([0-9.]+(?:[eE][-+]?\d+)?)([A-Za-z]*)$")


def memory_bytes(quantity: str) -> int | None:
    """A Kubernetes memory quantity (`2Gi`, `512M`, `1e9`) in bytes; None when unreadable."""
    match = _QUANTITY.match(quantity.strip())
    if match is None:
        return None
    number, unit = match.groups()
    factor = _BINARY.get(unit) or _DECIMAL.get(unit) or (1 if unit == "" else None)
    if factor is None:
        return None
    try:
        return round(float(number) * factor)
    except ValueError:
        return None


def millicores(quantity: str) -> int | None:
    """A CPU quantity (`2`, `0.5`, `500m`) in millicores; None when unreadable."""
    text = quantity.strip()
    try:
        if text.endswith("m"):
            return round(float(text[:-1]))
        return round(float(text) * 1000)
    except ValueError:
        return None


_BYTE_UNITS = (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10), ("B", 1))
# A value far below the other side's: under this share of it (Kubernetes 512 MiB against
# Compose's 8 GiB; 0.5 CPU against 4).
FAR_BELOW = 0.5


def _in(value: int, unit: str, size: int) -> str:
    """`9.77 GiB` for 10000 MiB: two decimals at most, enough to read and to compare."""
    return f"{round(value / size, 2):g} {unit}"


def show_bytes(value: int, like: int | None = None) -> str:
    """A byte count in the largest unit it fills (`8 GiB`, `9.77 GiB`, `512 MiB`); with `like`
    (the value it is shown against), both in one unit, so they read in the same notation (`0.5
    GiB` against `8 GiB`): the larger's unit while the smaller still reads true in it, else a
    smaller unit, down to one that tells the two apart."""
    if like is None:
        unit, size = next((u, s) for u, s in _BYTE_UNITS if value >= s or s == 1)
        return _in(value, unit, size)
    for unit, size in _BYTE_UNITS:
        if max(value, like) < size and size > 1:
            continue
        if all(_reads_true(v, size) for v in (value, like)) and (
            value == like or _in(value, unit, size) != _in(like, unit, size)
        ):
            return _in(value, unit, size)
    return f"{value} B"


def _reads_true(value: int, size: int) -> bool:
    """Is `value`, in units of `size` to two decimals, within 1% of itself?"""
    return abs(round(value / size, 2) * size - value) <= value / 100


def show_cpu(value: int, like: int | None = None) -> str:
    """`4 CPU`, `500m CPU`; with `like` (the other side's), both in CPUs (`0.5 CPU` against
    `4 CPU`)."""
    if like is not None or value % 100 == 0:
        return f"{value / 1000:g} CPU"
    return f"{value}m CPU"


def _side(cpu: int | None, memory: int | None) -> str:
    parts = [
        show_cpu(cpu) if cpu is not None else "",
        show_bytes(memory) if memory is not None else "",
    ]
    return ", ".join(p for p in parts if p) or "none"


def resources_row(ctx: Context) -> DiffRow:
    field = "resources"
    res = ctx.service.resources
    compose = {
        "limits": (millicores(res.cpu_limit) if res.cpu_limit else None, res.memory_limit_bytes),
        "requests": (
            millicores(res.cpu_reservation) if res.cpu_reservation else None,
            res.memory_reservation_bytes,
        ),
    }
    kube = {
        kind: (
            millicores(values["cpu"]) if "cpu" in values else None,
            memory_bytes(values["memory"]) if "memory" in values else None,
        )
        for kind, values in (("limits", ctx.container.limits), ("requests", ctx.container.requests))
    }
    left = f"limits {_side(*compose['limits'])}; reservations {_side(*compose['requests'])}"
    right = f"limits {_side(*kube['limits'])}; requests {_side(*kube['requests'])}"
    compose_any = any(v is not None for pair in compose.values() for v in pair)
    kube_any = any(v is not None for pair in kube.values() for v in pair)
    spec = ctx.spec("resources")

    if not compose_any and not kube_any:
        return row(
            field,
            left,
            right,
            Severity.INFO,
            "Neither side sets CPU or memory: the scheduler places the pods as if they needed "
            "nothing, and nothing stops one from taking a whole node.",
            f"Set requests (what it usually uses, see docker stats) and a memory limit in {spec}.",
        )
    issues: list[tuple[Severity, str, str]] = []
    added: dict[str, list[str]] = {"limits": [], "requests": []}
    words = {"limits": ("limit", "limits"), "requests": ("reservation", "requests")}
    for kind, (compose_word, kube_word) in words.items():
        for index, (dimension, show) in enumerate((("cpu", show_cpu), ("memory", show_bytes))):
            want = compose[kind][index]
            have = kube[kind][index]
            if want is None and have is None:
                continue
            if want is None and have is not None:
                added[kind].append(show(have))
            elif want is not None and have is None:
                if kind == "limits" and dimension == "memory":
                    # A cap the conversion dropped is unaccounted for: the plan must not pass.
                    issues.append(
                        (
                            Severity.BLOCK,
                            f"Compose caps memory at {show(want)}; Kubernetes sets no memory "
                            "limit: a leak can take the node's memory, and the pods of every "
                            "other workload on it.",
                            f"Set limits.memory: {_quantity(dimension, want)} in {spec} (a "
                            "LimitRange default does not show in the manifest: set it here), "
                            "then run the Mapping diff step (4) again.",
                        )
                    )
                elif kind == "limits":
                    issues.append(
                        (
                            Severity.WARN,
                            f"Compose caps {dimension} at {show(want)}; Kubernetes sets no "
                            f"{dimension} limit.",
                            f"Set limits.{dimension}: {_quantity(dimension, want)} in {spec}.",
                        )
                    )
                else:
                    issues.append(
                        (
                            Severity.INFO,
                            f"Compose reserves {show(want)} of {dimension}; Kubernetes requests none.",
                            f"Set requests.{dimension}: {_quantity(dimension, want)} in {spec}.",
                        )
                    )
            elif (
                kind == "limits"
                and want is not None
                and have is not None
                and have < want * FAR_BELOW
            ):
                issues.append(_far_below(dimension, want, have, spec))
            elif want != have:
                assert want is not None and have is not None
                lower = dimension == "memory" and kind == "limits" and have < want
                issues.append(
                    (
                        Severity.INFO,
                        f"{dimension} {compose_word}: Compose {show(want, have)}, Kubernetes "
                        f"{kube_word[:-1]} {show(have, want)}"
                        + (
                            " (lower: may be OOMKilled under a load Compose handled)."
                            if lower
                            else "."
                        ),
                        "",
                    )
                )
    if added["limits"]:
        issues.append(
            (
                Severity.INFO,
                f"Kubernetes sets limits Compose did not have ({', '.join(added['limits'])}): "
                "check they fit what the service really uses.",
                f"Compare with: docker stats $(docker compose ps -q {ctx.service.name}) under load.",
            )
        )
    if added["requests"]:
        issues.append(
            (Severity.OK, f"Kubernetes requests {', '.join(added['requests'])} for scheduling.", "")
        )
    ranked = sorted(issues, key=lambda issue: -issue[0].rank)
    if not ranked or ranked[0][0] is Severity.OK:
        message = "The same CPU and memory limits on both sides."
        if ranked:
            message += " " + " ".join(m for _, m, _ in ranked)
        return row(field, left, right, Severity.OK, message)
    return row(
        field,
        left,
        right,
        ranked[0][0],
        " ".join(m for _, m, _ in ranked),
        " ".join(f for _, _, f in ranked if f),
    )


def _far_below(dimension: str, want: int, have: int, spec: str) -> tuple[Severity, str, str]:
    """A Kubernetes limit under half of Compose's cap: what ran under Compose's load may not."""
    if dimension == "memory":
        both = f"{show_bytes(have, want)}, far below Compose's cap of {show_bytes(want, have)}"
        then = "the pods may be OOMKilled under a load Compose handled"
    else:
        both = f"{show_cpu(have, want)}, far below Compose's cap of {show_cpu(want, have)}"
        then = "the pods are throttled to a fraction of the CPU Compose allowed"
    return (
        Severity.WARN,
        f"Kubernetes limits {dimension} to {both}: {then}.",
        f"Set limits.{dimension}: {_quantity(dimension, want)} in {spec}, or keep the lower "
        "limit once measured under load (docker stats).",
    )


def _quantity(dimension: str, value: int) -> str:
    """A value as a Kubernetes quantity: `500m`, `2`, `512Mi`."""
    if dimension == "cpu":
        return f'"{value // 1000}"' if value % 1000 == 0 else f"{value}m"
    for unit, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value % size == 0:
            return f"{value // size}{unit}"
    return str(value)
