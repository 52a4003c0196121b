"""The key scheme: every key the wizard answers, what it means and where, written once.

Every BINDINGS list in `screens/` is built from the `Key`s here, so one key has one meaning on
every step (issue 15: → was "next step" on Volumes and "scroll columns" in the Mapping diff; `a`
was "next warning" on the gate and "copy all" on Data). The `?` help and the README list the same
table (`scheme_lines`). A step's own keys (`STEP_KEYS`) are bound once, on the checklist screen,
and act on the open step's body (`ChecklistScreen.action_body`): the body says with
`check_action` whether the key does anything now, so the footer shows it only then, and it works
wherever the focus is (the checklist on the left too).

Where a key means something else on purpose: inside a text field, letters, digits, ←/→ and
Home/End edit the text (esc leaves the field, ctrl+q quits, F1 opens the help); in a dialog,
the dialog's own keys (y, n, esc...) answer it. No Textual here beyond `Binding`.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from wizard.steps import CHECKLIST

EVERY_STEP = "On every step"
IN_A_PANE = "In a table or list"
IN_A_FIELD = "In a text field"
STEP_OWN = "A step's own keys (the footer shows them where they act)"
IN_A_DIALOG = "In a dialog"
SECTIONS = (EVERY_STEP, IN_A_PANE, IN_A_FIELD, STEP_OWN, IN_A_DIALOG)

# Textual's own bindings that are not part of the scheme and never shown (the help, the footer):
# the command palette (s/the step numbers do what it offers), copying a selection, ctrl+c's "how to quit".
HIDDEN_ACTIONS = frozenset(
    {"command_palette", "app.command_palette", "screen.copy_text", "copy_text", "help_quit"}
)

# How a key is written, everywhere (footer, help, README): shift as ⇧, ctrl as ^.
_NAMES = {
    "right": "→",
    "left": "←",
    "up": "↑",
    "down": "↓",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "enter": "⏎",
    "escape": "esc",
    "question_mark": "?",
    "tab": "tab",
}


def key_display(key: str) -> str:
    """'shift+right' -> '⇧→', 'ctrl+q' -> '^q', 'pagedown' -> 'PgDn', 'f2' -> 'F2'."""
    *modifiers, name = key.split("+")
    text = _NAMES.get(name, name.upper() if name[:1] == "f" and name[1:].isdigit() else name)
    if "shift" in modifiers:
        text = f"⇧{text}"
    if "ctrl" in modifiers:
        text = f"^{text}"
    return text


@dataclass(frozen=True)
class Key:
    """One entry of the scheme: its keys (Textual names, the first is the one the footer shows),
    the action they run and what that does, in the operator's words."""

    keys: str
    action: str
    description: str
    section: str = EVERY_STEP
    display: str = ""  # as written in the footer and help; "" = from the keys
    show: bool = True
    priority: bool = False
    steps: tuple[str, ...] = ()  # a step's own key: the steps it acts on
    help: str = ""  # the help's longer line; "" = the description
    # The same meaning under Textual's own action names (enter: a table's select_cursor, a
    # button's press): what a widget may bind these keys to besides `action`.
    same: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.keys.split(","))

    @property
    def shown_as(self) -> str:
        return self.display or "/".join(dict.fromkeys(key_display(k) for k in self.names))

    def binding(
        self,
        action: str = "",
        description: str = "",
        show: bool | None = None,
        key: str = "",
        priority: bool | None = None,
    ) -> Binding:
        """The Textual binding; `action` a variant of this key's action (a parameter, a widget's
        own name for it), `key` one of its keys only (↑ of ↑↓: the widget's stock ↓ stays)."""
        return Binding(
            key or self.keys,
            action or self.action,
            description or self.description,
            show=self.show if show is None else show,
            key_display=self.display or key_display((key or self.keys).split(",")[0]),
            priority=self.priority if priority is None else priority,
        )

    def bindings(self, action: str = "", description: str = "") -> list[Binding]:
        """One binding per key, each written its own way: where a text field takes the first
        (q, ?), the footer shows the next (^q, F1)."""
        return [self.binding(action, description, key=name) for name in self.names]


# --- on every step (ChecklistScreen and the App) -------------------------------------------------

