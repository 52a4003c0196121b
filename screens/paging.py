"""PgDn/PgUp/Home/End on a step's findings panes (ChecklistScreen's findings keys): a table
moves its row cursor (the row's detail follows), anything else scrolls. No state, no screen."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import DataTable


def can_move(pane: Widget, direction: int) -> bool:
    """Whether a page that way would show anything new."""
    if isinstance(pane, DataTable):
        if pane.row_count == 0:
            return False
        row = pane.cursor_row
        return row < pane.row_count - 1 if direction > 0 else row > 0
    if direction > 0:
        return pane.scroll_y < pane.max_scroll_y
    return pane.scroll_y > 0


def page(pane: Widget, direction: int) -> None:
    if isinstance(pane, DataTable):
        (pane.action_page_down if direction > 0 else pane.action_page_up)()
    else:
        (pane.scroll_page_down if direction > 0 else pane.scroll_page_up)(animate=False)


def edge(pane: Widget, end: bool) -> None:
    if not pane.is_attached:
        return
    if isinstance(pane, DataTable):
        (pane.action_scroll_bottom if end else pane.action_scroll_top)()
    else:
        (pane.scroll_end if end else pane.scroll_home)(animate=False)
