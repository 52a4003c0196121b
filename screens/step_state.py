"""How far a step has got, as a glyph and a word that read the same with or without colour."""

from __future__ import annotations

from enum import Enum

from wizard.checks import Severity


class StepState(Enum):
    """A step's state in the checklist. The value is (glyph, word, css class)."""

    NOT_RUN = ("○", "not run", "-not-run")
    RUNNING = ("…", "running", "-running")
    OK = ("✔", "ok", "-ok")
    WARN = ("▲", "warn", "-warn")
    BLOCK = ("✖", "block", "-block")

    @property
    def glyph(self) -> str:
        return self.value[0]

    @property
    def word(self) -> str:
        return self.value[1]

    @property
    def css_class(self) -> str:
        return self.value[2]

    @property
    def label(self) -> str:
        return f"{self.glyph} {self.word}"

    @classmethod
    def from_severity(cls, severity: Severity) -> StepState:
        return _FROM_SEVERITY[severity]


_FROM_SEVERITY = {
    Severity.OK: StepState.OK,
    Severity.INFO: StepState.OK,  # info findings do not change a step's verdict
    Severity.WARN: StepState.WARN,
    Severity.BLOCK: StepState.BLOCK,
}

# One finding's severity, as glyph + word; `info` keeps its own word here (it is not a verdict).
SEVERITY_LABEL = {
    Severity.OK: "✔ ok",
    Severity.INFO: "• info",
    Severity.WARN: "▲ warn",
    Severity.BLOCK: "✖ block",
}
STATE_CLASSES = tuple(state.css_class for state in StepState)
