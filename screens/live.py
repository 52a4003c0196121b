"""What the live screens (Volumes, Pod health) share: a buffer between watch threads and the
event loop, and the words for a watch's state.

Watch callbacks run on the watch threads; they only append to a `LiveFeed` under a lock. The
screen drains it from a `set_interval(FLUSH_S)` timer, so it repaints at most 10 times a second
whatever the event rate, and not at all while nothing arrives (an empty drain returns at once).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable, Static
from textual.widgets.data_table import Column

from screens.step_state import STATE_CLASSES, StepState
from screens.step_table import StepTable
from wizard.health.watch import WatchState, WatchStatus, WatchUpdate

FLUSH_S = 0.1  # at most 10 repaints a second
AGE_REFRESH_S = 10.0  # ages on screen move this coarsely while nothing else changes


class LiveTable(StepTable[Text]):
    """A live screen's table: the scheme's keys (screens/step_table.py). When the columns do not
    all fit (Volumes at 80x24), ⇧←/⇧→ page sideways to the rest; the name column stays."""


class LiveFeed:
    """Updates from any thread, taken out in one go by the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[WatchUpdate] = []

    def __call__(self, update: WatchUpdate) -> None:
        with self._lock:
            self._pending.append(update)

    def drain(self) -> list[WatchUpdate]:
        with self._lock:
            taken, self._pending = self._pending, []
        return taken


def apply(rows: dict[str, object], update: WatchUpdate) -> None:
    """Bring one kind's rows up to date with an update (a reset replaces them all)."""
    if update.reset:
        rows.clear()
        rows.update(update.items)
        return
    for key, row in update.changed.items():
        if row is None:
            rows.pop(key, None)
        else:
            rows[key] = row


def feed_text(statuses: Iterable[WatchStatus], at: float) -> tuple[str, bool]:
    """'live', 'connecting', 'reconnecting — data 12 s old' or 'watch failed: ...' for the
    worst of the watches; the flag says whether the data on screen is current."""
    statuses = list(statuses)
    failed = [s for s in statuses if s.state is WatchState.FAILED]
    if failed:
        return f"watch failed: {failed[0].error}", False
    stale = [s for s in statuses if s.state is WatchState.RECONNECTING]
    if stale:
        ages = [s.data_age(at) for s in stale]
        age = max((a for a in ages if a is not None), default=None)
        return (
            "reconnecting — data " + (f"{age:.0f} s old" if age is not None else "stale")
        ), False
    if any(s.state is WatchState.CONNECTING for s in statuses) or not statuses:
        return "connecting", False
    if any(s.state is WatchState.STOPPED for s in statuses):
        return "stopped (r starts it again)", False
    return "live", True


def sync_rows(table: DataTable[Text], rows: dict[str, tuple[str, ...]]) -> bool:
    """Make `table` show `rows` (key -> cells), touching only what differs; the cursor stays on
    its row's key. Returns whether anything changed. A row whose cells are those it was last
    given is skipped without reading the table (only `sync_rows` writes these tables' cells)."""
    shown: dict[str, tuple[str, ...]] = getattr(table, "shown_rows", None) or {}
    table.shown_rows = shown  # type: ignore[attr-defined]
    current = [row.key.value for row in table.ordered_rows]
    changed = False
    for key in current:
        if key not in rows:
            table.remove_row(key)  # type: ignore[arg-type]
            changed = True
    present = set(current)
    columns = table.ordered_columns
    for key, cells in rows.items():
        if key not in present:
            table.add_row(*(Text(c) for c in cells), key=key)
            shown[key] = cells
            changed = True
            continue
        if shown.get(key) == cells:
            continue
        shown[key] = cells
        for column, cell in zip(columns, cells, strict=False):
            old = str(table.get_cell(key, column.key))
            if old != cell:
                table.update_cell(
                    key, column.key, Text(cell), update_width=_resizes(column, old, cell)
                )
                changed = True
    for key in [k for k in shown if k not in rows] if len(shown) > len(rows) else ():
        del shown[key]  # rows gone, or cleared from the table by the caller
    return changed


def _resizes(column: Column, old: str, new: str) -> bool:
    """Whether replacing `old` by `new` may change the column's width. DataTable measures a cell
    updated with `update_width` and, when it is narrower than the column, measures the whole
    column again: asked for every changed cell, a burst of changes to a 1,000-row table costs a
    million measurements. It is asked only when the cell grows past the column, or was as wide as
    the column and narrows (it may have been the widest)."""
    width = _width(new)
    if width > column.content_width:
        return True
    return width < column.content_width <= _width(old)


def _width(text: str) -> int:
    """A cell's width as DataTable measures it (rich.Text's widest line)."""
    return max(map(cell_len, text.splitlines()), default=0)


def update_text(widget: Static, text: str, state: StepState | None = None) -> bool:
    """Static.update only when the text differs: an unchanged repaint is waste."""
    if state is not None and not widget.has_class(state.css_class):
        widget.remove_class(*STATE_CLASSES)
        widget.add_class(state.css_class)
    if getattr(widget, "shown_text", None) == text:
        return False
    widget.shown_text = text  # type: ignore[attr-defined]
    widget.update(text)
    return True
