"""The key scheme (screens/keys.py): one meaning per key on every screen, written one way, listed
in the README; and the keys that act on a step's findings whatever has the focus (issue 15)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Input

from screens import keys
from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.health import pod_name_cell
from screens.help_panel import _stock_keys
from screens.step_body import StepBody
from tests.support.walk import wait_for
from tests.ui.conftest import SMALL, screen_modules, settle

README = Path(__file__).parents[2] / "README.md"


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("shift+right", "⇧→"),
        ("shift+left", "⇧←"),
        ("ctrl+q", "^q"),
        ("pagedown", "PgDn"),
        ("f2", "F2"),
        ("question_mark", "?"),
        ("escape", "esc"),
        ("enter", "⏎"),
        ("C", "C"),
    ],
)
def test_a_key_is_written_one_way(key: str, shown: str) -> None:
    assert keys.key_display(key) == shown


def test_every_key_has_one_meaning_in_the_scheme() -> None:
    meanings = keys.meanings()
    assert meanings["right"] == {"next"} and meanings["left"] == {"back"}
    assert meanings["a"] == {"next_warning"}  # the gate's; Data's copy-all is C
    assert meanings["c"] == {"copy_selected"} and meanings["C"] == {"copy_all"}
    assert meanings["d"] == {"focus_confirm"}
    assert meanings["end"] == {"edge"} and meanings["pagedown"] == {"page"}
    step_keys = [name for key in keys.STEP_KEYS for name in key.names]
    assert len(step_keys) == len(set(step_keys)), "a step's own key used twice"


def _screen_classes() -> list[type]:
    found = []
    for module in screen_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "BINDINGS" in cls.__dict__:
                found.append(cls)
    return found


def test_no_screen_binds_a_key_of_the_scheme_to_something_else() -> None:
    """Every BINDINGS in screens/ (dialogs answer with their own keys and are left out)."""
    meanings = keys.meanings()
    checked = 0
    for cls in _screen_classes():
        if issubclass(cls, ModalScreen):
            continue
        for item in cls.__dict__["BINDINGS"]:
            binding = item if isinstance(item, Binding) else Binding(*item)
            for key in binding.key.split(","):
                allowed = meanings.get(key.strip())
                if allowed is None:
                    continue
                checked += 1
                action = keys.action_name(binding.action)
                assert action in allowed, f"{cls.__name__}: {key} -> {action}, not {allowed}"
    assert checked > 20


def _passes_on(node: object, action: str) -> bool:
    """A stock scroll binding that hands the key on when there is nothing to scroll that way."""
    if not isinstance(node, Widget):
        return False
    if action in ("scroll_left", "scroll_right", "page_left", "page_right"):
        return not node.allow_horizontal_scroll
    return False


async def test_on_every_step_and_focus_the_live_keys_keep_their_meaning(
    demo_app: CutoverApp,
) -> None:
    """The live bindings (after every check_action), for every focusable part of every step at
    80x24: a key of the scheme runs its one meaning, written one way, never Textual's own."""
    meanings = keys.meanings()
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen = demo_app.screen
        assert isinstance(screen, ChecklistScreen)
        seen = 0
        for number in range(1, 8):
            await pilot.press(str(number))
            await settle(pilot)
            body = screen.query_one(f"#{screen.step.id}", StepBody)
            parts = [w for w in body.query("*") if w.focusable and w.display] + [
                screen.query_one("#checklist")
            ]
            for part in parts:
                part.focus()
                await pilot.pause()
                for key, active in screen.active_bindings.items():
                    binding = active.binding
                    display = demo_app.get_key_display(binding)
                    assert "shift+" not in display and "super" not in display, display
                    if binding.show:
                        assert binding.action not in keys.HIDDEN_ACTIONS
                    allowed = meanings.get(key)
                    action = keys.action_name(binding.action)
                    if allowed is None or _passes_on(active.node, action):
                        continue
                    node = active.node
                    if isinstance(node, Input) and (key, binding.action) in _stock_keys(node):
                        continue  # a field's own editing keys (←/→, ⇧←, Home...): the text's
                    assert action in allowed, (screen.step.id, part, key, action)
                    seen += 1
        assert seen > 100


async def test_pgdn_and_end_reach_the_volumes_findings_while_the_table_has_the_focus(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = demo_app.screen.query_one("#volumes-table", DataTable)
        findings = demo_app.screen.query_one("#volumes-findings")
        # Two blockers: more than the room under the table at 80x24, once laid out.
        await wait_for(pilot, lambda: findings.max_scroll_y > 0, "the findings to overflow")
        assert table.has_focus
        await pilot.press("end")  # not sideways: the last finding, and the table's last row
        await settle(pilot)
        assert findings.scroll_y == findings.max_scroll_y
        assert table.scroll_x == 0 and table.cursor_row == table.row_count - 1
        await pilot.press("home")
        await settle(pilot)
        assert findings.scroll_y == 0 and table.cursor_row == 0
        for _ in range(12):  # PgDn again and again: the table's rows, then the findings
            await pilot.press("pagedown")
        await settle(pilot)
        assert findings.scroll_y == findings.max_scroll_y
        assert table.has_focus


async def test_the_steps_keys_act_from_the_checklist_and_hide_where_they_cannot(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = demo_app.screen
        screen.query_one("#checklist").focus()
        await pilot.pause()
        assert screen.active_bindings["p"].binding.description == "Problems"
        await pilot.press("p")
        await settle(pilot)
        assert screen.query_one("#mapping").problems_only  # type: ignore[attr-defined]
        # The gate's and Data's keys do nothing on Mapping: not in its footer.
        shown = {k for k, a in screen.active_bindings.items() if a.binding.show}
        assert not {"a", "c", "C", "d", "x", "u", "f3", "f4", "f5", "f6"} & shown


async def test_R_says_that_it_started(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        text = str(demo_app.screen.query_one("#preflight").query(".note-line").first().visual)
        assert "Checking all 8 steps again" in text


def test_a_pod_name_keeps_its_end() -> None:
    assert pod_name_cell("postgres-0") == "postgres-0"  # it once read "…0"
    long = "email-rag-backend-7d9f8c6b5-x2kqz"
    assert pod_name_cell(long, 22) == "…" + long[-21:]
    assert pod_name_cell(long, 22).endswith("-x2kqz") and len(pod_name_cell(long, 22)) == 22


def test_the_readme_lists_every_key_of_the_scheme() -> None:
    text = README.read_text()
    section = text[text.index("### The keys") :]
    for where, shown, what in keys.scheme_lines():
        assert f"`{shown}` | {what}" in section, (where, shown)