NEXT = Key("n,right", "next", "Next", help="Next step")
BACK = Key("b,left", "back", "Back", help="Previous step")
# "1-8" with eight steps: the digits that open a step, counted from the checklist.
STEP_DIGITS = f"1-{len(CHECKLIST)}"
GO_TO = Key(
    STEP_DIGITS, "go", "Step", show=False, help="Open that step (the checklist numbers them)"
)
RERUN = Key("r", "rerun", "Re-run", help="Check this step again (a notice says it started)")
RERUN_ALL = Key("R", "rerun_all", "Re-run all", show=False, help="Check every step again")
PAGE_DOWN = Key(
    "pagedown",
    "page(1)",
    "Findings",
    display="PgDn",
    show=False,  # the checklist's last lines say it: at 80 columns the footer has no room
    priority=True,
    help="Page the step's findings down, whatever has the focus",
)
PAGE_UP = Key("pageup", "page(-1)", "Findings", show=False, priority=True, help="Page back")
TOP = Key(
    "home", "edge(False)", "First/last finding", show=False, priority=True, help="The first finding"
)
BOTTOM = Key(
    "end", "edge(True)", "First/last finding", show=False, priority=True, help="The last finding"
)
NEXT_PANE = Key(
    "tab",
    "app.focus_next",
    "Pane",
    show=False,  # as PgDn: in the checklist's last lines
    help="The next pane, field or button (⇧tab: the one before)",
)
PREVIOUS_PANE = Key(
    "shift+tab", "app.focus_previous", "Pane back", show=False, help="The pane before"
)
HELP = Key(
    "question_mark,f1", "toggle_help", "Help", help="This help, and every key (F1 in a field)"
)
SIDEBAR = Key("s", "toggle_sidebar", "Checklist", help="Show or hide the checklist on the left")
QUIT = Key("q,ctrl+q", "quit", "Quit", help="Quit (^q in a field); asks first while down runs")

# --- in a table or list (the focused one) ---------------------------------------------------------

ROWS = Key(
    "up,down",
    "cursor_down",
    "Row",
    IN_A_PANE,
    display="↑↓",
    help="The row before/after; in a list of fields, the field before/after",
    same=("cursor_up", "scroll_up", "scroll_down", "field"),
)
# What ↑↓ are called in a list of text fields (the Secrets step's): the field before/after.
FIELD_ROWS = "Field"
OPEN = Key(
    "enter",
    "select_cursor",
    "Open",
    IN_A_PANE,
    help="Open the focused row (a service's diff), press the focused button",
    same=("press", "submit"),
)
COLUMNS = Key(
    "shift+right,shift+left",
    "columns",
    "Columns",
    IN_A_PANE,
    display="⇧←→",
    help="Page hidden columns into view; the first column stays",
)
LEAVE = Key(
    "escape",
    "leave",
    "Leave",
    IN_A_PANE,
    help="Back out: the diff to the services list, a field to the step, the help closed",
    same=("answer",),  # a dialog's "no"
)

# --- in a text field ------------------------------------------------------------------------------

TYPE = Key(
    "letters",
    "",
    "Type",
    IN_A_FIELD,
    show=False,
    help="Letters, digits, ←/→, Home/End edit the text; esc leaves; ^q quits",
)

# --- a step's own keys ----------------------------------------------------------------------------

REVEAL = Key(
    "f2", "reveal", "Reveal", STEP_OWN, steps=("secrets",), help="Secrets, in a field: show/hide it"
)
GENERATE = Key(
    "f3",
    "generate",
    "Generate",
    STEP_OWN,
    steps=("secrets",),
    help="Secrets: generate a value where that is safe (else it says why not)",
    same=("explain_generate",),
)
FROM_ENV = Key(
    "f4",
    "from_env",
    "From .env",
    STEP_OWN,
    steps=("secrets",),
    help="Secrets: the value in .env (a placeholder there: it says why not)",
    same=("explain_from_env",),
)
SAVE = Key("f5", "save", "Save", STEP_OWN, steps=("secrets",), help="Secrets: save to the keyring")
APPLY = Key(
    "f6", "apply", "Apply", STEP_OWN, steps=("secrets",), help="Secrets: preview, apply the Secret"
)
PROBLEMS = Key(
    "p",
    "problems_only",
    "Problems",
    STEP_OWN,
    steps=("mapping",),
    help="Mapping: warn/block rows only",
)
COPY = Key("c", "copy_selected", "Copy", STEP_OWN, steps=("data",), help="Data: copy the selected")
COPY_ALL = Key(
    "C", "copy_all", "Copy all", STEP_OWN, steps=("data",), help="Data: copy all not verified"
)
CANCEL_COPY = Key("x", "cancel_copy", "Cancel copy", STEP_OWN, steps=("data",), help="Data: cancel")
UNDO_STOP = Key(
    "u", "start_writers", "Undo stop", STEP_OWN, steps=("data",), help="Data: start what it stopped"
)
NEXT_WARNING = Key(
    "a",
    "next_warning",
    "Next warning",
    STEP_OWN,
    steps=("gate",),
    help="Gate: the next warning to acknowledge (⏎ acknowledges it)",
)
DOWN = Key(
    "d", "focus_confirm", "Down", STEP_OWN, steps=("gate",), help="Gate: the name field, for down"
)
ACKNOWLEDGE = Key(
    "enter", "press", "Acknowledge", STEP_OWN, steps=("gate",), help="Gate: acknowledge the focused"
)

