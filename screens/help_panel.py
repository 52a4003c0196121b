"""Per-step help: what the step checks, why it matters, how to fix it, and the keys that work
right now. Toggled with `?` (or F1, which works inside an entry field too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.keys import key_to_character
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static

from screens.keys import HIDDEN_ACTIONS, LEAVE, SUMMARY
from wizard.steps import Step

# Scroll actions that pass the key on (SkipAction) when there is nothing to scroll that way, so the
# key does what the next binding in the chain says (e.g. → still goes to the next step).
_NEEDS_X = frozenset({"scroll_left", "scroll_right", "page_left", "page_right"})
_NEEDS_Y = frozenset(
    {"scroll_up", "scroll_down", "page_up", "page_down", "scroll_home", "scroll_end"}
)


@dataclass(frozen=True)
class KeyRow:
    """One line of the Keys section: every key of one action, and what it does."""

    keys: str  # "n/→"
    description: str
    here: bool  # bound below the screen (the focused widget or the step), not on every step


def _section(label: str, text: str) -> Content:
    # Label and text on one line: at 80x24 every line counts. Bold, not colour, marks the label.
    return Content.assemble((f"{label}: ", "bold"), text)


def _passes_key_on(node: DOMNode, action: str) -> bool:
    if not isinstance(node, Widget) or not node.size.area:
        return False  # hidden behind the help (narrow screens): it cannot tell, so it is listed
    if action in _NEEDS_X:
        return not node.allow_horizontal_scroll
    if action in _NEEDS_Y:
        return not node.allow_vertical_scroll
    return False


def live_keys(screen: Screen[object], focus: Widget | None) -> list[KeyRow]:
    """The keys that do something with `focus` focused on `screen`, read from the live bindings
    the way Textual dispatches a key: the focused widget first, then its containers, the screen
    and the App; a key an entry field types is not the container's; an action whose
    `check_action` does not say True is skipped (None greys a key in the footer: it does nothing).
    Several keys of one action on one node make one row ("n/→ Next", "1-6 Step"), and the stock
    cursor, scroll and editing keys of Textual's own widgets one row each ("Scroll")."""
    app = screen.app
    nodes: list[DOMNode] = list(focus.ancestors_with_self) if focus is not None else [screen, app]
    taken: set[str] = set()
    consumers: list[DOMNode] = []
    grouped: dict[tuple[int, str], list[tuple[str, Binding, DOMNode]]] = {}
    # Priority bindings (PgDn, Home, ^q...) are tried first, from the App down, as Textual does.
    passes = [(node, True) for node in reversed(nodes)] + [(node, False) for node in nodes]
    for node, priority in passes:
        stock = _stock_keys(node) if isinstance(node, Widget) and node is not screen else set()
        for key, binding in node._bindings:
            if binding.priority is not priority or binding.system:
                continue
            if binding.action in HIDDEN_ACTIONS:
                continue  # Textual's own, not the scheme's: the palette, copying a selection
            if key in taken or any(
                c.check_consume_key(key, key_to_character(key)) for c in consumers
            ):
                continue
            name = binding.action.split("(", 1)[0].rsplit(".", 1)[-1]
            # Textual's own check (it resolves "app." and "screen." prefixes); pinned version.
            if not app._check_action_state(binding.action, node) or _passes_key_on(node, name):
                continue
            taken.add(key)
            kind = name
            if (key, binding.action) in stock and not binding.show:
                if "+" in key:
                    continue  # shift/ctrl variants of the stock keys: the row would not fit
                if isinstance(node, Input):
                    kind = "submit" if name == "submit" else " edit"
                elif name.startswith(("scroll_", "page_", "cursor_")):
                    kind = " move"
            grouped.setdefault((id(node), kind), []).append((kind, binding, node))
        if not priority:
            consumers.append(node)
    rows: list[KeyRow] = []
    for (_, kind), group in grouped.items():
        bindings = [binding for _, binding, _ in group]
        node = group[0][2]
        displays = [app.get_key_display(b) for b in bindings]
        # A footer key that names two ("↑↓ Select") covers the stock row's "↓".
        covered = {
            ch
            for _, b, n in (g for gs in grouped.values() for g in gs)
            if n is node and b.key_display and len(b.key_display) > 1
            for ch in b.key_display
        }
        if kind == " move":
            displays = [d for d in displays if d not in covered]
            if not displays:
                continue
        digits = [d for d in displays if d.isdigit()]
        if len(digits) == len(displays) > 2:
            keys = f"{digits[0]}-{digits[-1]}"
        else:
            keys = "/".join(dict.fromkeys(displays))
        if kind == " move":
            moves_cursor = any(b.action.startswith("cursor_") for b in bindings)
            description = "Move the cursor" if moves_cursor else "Scroll"
        elif kind == " edit":
            description = "Edit the text"
        else:
            descriptions = list(dict.fromkeys(b.description for b in bindings))
            description = descriptions[0] if len(descriptions) == 1 else _common(descriptions)
        # A step's own key is bound on the screen but acts on the step: it is "here".
        here = (node is not screen and node is not app) or any(
            b.action.startswith("body(") for b in bindings
        )
        rows.append(KeyRow(keys, description or kind.replace("_", " "), here))
    return rows


