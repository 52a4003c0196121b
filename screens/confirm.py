"""A yes/no confirmation over the current screen: y confirms; n or escape cancels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    """Asks `question` under a preview (`lines`); dismisses with True only on y."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen > #confirm-box {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    ConfirmScreen #confirm-question {
        text-style: bold;
        margin-top: 1;
    }
    ConfirmScreen #confirm-keys {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, lines: Sequence[str] = ()) -> None:
        super().__init__()
        self.question = question
        self.lines = list(lines)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static("\n".join(self.lines), id="confirm-preview", markup=False)
            yield Static(self.question, id="confirm-question", markup=False)
            yield Static("y: yes   n / escape: no", id="confirm-keys", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChoiceScreen(ModalScreen[str]):
    """A preview (`lines`) and a few keys, each a choice; dismisses with the chosen value
    ("" for escape). Shares ConfirmScreen's box."""

    # The preview scrolls (a project with many volumes), the keys beneath it always show.
    DEFAULT_CSS = (
        ConfirmScreen.DEFAULT_CSS.replace("ConfirmScreen", "ChoiceScreen")
        + """
    ChoiceScreen #choice-scroll {
        height: auto;
        max-height: 15;
    }
    """
    )

    def __init__(self, lines: Sequence[str], choices: Sequence[tuple[str, str, str]]) -> None:
        super().__init__()
        self.lines = list(lines)
        self.choices = list(choices)  # (key, value, what it does)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            with VerticalScroll(id="choice-scroll"):
                yield Static("\n".join(self.lines), id="confirm-preview", markup=False)
            keys = "\n".join(f"{key}: {label}" for key, _, label in self.choices)
            yield Static(keys, id="confirm-question", markup=False)

    # Every key a choice may use; `check_action` lets only the offered ones through.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, f"choose('{key}')", key, show=False) for key in ("y", "w", "o", "escape")
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            return any(key == parameters[0] for key, _, _ in self.choices)
        return True

    def action_choose(self, key: str) -> None:
        self.dismiss(next(value for k, value, _ in self.choices if k == key))
