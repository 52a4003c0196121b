"""CPU and memory: Compose limits/reservations against Kubernetes limits/requests."""

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


def show_bytes(value: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            return f"{value / size:g} {unit}"
    return f"{value} B"


def show_cpu(value: int) -> str:
    return f"{value / 1000:g} CPU" if value % 100 == 0 else f"{value}m CPU"


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
                if kind == "limits":
                    leak = ": a leak can take the node's memory" if dimension == "memory" else ""
                    issues.append(
                        (
                            Severity.WARN,
                            f"Compose caps {dimension} at {show(want)}; Kubernetes sets no "
                            f"{dimension} limit{leak}.",
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
            elif want != have:
                assert want is not None and have is not None
                lower = dimension == "memory" and kind == "limits" and have < want
                issues.append(
                    (
                        Severity.INFO,
                        f"{dimension} {compose_word}: Compose {show(want)}, Kubernetes "
                        f"{kube_word[:-1]} {show(have)}"
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


def _quantity(dimension: str, value: int) -> str:
    """A value as a Kubernetes quantity: `500m`, `2`, `512Mi`."""
    if dimension == "cpu":
        return f'"{value // 1000}"' if value % 1000 == 0 else f"{value}m"
    for unit, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value % size == 0:
            return f"{value // size}{unit}"
    return str(value)
