"""The keys: `?`/F1 lists the ones that work now (from the live bindings), and the footer shows
only the keys that do something in the current state."""

from __future__ import annotations

from textual.widgets import Input

from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.help_panel import KeyRow, StepHelp
from screens.secrets import SecretInput, SecretsBody
from tests.ui.conftest import SMALL, settle
from wizard.config import Flags, resolve_config
from wizard.gateways.factory import build_gateways


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
        # Hidden from the footer, listed here: 1-7, tab, PgDn; never Textual's own palette,
        # copy-selection or ^c keys (issue 15).
        assert keys["Step of that number"].keys == "1-7"
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
        assert {"Reveal", "Generate", "From .env", "Save"} <= set(footer)
        body = demo_app.screen.query_one(SecretsBody)
        assert body.view is not None
        body.view.env_values_known["openai-api-key"] = False
        body.refresh_bindings()
        await pilot.pause()
        assert "From .env" not in _footer(demo_app)  # .env has no value for this key


async def test_read_only_shows_no_key_that_changes_anything() -> None:
    config = resolve_config(Flags(demo=True, read_only=True))
    app = CutoverApp(config, build_gateways(config))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        mutations = {"Reveal", "Generate", "From .env", "Save", "Apply"}
        mutations |= {"Next warning", "Down", "Acknowledge", "Copy", "Copy all", "Undo stop"}
        for step in "1234567":
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
        await pilot.press("7")
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
