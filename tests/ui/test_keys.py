"""The keys: `?`/F1 lists the ones that work now (from the live bindings), and the footer shows
only the keys that do something in the current state."""

from __future__ import annotations

from textual.widgets import Input, Static

from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.help_panel import KeyRow, StepHelp, live_keys
from screens.secrets import SecretInput, SecretsBody
from screens.sidebar import hint_lines
from tests.ui.conftest import SMALL, settle
from wizard.config import Flags, resolve_config
from wizard.gateways.factory import build_gateways
from wizard.steps import CHECKLIST


def _keys(app: CutoverApp) -> dict[str, KeyRow]:
    return {row.description: row for row in app.screen.query_one(StepHelp).keys}


def _footer(app: CutoverApp) -> dict[str, str]:
    """description -> key, as the footer would show them."""
    return {
        b.binding.description: b.binding.key
        for b in app.screen.active_bindings.values()
        if b.binding.show and b.enabled
    }


async def test_help_lists_the_keys_of_the_step_and_of_every_step(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        keys = _keys(demo_app)
        # Hidden from the footer, listed here: 1-8, tab, PgDn; never Textual's own palette,
        # copy-selection or ^c keys (issue 15).
        assert keys["Step of that number"].keys == f"1-{len(CHECKLIST)}"
        assert "palette" not in keys and "Copy selected text" not in keys
        assert keys["Pane"].keys == "tab"
        assert keys["Findings"].keys == "PgDn/PgUp"
        assert keys["First/last finding"].keys == "Home/End"
        assert keys["Next"].keys == "n/→" and keys["Help"].keys == "?/F1"
        assert set(keys["Quit"].keys.split("/")) == {"q", "^q"}
        assert not any("shift+" in row.keys or "super" in row.keys for row in keys.values())
        assert keys["Scroll"].here  # the Preflight findings the help closes onto
        assert "Keys on every step:" in str(demo_app.screen.query_one("#help-keys").visual)

        await pilot.press("4")  # another step with the help open: its keys
        await settle(pilot)
        keys = _keys(demo_app)
        assert {"Diff", "Problems"} <= set(keys)  # (PgDn scrolls the help while it is open)
        assert keys["Back"].keys == "b/←"  # ←/→ on the services list still change the step
        assert "Scroll" not in keys

        await pilot.press("question_mark")  # closes onto the mapping's services, not Preflight
        await settle(pilot)
        assert demo_app.focused is not None and demo_app.focused.id == "mapping-services"


async def test_f1_opens_the_help_from_an_entry_field(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        field = demo_app.screen.query(SecretInput).first()
        field.focus()
        await pilot.pause()
        footer = _footer(demo_app)
        assert footer["Help"] == "f1"  # "?" types into the field
        assert footer["Quit"] == "ctrl+q"  # and so does q
        assert footer["Leave"] == "escape"
        assert "Next" not in footer  # and so does n
        assert "Save" not in footer  # nothing typed yet
        await pilot.press("question_mark")
        assert field.value == "?"
        await pilot.press("backspace", "f1")
        await settle(pilot)
        screen = demo_app.screen
        assert isinstance(screen, ChecklistScreen) and screen.show_help
        keys = _keys(demo_app)
        # The first field is postgres-password, init-only: F3 says why it does not generate.
        assert {"Reveal", "Why not", "Edit the text"} <= set(keys)
        assert "Generate" not in keys
        assert "Next" not in keys
        await pilot.press("escape")  # closes the help, back into the field
        await settle(pilot)
        assert not screen.show_help and field.has_focus


async def test_secrets_footer_follows_the_state(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        footer = _footer(demo_app)
        assert "Apply" in footer
        assert not {"Generate", "From .env", "Save", "Reveal"} & set(footer)
        field = demo_app.screen.query_one("#value-openai-api-key", Input)
        field.focus()
        await pilot.press("s", "k")
        await settle(pilot)
        footer = _footer(demo_app)
        assert {"Reveal", "Generate", "Save"} <= set(footer)
        # The demo's .env says change-me-openai-api-key: F4 would refuse it, so the footer
        # offers no "From .env" here, and F4 says why instead.
        assert "From .env" not in footer
        assert footer["Why not"] == "f4"
        body = demo_app.screen.query_one(SecretsBody)
        assert body.view is not None
        body.view.env_values_known["openai-api-key"] = False
        body.refresh_bindings()
        await pilot.pause()
        footer = _footer(demo_app)
        assert "From .env" not in footer and "Why not" not in footer  # .env has no value


async def test_f3_and_f4_are_offered_exactly_where_they_act(demo_app: CutoverApp) -> None:
    """On every key of the demo: the footer's F3 and F4 name what pressing them does, by the
    same rules the actions follow (may_generate; placeholder.refused_from_env), and pressing
    the key then does exactly that: a value where it offers one, a reason where it says why."""
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        body = demo_app.screen.query_one(SecretsBody)
        assert body.view is not None
        offered: dict[str, tuple[str, str]] = {}
        for field in list(demo_app.screen.query(SecretInput)):
            field.focus()
            await pilot.pause()
            footer = {k: d for d, k in _footer(demo_app).items()}
            offered[field.entry.key] = (footer["f3"], footer["f4"])
            for key in ("f3", "f4"):
                field.value = ""
                await pilot.press(key)
                await settle(pilot)
                took = field.value != ""
                assert took == (footer[key] != "Why not"), (field.entry.key, key, footer[key])
        # Generated only where nothing depends on the old value; from .env wherever the value is
        # no placeholder or the key must keep the running service's value (taken with a warning).
        assert offered == {
            "postgres-password": ("Why not", "From .env"),
            "rabbitmq-password": ("Why not", "From .env"),
            "openai-api-key": ("Generate", "Why not"),
            "secret-key": ("Generate", "Why not"),
            "celery-broker-url": ("Why not", "From .env"),
        }


async def test_read_only_shows_no_key_that_changes_anything() -> None:
    config = resolve_config(Flags(demo=True, read_only=True))
    app = CutoverApp(config, build_gateways(config))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        mutations = {"Reveal", "Generate", "From .env", "Save", "Apply"}
        mutations |= {"Next warning", "Down", "Acknowledge", "Copy", "Copy all", "Undo stop"}
        for step in "".join(str(n) for n in range(1, len(CHECKLIST) + 1)):
            await pilot.press(step)
            await settle(pilot)
            assert not mutations & set(_footer(app)), step
            await pilot.press("question_mark")
            await settle(pilot)
            assert not mutations & set(_keys(app)), step
            await pilot.press("question_mark")


async def test_gate_a_walks_the_warnings_c_only_when_down_is_possible(
    demo_app: CutoverApp,
) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press(str(len(CHECKLIST)))  # the gate, the last step
        await settle(pilot)
        footer = _footer(demo_app)
        assert footer["Next warning"] == "a"
        assert "Down" not in footer  # blocked: no name to type
        buttons = list(demo_app.screen.query(".ack-button"))
        await pilot.press("a")
        await settle(pilot)
        assert buttons[0].has_focus
        assert _footer(demo_app)["Acknowledge"] == "enter"
        await pilot.press("a")
        await settle(pilot)
        assert buttons[1].has_focus


# Textual's stock rows of a widget (arrows scroll, a field's editing keys): a newcomer tries
# them without being told, and the `?` help lists them.
_STOCK = {"Scroll", "Move the cursor", "Edit the text", "Select"}
# A key shown with its mirror: ⇧tab undoes tab, as everywhere.
_MIRRORS = {"Pane back": "tab"}


def _hint(app: CutoverApp) -> str:
    return str(app.screen.query_one("#sidebar-hint", Static).visual)


def _shown_keys(app: CutoverApp) -> set[str]:
    """Every key the footer and the checklist's last lines show, one name each ("PgDn", "1-8")."""
    footer = {
        app.get_key_display(b.binding)
        for b in app.screen.active_bindings.values()
        if b.binding.show and b.enabled
    }
    words = _hint(app).replace("·", " ").replace("\n", " ").split()
    return footer | {part for word in words for part in word.split("/")}


def _missing(app: CutoverApp) -> list[str]:
    """The working keys (what `?` lists, from the live bindings) that nothing on screen shows."""
    shown = _shown_keys(app)
    missing = []
    for row in live_keys(app.screen, app.focused):
        if row.description in _STOCK:
            continue
        names = row.keys.split("/") if not row.keys.startswith("1-") else [row.keys]
        names.append(_MIRRORS.get(row.description, row.keys))
        # One key of a row is enough: PgDn for PgDn/PgUp, End for Home/End.
        if not any(name in shown for name in names):
            missing.append(f"{row.keys} {row.description}")
    return missing


async def test_every_working_key_is_shown_and_no_shown_key_is_dead(demo_app: CutoverApp) -> None:
    """Issue 15, at 80x24: on every step, in a text field and in the help, each key that works
    is in the footer or in the checklist's last lines, and those lines name only keys that
    work there (in a field 1-8, R and s type letters; End moves the cursor)."""
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for number in range(1, len(CHECKLIST) + 1):
            await pilot.press(str(number))
            await settle(pilot)
            assert not _missing(demo_app), (number, _missing(demo_app))
            assert _hint(demo_app) == (
                f"PgDn/End findings\ntab next pane\n1-{len(CHECKLIST)} step · R all\n"
                "s hide · ? every key"
            ), number
        await pilot.press("2")
        await settle(pilot)
        demo_app.screen.query(SecretInput).first().focus()
        await settle(pilot)
        assert not _missing(demo_app), _missing(demo_app)
        assert _hint(demo_app) == "PgDn findings\ntab next pane\n↑↓ other fields\nF1 every key"
        await pilot.press("f1")  # the help: PgDn scrolls it, so no "findings" line
        await settle(pilot)
        assert not _missing(demo_app), _missing(demo_app)
        assert "findings" not in _hint(demo_app) and "tab next pane" in _hint(demo_app)
        await pilot.press("escape")  # back into the field: its lines again
        await settle(pilot)
        assert _hint(demo_app).startswith("PgDn findings\ntab next pane\n↑↓ other")


def test_the_checklists_lines_fit_its_width() -> None:
    rows = [
        KeyRow("PgDn/PgUp", "Findings", False),
        KeyRow("Home/End", "First/last finding", False),
        KeyRow("↑↓", "Field", True),
        KeyRow("tab", "Pane", False),
        KeyRow("1-8", "Step of that number", False),
        KeyRow("R", "Re-run all", False),
        KeyRow("s", "Checklist", False),
        KeyRow("?/F1", "Help", False),
    ]
    lines = hint_lines(rows)
    assert lines == [
        "PgDn/End findings",
        "tab next pane",
        "↑↓ other fields",
        "1-8 step · R all",
        "s hide · ? every key",
    ]
    assert all(len(line) <= 20 for line in lines)  # the sidebar's 24 less border and padding
    assert hint_lines([]) == []
