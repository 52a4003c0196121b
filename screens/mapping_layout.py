"""The Mapping step's words and column arithmetic, apart from the widgets: no Textual here, so
unit tests reach them without an App (tests/unit/test_mapping_layout.py).

Every string is display text the core has already masked; nothing here sees a secret value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from wizard.checks import Finding, Severity
from wizard.mapping.model import Plan, ServicePlan

T = TypeVar("T")

RUNNING_TEXT = "… comparing Compose with Kubernetes"
# The services-list key of the "other findings" row; a NUL can never be in a Compose service name.
OTHER_KEY = "\0other"
# Below this share of the room per value column, the Compose and Kubernetes columns are shown
# one at a time (left/right page between them); from it up, side by side, long values wrapping.
MIN_VALUE_WIDTH = 40
MIN_PAGE_WIDTH = 12
MAX_FIELD_WIDTH = 28
PADDING = 2  # a DataTable cell's padding, both sides together
VERDICT_WIDTH = len("✖ block")


def target_text(service: ServicePlan) -> str:
    if service.target is None:
        return "no match"
    return f"→ {service.target.kind}/{service.target.name}"


def counts_text(findings: Sequence[Finding]) -> str:
    """'1 block, 2 warn' or 'all ok', for a service's row."""
    blockers = sum(1 for f in findings if f.severity is Severity.BLOCK)
    warnings = sum(1 for f in findings if f.severity is Severity.WARN)
    parts = [f"{n} {word}" for n, word in ((blockers, "block"), (warnings, "warn")) if n]
    return ", ".join(parts) if parts else "all ok"


def summary_text(plan: Plan) -> str:
    """One short line for the whole mapping (it must fit 54 columns): '2 blockers in 6 services'."""
    findings = plan.findings
    blockers = sum(1 for f in findings if f.severity is Severity.BLOCK)
    warnings = sum(1 for f in findings if f.severity is Severity.WARN)
    services = plural(len(plan.services), "service")
    counts = ", ".join(
        plural(n, word) for n, word in ((blockers, "blocker"), (warnings, "warning")) if n
    )
    if blockers or warnings:
        return f"{counts} in {services}"
    return f"All {services} made it across"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def field_width(names: Sequence[str], label: str = "Field") -> int:
    """The field (or "About") column: its longest name, at most MAX_FIELD_WIDTH."""
    return max(len(label), min(max(map(len, names), default=0), MAX_FIELD_WIDTH))


def value_widths(
    room: int, field_width: int, columns: Sequence[tuple[str, Sequence[str]]]
) -> tuple[tuple[int, ...], bool]:
    """Each value column's width in `room` columns, and whether rows wrap.

    Side by side when each value column gets MIN_VALUE_WIDTH: a long value wraps inside its
    column. Narrower (80x24 with the checklist open), one value column at a time fills the room
    beside the fixed verdict and field; rows keep one line, a longer value ends in an ellipsis
    (the detail beneath shows the selected row's values whole), and left/right page from one
    column to the next with its header in view.
    """
    fixed = VERDICT_WIDTH + PADDING + field_width + PADDING
    share = (room - fixed) // len(columns) - PADDING
    wrap = share >= MIN_VALUE_WIDTH
    limit = share if wrap else max(MIN_PAGE_WIDTH, room - fixed - PADDING)
    widths = tuple(
        max(len(label), min(max(map(len, values), default=0), limit)) for label, values in columns
    )
    return widths, wrap


def fits_counts(rows: Sequence[tuple[str, ...]], width: int) -> bool:
    """Whether the services list has room for its Findings column (cells 1-3 of each row: name,
    target, counts): a half-cut column reads as broken."""
    needed = sum(max((len(r[i]) for r in rows), default=0) + PADDING for i in (1, 2, 3))
    return VERDICT_WIDTH + PADDING + needed + 1 <= width


def keyed(items: Sequence[T], name: Callable[[T], str]) -> list[tuple[str, T]]:
    """Each item with a unique row key: its name, or `name#2` for a second one of that name."""
    seen: dict[str, int] = {}
    keyed = []
    for item in items:
        base = name(item)
        seen[base] = seen.get(base, 0) + 1
        keyed.append((base if seen[base] == 1 else f"{base}#{seen[base]}", item))
    return keyed
