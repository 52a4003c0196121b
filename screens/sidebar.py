"""The checklist sidebar: every step, its number, and its state as a glyph and a word; under it,
the keys that work where the focus is and that the footer has no room for at 80 columns.

Those last lines are read from the live bindings (`screens.help_panel.live_keys`, what `?` lists),
so they never offer a key that does nothing there: in a text field 1-8, R and s are letters, and
End moves the cursor (issue 15: the lines said "1-7 step · R all" inside the Secrets fields).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label, ListItem, ListView, Static

from screens import keys
from screens.help_panel import KeyRow, live_keys
from screens.messages import StepChosen
from screens.step_state import STATE_CLASSES, StepState
from wizard.steps import Step

CURRENT_MARKER = "›"  # noqa: RUF001  (a narrow arrow-like quote, on purpose)


class StepItem(ListItem):
    """One line pair in the checklist: "1 Preflight" and beneath it "✔ ok"."""

    def __init__(self, number: int, step: Step, state: StepState) -> None:
        super().__init__(id=f"item-{step.id}")
        self.number = number
        self.step = step
        self.step_state = state

    def compose(self) -> ComposeResult:
        yield Label(self._title_line(current=False), classes="step-name", markup=False)
        yield Label(self.step_state.label, classes="step-state", markup=False)

    def on_mount(self) -> None:
        self.set_state(self.step_state)

    def set_state(self, state: StepState) -> None:
        self.step_state = state
        self.remove_class(*STATE_CLASSES)
        self.add_class(state.css_class)
        if self.is_mounted:
            self.query_one(".step-state", Label).update(state.label)

    def set_current(self, current: bool) -> None:
        self.set_class(current, "-current")
        self.query_one(".step-name", Label).update(self._title_line(current))

    def _title_line(self, current: bool) -> str:
        # The marker shows the open step without relying on colour (NO_COLOR, monochrome).
        return f"{CURRENT_MARKER if current else ' '}{self.number} {self.step.title}"


class ChecklistSidebar(Vertical):
    """Every CHECKLIST step; Enter (or a click) on one jumps to it."""

    def __init__(self, steps: tuple[Step, ...]) -> None:
        super().__init__(id="sidebar")
        self.steps = steps

    def compose(self) -> ComposeResult:
        yield Static("Checklist", id="sidebar-title")
        yield ListView(
            *(StepItem(n, step, StepState.NOT_RUN) for n, step in enumerate(self.steps, start=1)),
            id="checklist",
        )
        # The keys of every step the footer has no room for: those that work where the focus
        # is (show_keys), until the first focus change, every step's.
        yield Static(
            "\n".join(hint_lines(_every_step_keys(len(self.steps)))),
            id="sidebar-hint",
            markup=False,
        )

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._focus_moved, init=False)

    def _focus_moved(self, focused: Widget | None) -> None:
        # After the refresh: the bindings' check_action answers for the new focus by then.
        self.call_after_refresh(self.show_keys)

    def show_keys(self) -> None:
        """The last lines for where the focus is now, from the live bindings."""
        # Called after a refresh: by then the wizard may be emptied (the read-only switch).
        hints = list(self.query("#sidebar-hint").results(Static)) if self.is_attached else []
        if hints:
            lines = hint_lines(live_keys(self.screen, self.screen.focused))
            hints[0].update("\n".join(lines))

    def item(self, step_id: str) -> StepItem:
        return self.query_one(f"#item-{step_id}", StepItem)

    def set_state(self, step_id: str, state: StepState) -> None:
        self.item(step_id).set_state(state)
        self.call_after_refresh(self.show_keys)  # a step that loaded may page its findings now

    def state_of(self, step_id: str) -> StepState:
        return self.item(step_id).step_state

    def set_current(self, step_id: str) -> None:
        for step in self.steps:
            self.item(step.id).set_current(step.id == step_id)
        index = next(i for i, step in enumerate(self.steps) if step.id == step_id)
        self.query_one("#checklist", ListView).index = index
        self.call_after_refresh(self.show_keys)

    @on(ListView.Selected, "#checklist")
    def _chosen(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, StepItem):
            self.post_message(StepChosen(event.item.step.id))


def hint_lines(rows: Iterable[KeyRow]) -> list[str]:
    """The checklist's last lines, at most 20 columns each: of the keys in `rows` (those that
    work now), the ones the footer does not show (bound with show=False), in the scheme's words:
    "PgDn/End findings", "tab next pane", "↑↓ other fields" (in a list of fields), "1-8 step ·
    R all", "s hide · ? every key" ("F1 every key" where a field takes "?")."""
    rows = list(rows)
    found = {row.description: row.keys for row in rows}
    digits = next((row.keys for row in rows if row.keys.startswith("1-")), "")
    lines = []
    if keys.PAGE_DOWN.description in found:
        end = "/End" if keys.BOTTOM.description in found else ""
        lines.append(f"PgDn{end} findings")
    if keys.NEXT_PANE.description in found:
        lines.append("tab next pane")
    if keys.FIELD_ROWS in found:
        lines.append("↑↓ other fields")
    moves = [f"{digits} step"] if digits else []
    if keys.RERUN_ALL.description in found:
        moves.append("R all")
    if moves:
        lines.append(" · ".join(moves))
    last = ["s hide"] if keys.SIDEBAR.description in found else []
    help_keys = found.get(keys.HELP.description, "")
    if help_keys:
        last.append(f"{help_keys.split('/')[0]} every key")
    if last:
        lines.append(" · ".join(last))
    return lines


def _every_step_keys(steps: int) -> list[KeyRow]:
    """The rows of every step's hidden keys, before the first focus change: what a step with a
    findings pane has."""
    shown = (keys.PAGE_DOWN, keys.BOTTOM, keys.NEXT_PANE, keys.RERUN_ALL, keys.SIDEBAR, keys.HELP)
    rows = [KeyRow(key.shown_as, key.description, here=False) for key in shown]
    return [*rows, KeyRow(f"1-{steps}", "Step", here=False)]
