"""The base of every step body shown in the checklist screen's content area."""

from __future__ import annotations

from textual.containers import Vertical

from wizard.steps import Step


class StepBody(Vertical):
    """One step's content. Subclasses that run checks override `rerun`."""

    def __init__(self, step: Step) -> None:
        super().__init__(id=step.id, classes="step-body")
        self.step = step

    def rerun(self) -> None:
        """Run this step's checks again (the `r` key)."""
        self.notify(f"{self.step.title} has no checks to re-run.", timeout=3)
