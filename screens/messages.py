"""Messages step bodies send up to the checklist screen."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from screens.step_state import StepState


@dataclass
class StepStateChanged(Message):
    """A step body's verdict changed; the sidebar shows it."""

    step_id: str
    state: StepState


@dataclass
class StepChosen(Message):
    """The operator picked a step (sidebar or command palette)."""

    step_id: str
