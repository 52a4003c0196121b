"""A step's note line: the result of what the operator just did, or why it was refused, inside
the step's body, under its summary.

Why not a toast: at 80x24 a toast sits over the body's lower right for its whole timeout, on
the fields, the preview or the gate's input, exactly what the operator reads or types next
(issue 15, item 5). A line in the layout covers nothing; it moves the body down by its height
while it shows. Toasts stay for what happens in the background (a state file that cannot be
written), with short timeouts.

`tell(widget, text)` is the one way to say something: the note line of the step body the widget
is in (mounted under the summary on first use), else a short toast.
"""

from __future__ import annotations

from typing import Literal

from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

Severity = Literal["information", "warning", "error"]
GLYPHS: dict[str, str] = {"information": "·", "warning": "▲", "error": "✖"}
# A result fades once read; a refusal or failure stays until the next note replaces it.
CLEAR_AFTER_S: dict[str, float | None] = {"information": 20.0, "warning": None, "error": None}


class NoteLine(Static):
    """The last note of one step body; hidden while it has none."""

    def __init__(self) -> None:
        super().__init__("", classes="note-line", markup=False)
        self.display = False
        self.note: tuple[str, Severity] | None = None
        self._timer: Timer | None = None

    def say(self, text: str, severity: Severity = "information") -> None:
        self.note = (text, severity)
        self.remove_class("-information", "-warning", "-error")
        self.add_class(f"-{severity}")
        self.update(f"{GLYPHS[severity]} {text}")
        self.display = True
        if self.is_mounted:
            self._clear_later()

    def on_mount(self) -> None:
        if self.note is not None:  # said before it was mounted (tell's first use)
            self._clear_later()

    def _clear_later(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        after = CLEAR_AFTER_S[self.note[1]] if self.note is not None else None
        if after is not None:
            self._timer = self.set_timer(after, self.clear)

    def clear(self) -> None:
        self.note = None
        self.display = False
        self.update("")


def tell(where: Widget, text: str, severity: Severity = "information") -> None:
    """Say `text` in the note line of the step body `where` is (or is in); a toast of a few
    seconds when there is no such body (a dialog, the App)."""
    # Found by its class, not by importing StepBody: step_body says things through here.
    body = next(
        (
            n
            for n in where.ancestors_with_self
            if isinstance(n, Widget) and n.has_class("step-body")
        ),
        None,
    )
    if body is None or not body.is_attached:
        where.notify(text, severity=severity, timeout=4 if severity == "information" else 8)
        return
    lines = body.query(NoteLine)
    if lines:
        lines.first().say(text, severity)
        return
    line = NoteLine()
    line.say(text, severity)
    # Under the step's one-line verdict (every body names it #<step>-summary).
    summaries = [child for child in body.children if (child.id or "").endswith("-summary")]
    if summaries:
        body.mount(line, after=summaries[0])
    elif body.children:
        body.mount(line, before=0)
    else:
        body.mount(line)