# --- in a dialog (the dialog lists them too) ------------------------------------------------------

YES = Key("y", "answer(True)", "Yes", IN_A_DIALOG)
NO = Key("n,escape", "answer(False)", "No", IN_A_DIALOG, help="No / cancel (n only in a dialog)")

# The scheme in one paragraph, under the keys of the `?` help (the README has the whole table).
SUMMARY = (
    "n/→ and b/← change the step on every step; ↑↓ move in the focused pane; PgUp/PgDn/Home/End "
    "page the step's findings whatever has the focus; ⇧←/⇧→ page columns that do not fit; ⏎ "
    "opens or presses; esc backs out. In a text field letters, ←/→ and Home/End edit the text, "
    "esc leaves it, ^q quits and F1 helps. In a dialog its own keys answer it (y, n/esc)."
)

STEP_KEYS: tuple[Key, ...] = (
    GENERATE,
    FROM_ENV,
    SAVE,
    APPLY,
    PROBLEMS,
    COPY,
    COPY_ALL,
    CANCEL_COPY,
    UNDO_STOP,
    NEXT_WARNING,
    DOWN,
)
SCHEME: tuple[Key, ...] = (
    NEXT,
    BACK,
    GO_TO,
    RERUN,
    RERUN_ALL,
    PAGE_DOWN,
    PAGE_UP,
    TOP,
    BOTTOM,
    NEXT_PANE,
    PREVIOUS_PANE,
    HELP,
    SIDEBAR,
    QUIT,
    ROWS,
    OPEN,
    COLUMNS,
    LEAVE,
    TYPE,
    REVEAL,
    *STEP_KEYS,
    ACKNOWLEDGE,
    YES,
    NO,
)


def body_binding(key: Key, *parameters: object, description: str = "") -> Binding:
    """The checklist screen's binding of a step's own key: it runs `body(action, *parameters)`,
    which hands it to the open step's body."""
    args = ", ".join(repr(p) for p in (key.action, *parameters))
    return key.binding(action=f"body({args})", description=description)


def scheme_lines() -> list[tuple[str, str, str]]:
    """(section, keys, what they do) for every entry: the help's and the README's table."""
    lines = []
    for key in SCHEME:
        shown = {"letters": "a-z 0-9", STEP_DIGITS: STEP_DIGITS}.get(key.keys, key.shown_as)
        lines.append((key.section, shown, key.help or key.description))
    return lines


def action_name(action: str) -> str:
    """'body('copy_all')' -> 'copy_all'; 'app.focus_next' -> 'focus_next'; 'page(1)' -> 'page'."""
    if action.startswith("body("):
        action = action[5:].split(",", 1)[0].strip(" )'\"")
    return action.split("(", 1)[0].rsplit(".", 1)[-1]


def meanings() -> dict[str, set[str]]:
    """Every key of the scheme (outside fields and dialogs) -> the actions that mean what the
    scheme says it does: a binding of that key to anything else breaks the scheme."""
    found: dict[str, set[str]] = {}
    for key in SCHEME:
        if key.section in (IN_A_DIALOG, IN_A_FIELD) or key.keys in ("letters", STEP_DIGITS):
            continue
        for name in key.names:
            found.setdefault(name, set()).update({action_name(key.action), *key.same})
    return found
