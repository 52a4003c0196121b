"""The Mapping step's two tables: the services list and the selected service's field diff."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class PaneTable(DataTable[Text]):
    """A table of the mapping panes: its keys leave the footer while the panes are hidden."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Home/End go to the first/last row (a list of rows is what is walked here); the stock
        # table spends them on sideways scrolling, which left/right do.
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Before the first plan, or after a failure, the panes are hidden and their keys do
        # nothing the operator could see.
        panes = self.parent
        if panes is not None and not panes.display:
            return False
        # Nothing to scroll sideways: ←/→ stay the checklist's (back/next).
        return action not in ("cursor_left", "cursor_right") or self.allow_horizontal_scroll


class ServiceTable(PaneTable):
    """One row per Compose service; the highlighted one fills the diff."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Select", key_display="↑↓"),
        Binding("enter", "select_cursor", "Diff"),
    ]


class DiffTable(PaneTable):
    """The selected service's fields. Verdict and field stay put; when the values do not fit
    beside them, left/right page between the Compose and the Kubernetes column."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Row", key_display="↑↓"),
        Binding("right", "cursor_right", "Columns", key_display="←→"),
        Binding("escape", "services", "Services"),
    ]

    def action_services(self) -> None:
        # Not "app.focus(...)": the App's query does not reach a pushed screen's widgets.
        self.screen.query_one("#mapping-services").focus()

    def action_cursor_right(self) -> None:
        self._page(+1)

    def action_cursor_left(self) -> None:
        self._page(-1)

    def _page(self, direction: int) -> None:
        # One cell per key press (the stock step) is far too slow for 40-character values: jump
        # to the next column's start, or by the visible width inside a column wider than that.
        if not self.allow_horizontal_scroll:
            raise SkipAction()  # the footer may lag a refresh behind check_action
        fixed = self._get_fixed_offset().left
        view = max(1, self.scrollable_content_region.width - fixed)
        edges, x = [0], 0
        for column in self.ordered_columns[self.fixed_columns :]:
            x += column.get_render_width(self)
            edges.append(x)
        here = round(self.scroll_x)
        if direction > 0:
            target = min([e for e in edges if e > here] + [round(self.max_scroll_x)])
            target = min(target, here + view)
        else:
            target = max([e for e in edges if e < here] + [0])
            target = max(target, here - view)
        self.scroll_to(x=target, animate=False)
