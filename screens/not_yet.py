"""The body of a step that is not built yet: says so plainly, and what the step will check."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.step_body import StepBody
from screens.step_state import StepState
from wizard.steps import Step


class NotYetBody(StepBody):
    """An honest placeholder: nothing here is checked, and the screen says so."""

    def __init__(self, step: Step) -> None:
        super().__init__(step)
        self.add_class("not-yet")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="body-scroll"):
            yield Static(f"{StepState.NOT_YET.glyph} Not available yet", classes="not-yet-title")
            yield Static(_reason(self.step), classes="not-yet-reason", markup=False)
            yield Static("When it is built, this step will check:", classes="section-title")
            yield Static(self.step.checks, classes="help-text", markup=False)
            yield Static("Why it matters:", classes="section-title")
            yield Static(self.step.why, classes="help-text", markup=False)
            yield Static(
                "Nothing is checked or changed on this step yet. b goes back, 1 opens Preflight.",
                classes="not-yet-hint",
            )

    def rerun(self) -> None:
        self.notify(f"Nothing to re-run: {self.step.title} is not available yet.", timeout=3)


def _reason(step: Step) -> str:
    """The step's `not_yet` text without a leading "Not available yet:" (the title says it)."""
    reason = step.not_yet.strip()
    prefix = "not available yet:"
    if reason.lower().startswith(prefix):
        reason = reason[len(prefix) :].strip()
    return reason[:1].upper() + reason[1:] if reason else "This step is still being built."
