"""The base of every step body shown in the checklist screen's content area."""

from __future__ import annotations

from textual.containers import Vertical

from wizard.steps import Step


class StepBody(Vertical):
    """One step's content. Subclasses that run checks override `rerun`."""

    def __init__(self, step: Step) -> None:
        super().__init__(id=step.id, classes="step-body")
        self.step = step
        # Set by the checklist screen on the one body built before the first frame: its checks
        # start once that frame is out (`start(now=True)`), not while it is being drawn; their
        # threads would otherwise hold the interpreter the drawing needs.
        self.defer_start = False

    def start(self, now: bool = False) -> None:
        """The first run of the checks, from on_mount (or, when deferred, from the screen)."""
        if now or not self.defer_start:
            self.defer_start = False
            self.rerun()

    def rerun(self) -> None:
        """Run this step's checks again (the `r` key)."""
        self.notify(f"{self.step.title} has no checks to re-run.", timeout=3)
