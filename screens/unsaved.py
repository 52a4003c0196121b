"""Typed values are never lost without a word: quitting, or leaving the step that holds them,
asks first ("2 values typed and not saved to the keyring: ..."; s save, d discard, esc stay).

A body that holds such values implements `HoldsTyped` (the Secrets step does). The App's quit
and the checklist's step change call `ask_before`: it returns False when nothing is held (go
on), else asks and returns True; the answer then runs `go` (after the save, once it succeeded;
after discarding) or nothing (stay).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Protocol, runtime_checkable

from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen

from screens.confirm import ChoiceScreen

SAVE, DISCARD, STAY = "save", "discard", ""


@runtime_checkable
class HoldsTyped(Protocol):
    def typed_not_saved(self) -> str | None:
        """What leaving would lose, in one line by key name; None when nothing."""

    def can_save_typed(self) -> bool:
        """Whether there is somewhere to save them (a usable keyring)."""

    def save_typed_then(self, go: Callable[[], None]) -> None:
        """Save them; call `go` once every one is saved (not if the save fails: it says why)."""

    def discard_typed(self) -> None:
        """Forget them and empty their fields."""


class TypedValuesScreen(ChoiceScreen):
    """The question: save / discard / stay. Its keys are its own (s, d, escape)."""

    DEFAULT_CSS = ChoiceScreen.DEFAULT_CSS.replace("ChoiceScreen", "TypedValuesScreen")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, f"choose('{key}')", key, show=False) for key in ("s", "d")
    ]


Nodes = Callable[[], Iterable[DOMNode]]
QUITTING = ("quit", "Quitting loses them: they are not in the keyring, nor in the Secret.")
LEAVING = (
    "leave the step",
    "They stay in their fields until cutover exits, but nothing else has them yet: not the "
    "keyring, not the Secret.",
)


def holders(nodes: Iterable[DOMNode]) -> list[HoldsTyped]:
    return [node for node in nodes if isinstance(node, HoldsTyped) and node.typed_not_saved()]


def ask_before(nodes: Nodes, doing: tuple[str, str], go: Callable[[], None]) -> bool:
    """Before `doing` (QUITTING, LEAVING): False when none of `nodes()` holds typed values; else
    push the question and return True (the caller stops; `go` runs if the answer allows)."""
    held = holders(nodes())
    if not held:
        return False
    holder = held[0]
    assert isinstance(holder, DOMNode)
    app = holder.app
    if isinstance(app.screen, TypedValuesScreen):
        return True  # asked already: the key that asked again is not an answer
    verb, why = doing
    choices = (
        [("s", SAVE, f"save them to the keyring, then {verb}")] if holder.can_save_typed() else []
    )
    choices += [
        ("d", DISCARD, f"discard them and {verb}"),
        ("escape", STAY, "stay (nothing is lost)"),
    ]
    lines = [holder.typed_not_saved() or "", "", why]

    def answered(choice: str | None) -> None:
        if choice == SAVE:
            holder.save_typed_then(lambda: _again(nodes, doing, go))
        elif choice == DISCARD:
            holder.discard_typed()
            go()

    app.push_screen(TypedValuesScreen(lines, choices), answered)
    return True


def _again(nodes: Nodes, doing: tuple[str, str], go: Callable[[], None]) -> None:
    # After the save: anything typed while it ran is asked about in turn.
    if not ask_before(nodes, doing, go):
        go()


def ask_before_quitting(app: App[Any]) -> bool:
    """For the App's quit: True when it asked (the quit waits for the answer)."""
    from screens.step_body import StepBody  # the bodies import this module

    def bodies() -> list[DOMNode]:
        return [body for screen in app.screen_stack for body in screen.query(StepBody)]

    return ask_before(bodies, QUITTING, app.exit)


def keep_step(screen: Screen[Any], current: str, wanted: Callable[[], None]) -> bool:
    """For the checklist's step change: True when the step `current` (a body's id) holds typed
    values and the operator was asked; `wanted` makes the change once the answer allows it."""
    return ask_before(lambda: screen.query(f"#{current}"), LEAVING, wanted)
