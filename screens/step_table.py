"""The table every step uses, with the scheme's keys (screens/keys.py) instead of DataTable's own.

DataTable spends ←/→ on moving a cell cursor and Home/End on scrolling sideways; here ←/→ stay
the checklist's (previous / next step, on every step), Home/End and PgUp/PgDn are the screen's
(the step's findings, whatever has the focus), and ⇧←/⇧→ page hidden columns into view, only
while some are hidden. The first `fixed_columns` (the row's name: the volume, the service, the
pod) stay in place while the others move, so a row keeps its identity.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.actions import SkipAction
from textual.binding import BindingType
from textual.widgets import DataTable

from screens import keys

# The stock DataTable actions whose keys the scheme gives another meaning (see the docstring).
CellType = TypeVar("CellType")
_NOT_HERE = frozenset({"cursor_left", "cursor_right", "scroll_home", "scroll_end"})


class StepTable(DataTable[CellType]):
    """A row-cursor table: ↑↓ rows, ⏎ opens, ⇧←→ columns while some are hidden."""

    BINDINGS: ClassVar[list[BindingType]] = [
        keys.COLUMNS.binding(key="shift+right", action="columns(1)"),
        keys.COLUMNS.binding(key="shift+left", action="columns(-1)", show=False),
    ]

    def __init__(
        self, *, id: str | None = None, classes: str | None = None, fixed: int = 1
    ) -> None:
        super().__init__(id=id, classes=classes, fixed_columns=fixed, cursor_type="row")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _NOT_HERE:
            return False
        if action == "columns":
            return self.allow_horizontal_scroll
        return super().check_action(action, parameters)

    def action_columns(self, direction: int) -> None:
        """Page to the next (or previous) hidden column: a whole column per key press (the stock
        one-cell step is far too slow for 40-character values), or the visible width inside a
        column wider than that."""
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

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_bindings)  # ⇧←→ only while a column is hidden

    def refresh_bindings(self) -> None:
        if self.is_attached:  # a resize seen as the step was being removed: no screen to ask
            super().refresh_bindings()
