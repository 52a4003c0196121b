"""The Mapping step's two tables: the services list and the selected service's field diff."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType

from screens import keys
from screens.step_table import StepTable


class PaneTable(StepTable[Text]):
    """A table of the mapping panes: its keys leave the footer while the panes are hidden."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Before the first plan, or after a failure, the panes are hidden and their keys do
        # nothing the operator could see.
        panes = self.parent
        if panes is not None and not panes.display:
            return False
        return super().check_action(action, parameters)


class ServiceTable(PaneTable):
    """One row per Compose service; the highlighted one fills the diff."""

    BINDINGS: ClassVar[list[BindingType]] = [
        keys.ROWS.binding(key="up", action="cursor_up", description="Service"),
        keys.OPEN.binding(description="Diff"),
    ]


class DiffTable(PaneTable):
    """The selected service's fields. Verdict and field stay put; when the values do not fit
    beside them, ⇧←/⇧→ page between the Compose and the Kubernetes column (as every table)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        keys.ROWS.binding(key="up", action="cursor_up"),
        keys.LEAVE.binding(description="Services"),
    ]

    def action_leave(self) -> None:
        # Not "app.focus(...)": the App's query does not reach a pushed screen's widgets.
        self.screen.query_one("#mapping-services").focus()