def _stock_keys(node: Widget) -> set[tuple[str, str]]:
    """(key, action) of the bindings `node` has from Textual's own classes (cursor, scroll, edit),
    as opposed to those this project's classes add."""
    found: set[tuple[str, str]] = set()
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("textual.") or "BINDINGS" not in cls.__dict__:
            continue
        for item in cls.__dict__["BINDINGS"]:
            binding = item if isinstance(item, Binding) else Binding(*item)
            for key in binding.key.split(","):
                found.add((key.strip(), binding.action))
    return found


def _common(descriptions: list[str]) -> str:
    """'Step 1', 'Step 2', ... -> 'Open that step'; otherwise the first ones joined."""
    words = [d.rsplit(" ", 1) for d in descriptions]
    if all(len(w) == 2 and w[0] == words[0][0] and w[1].isdigit() for w in words):
        return f"{words[0][0]} of that number"
    return " / ".join(descriptions)


def keys_text(rows: list[KeyRow]) -> Content:
    """Two groups, each key on a line of its own: where the focus is, and on every step."""
    width = min(12, max((len(r.keys) for r in rows), default=0))
    parts: list[Content | tuple[str, str] | str] = []
    for here, title in ((True, "Keys here"), (False, "Keys on every step")):
        group = [r for r in rows if r.here is here]
        if not group:
            continue
        if parts:
            parts.append("\n")
        parts.append((f"{title}:", "bold"))
        for row in group:
            parts += ["\n  ", (row.keys.ljust(width), "bold"), f"  {row.description}"]
    parts += ["\n", ("One meaning per key:", "bold"), f" {SUMMARY}"]
    return Content.assemble(*parts)


class StepHelp(VerticalScroll):
    """The help for the current step. Not named HelpPanel: Textual has a widget of that name."""

    BINDINGS: ClassVar[list[BindingType]] = [LEAVE.binding(description="Close help")]

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Help"
        self.keys: list[KeyRow] = []

    def compose(self) -> ComposeResult:
        yield Static(id="help-checks", classes="help-text")
        yield Static(id="help-why", classes="help-text")
        yield Static(id="help-fix", classes="help-text")
        yield Static(id="help-keys", classes="help-text")

    async def action_leave(self) -> None:
        await self.screen.run_action("toggle_help")

    def show_step(self, step: Step) -> None:
        self.border_title = f"Help: {step.title}"
        self.query_one("#help-checks", Static).update(_section("What it checks", step.checks))
        self.query_one("#help-why", Static).update(_section("Why", step.why))
        self.query_one("#help-fix", Static).update(_section("How to fix", step.how_to_fix))
        self.scroll_home(animate=False)
        if self.has_focus:
            # Another step while the help is open: its keys, once its body is in place (the
            # help closes onto that step's first scrollable part).
            self.call_after_refresh(lambda: self.show_keys(self._step_focus()))

    def _step_focus(self) -> Widget | None:
        switcher = self.screen.query_one("#bodies", ContentSwitcher)
        body = switcher.visible_content
        if body is None:
            return None
        scrollers = body.query(".body-scroll")
        return scrollers.first() if scrollers else body

    def show_keys(self, focus: Widget | None) -> None:
        """The keys that work with `focus` focused (the widget the operator goes back to when the
        help closes), from the live bindings, as they are at this moment."""
        self.keys = live_keys(self.screen, focus)
        self.query_one("#help-keys", Static).update(keys_text(self.keys))
