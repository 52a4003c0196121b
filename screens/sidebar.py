"""The checklist sidebar: every step, its number, and its state as a glyph and a word."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, ListItem, ListView, Static

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
        # The checklist's own keys (from the scheme, screens/keys.py): the footer has no room.
        yield Static(
            f"PgDn/End findings\ntab next pane\n1-{len(self.steps)} step · R all\n"
            "s hide · ? every key",
            id="sidebar-hint",
            markup=False,
        )

    def item(self, step_id: str) -> StepItem:
        return self.query_one(f"#item-{step_id}", StepItem)

    def set_state(self, step_id: str, state: StepState) -> None:
        self.item(step_id).set_state(state)

    def state_of(self, step_id: str) -> StepState:
        return self.item(step_id).step_state

    def set_current(self, step_id: str) -> None:
        for step in self.steps:
            self.item(step.id).set_current(step.id == step_id)
        index = next(i for i, step in enumerate(self.steps) if step.id == step_id)
        self.query_one("#checklist", ListView).index = index

    @on(ListView.Selected, "#checklist")
    def _chosen(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, StepItem):
            self.post_message(StepChosen(event.item.step.id))
