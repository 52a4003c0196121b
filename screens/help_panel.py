"""Per-step help: what the step checks, why it matters, how to fix it. Toggled with `?`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from wizard.steps import Step

KEYS_HELP = (
    "n/→ next step · b/← back · 1-6 jump to a step · r re-run checks · s show/hide the "
    "checklist · ? this help · ctrl+p commands · q quit"
)


def _section(label: str, text: str) -> Content:
    # Label and text on one line: at 80x24 every line counts. Bold, not colour, marks the label.
    return Content.assemble((f"{label}: ", "bold"), text)


class StepHelp(VerticalScroll):
    """The help for the current step. Not named HelpPanel: Textual has a widget of that name."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Help"

    def compose(self) -> ComposeResult:
        yield Static(id="help-checks", classes="help-text")
        yield Static(id="help-why", classes="help-text")
        yield Static(id="help-fix", classes="help-text")
        yield Static(_section("Keys", KEYS_HELP), id="help-keys", classes="help-text")

    def show_step(self, step: Step) -> None:
        self.border_title = f"Help: {step.title}"
        self.query_one("#help-checks", Static).update(_section("What it checks", step.checks))
        self.query_one("#help-why", Static).update(_section("Why", step.why))
        self.query_one("#help-fix", Static).update(_section("How to fix", step.how_to_fix))
        self.scroll_home(animate=False)
