"""The whole checklist walked as an operator walks it, keyboard first: one function per step.

The same walk runs over the demo (`cutover demo --fixed`, tests/ui/test_walk_demo.py) and over
real services (tests/integration/test_walk_sandbox.py), so nothing here knows which gateways are
behind the app. Each step asserts what the operator sees (the step's title, its summary line,
its table cells, the sidebar's state, the toasts), not only what the gateways hold.

Waiting is done on what the screen shows, polled with a deadline (`wait_for`), never with a
bare sleep: a live step repaints from its watches on its own time. What the walk saw on the
way (summaries, warnings acknowledged, the result) is kept in a `Walk`, for the test to assert
on and to report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Static

from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.confirm import ChoiceScreen, ConfirmScreen
from screens.gate import GateBody, WarningRow
from screens.note_line import NoteLine
from screens.secrets import KeyEntry, SecretInput
from screens.sidebar import ChecklistSidebar
from screens.step_state import StepState
from tests.ui.conftest import screen_text, settle, shown
from wizard.steps import CHECKLIST

GENERATE = object()  # a secret value the walk asks F3 to generate instead of typing it
_RABBIT = "walk-rabbit-Q7"
# What the walk enters for the sample's Secret keys (assets/demo/cutover.yaml): the init-only
# passwords and the broker URL typed (F3 refuses them, rightly), secret-key generated.
SAMPLE_SECRET_VALUES: dict[str, str | object] = {
    "postgres-password": "walk-postgres-P3",
    "rabbitmq-password": _RABBIT,
    "openai-api-key": "sk-walk-not-a-key-9",
    "secret-key": GENERATE,
    "celery-broker-url": f"amqp://pstrag:{_RABBIT}@rabbitmq:5672//",
}
STEP_TIMEOUT_S = 30.0  # the demo answers at once; real services get this long per step
MAX_TABS = 40  # tab presses to reach a widget before giving up (the focus chain is short)


@dataclass
class Walk:
    """What the operator saw on the way, step by step."""

    summaries: dict[str, str] = field(default_factory=dict)  # step id -> its summary line
    typed: list[str] = field(default_factory=list)  # keys typed in
    generated: list[str] = field(default_factory=list)  # keys generated with F3
    acknowledged: list[str] = field(default_factory=list)  # the warnings' checks, in order
    notes: list[str] = field(default_factory=list)  # every toast seen
    timings: dict[str, float] = field(default_factory=dict)  # step id -> seconds spent on it
    tabs: dict[str, int] = field(default_factory=dict)  # step id -> tab presses made there
    result: str = ""  # the gate's record after down


# --- waiting and looking -------------------------------------------------------------------------


async def wait_for(
    pilot: Pilot[None],
    check: Callable[[], object],
    what: str,
    timeout: float = STEP_TIMEOUT_S,
) -> None:
    """Pump the app until `check()` is true; fail with what was on screen after `timeout`."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"waited {timeout:.0f} s for {what}; the screen shows:\n{screen_text(pilot.app)}"
            )
        await pilot.pause(0.05)


def text_of(app: CutoverApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).visual)


def notes(app: CutoverApp) -> list[str]:
    """What the steps say now (what the operator reads after F5 and F6): their note lines
    (screens.note_line), and any toast."""
    lines = [line.note[0] for line in app.screen.query(NoteLine) if line.note is not None]
    return [*lines, *(n.message for n in app._notifications)]


def table_rows(app: CutoverApp, selector: str) -> list[list[str]]:
    """A table's rows as the cells' plain text."""
    table = app.screen.query_one(selector, DataTable)
    return [
        [c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)]
        for i in range(table.row_count)
    ]


def step_of(app: App[Any]) -> str:
    """The id of the step open in the checklist."""
    screen = app.screen
    assert isinstance(screen, ChecklistScreen), f"not the checklist: {screen!r}"
    return screen.step.id


def title(app: CutoverApp) -> str:
    return text_of(app, "#step-title")


def sidebar_state(app: CutoverApp, step_id: str) -> StepState:
    return app.screen.query_one(ChecklistSidebar).state_of(step_id)


async def sidebar_shows(
    pilot: Pilot[None], app: CutoverApp, step_id: str, *states: StepState
) -> None:
    """The checklist's glyph and word for the step: one of `states` (it follows the step's
    summary by a message, so it is waited for too)."""
    await wait_for(
        pilot,
        lambda: sidebar_state(app, step_id) in states,
        f"the checklist to show {step_id} as {' or '.join(s.word for s in states)}",
    )


def _expected_title(step_id: str) -> str:
    index = next(i for i, s in enumerate(CHECKLIST) if s.id == step_id)
    return f"Step {index + 1} of {len(CHECKLIST)} · {CHECKLIST[index].title}"


async def _settled_summary(pilot: Pilot[None], app: CutoverApp, selector: str, what: str) -> str:
    """The step's summary line once it is not "…" (still reading) any more."""
    await wait_for(
        pilot,
        lambda: text_of(app, selector) and not text_of(app, selector).startswith("…"),
        f"the {what} summary to settle",
    )
    return text_of(app, selector)


# --- keys ----------------------------------------------------------------------------------------


async def tab_to(
    pilot: Pilot[None], reached: Callable[[], bool], what: str, walk: Walk | None = None
) -> None:
    """Press tab until `reached()` (the focus is where the operator wants it); the presses are
    counted in `walk.tabs`, under the step open now."""
    for _ in range(MAX_TABS):
        if reached():
            return
        await pilot.press("tab")
        await pilot.pause()
        if walk is not None:
            step = step_of(pilot.app)
            walk.tabs[step] = walk.tabs.get(step, 0) + 1
    assert reached(), f"{MAX_TABS} tabs never reached {what} (focus: {pilot.app.focused!r})"


async def next_step(
    pilot: Pilot[None], app: CutoverApp, step_id: str, walk: Walk | None = None
) -> None:
    """`n`, as the footer says. In an entry field n is a letter, so tab out of it first."""
    await tab_to(pilot, lambda: not isinstance(app.focused, Input), "a place where n is Next", walk)
    await pilot.press("n")
    await settle(pilot)
    assert step_of(app) == step_id, f"n opened {step_of(app)}, not {step_id}"
    assert title(app) == _expected_title(step_id)


# --- the steps -----------------------------------------------------------------------------------


async def preflight(pilot: Pilot[None], app: CutoverApp, walk: Walk) -> None:
    """Step 1: opens first, and passes (warnings allowed: they are acknowledged at the gate)."""
    await settle(pilot)
    assert step_of(app) == "preflight", f"opened at {step_of(app)}, not Preflight"
    assert title(app) == _expected_title("preflight")
    summary = await _settled_summary(pilot, app, "#preflight-summary", "Preflight")
    assert summary.startswith(("✔ Preflight passed", "▲ Preflight passed")), summary
    await sidebar_shows(pilot, app, "preflight", StepState.OK, StepState.WARN)
    walk.summaries["preflight"] = summary


async def secrets(
    pilot: Pilot[None],
    app: CutoverApp,
    walk: Walk,
    values: Mapping[str, str | object],
) -> None:
    """Step 2: a value into each missing key's masked field (typed, or F3 where `values` says
    GENERATE), F5 saves them to the keyring, F6 previews, y writes the Secret."""
    await next_step(pilot, app, "secrets", walk)
    await _settled_summary(pilot, app, "#secrets-summary", "Secrets")
    await wait_for(pilot, lambda: app.screen.query(SecretInput), "the masked fields")
    rows = list(app.screen.query(KeyEntry))
    missing = [r.entry.key for r in rows if _row_state(r) == "no value"]
    assert missing, "no key is missing a value: nothing to enter"
    unknown = sorted(set(missing) - set(values))
    assert not unknown, f"no value given for {unknown}"
    for key in missing:
        field_ = app.screen.query_one(f"#value-{key}", SecretInput)
        await tab_to(pilot, _focused(app, field_), f"the field of {key}", walk)
        value = values[key]
        if value is GENERATE:
            await pilot.press("f3")
            await wait_for(pilot, _filled(field_), f"a generated {key}")
            walk.generated.append(key)
        else:
            assert isinstance(value, str)
            await pilot.press(*value)
            assert field_.value == value, f"{key}: typed {len(value)} chars, field has another"
            walk.typed.append(key)
        assert field_.password, f"{key} is shown in clear"
        await wait_for(pilot, _key_state(app, key, "entered, not saved"), f"{key} entered")
    shown_now = screen_text(app)
    for key in missing:
        value = app.screen.query_one(f"#value-{key}", SecretInput).value
        assert value not in shown_now, f"the value of {key} is on screen"

    await pilot.press("f5")
    # The toast first: it goes away after a few seconds, the keys' states stay.
    await wait_for(
        pilot, lambda: any(n.startswith("Saved ") for n in notes(app)), "the keyring's answer"
    )
    saved = [n for n in notes(app) if n.startswith("Saved ")]
    assert f"Saved {len(missing)} key(s)" in saved[-1], notes(app)
    walk.notes.extend(saved)
    await wait_for(
        pilot,
        lambda: all(_state_of(app, k) == "in keyring" for k in missing),
        "every key saved to the keyring",
    )

    await pilot.press("f6")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#confirm-question"),
        "the Secret's preview",
    )
    preview = text_of(app, "#confirm-preview") + "\n" + text_of(app, "#confirm-question")
    assert "Secret" in preview and all(k in preview for k in missing), preview
    await pilot.press("y")
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the dialog to close")
    await wait_for(
        pilot,
        lambda: "every referenced key present" in text_of(app, "#secrets-summary"),
        "the Secret to have every key",
    )
    summary = text_of(app, "#secrets-summary")
    assert "blocker" not in summary, summary
    await sidebar_shows(pilot, app, "secrets", StepState.OK, StepState.WARN)
    walk.notes.extend(n for n in notes(app) if n.startswith(("Created ", "Patched ")))
    walk.summaries["secrets"] = summary


def _focused(app: CutoverApp, widget: Widget) -> Callable[[], bool]:
    return lambda: app.focused is widget


def _filled(field_: Input) -> Callable[[], bool]:
    return lambda: bool(field_.value)


def _key_state(app: CutoverApp, key: str, state: str) -> Callable[[], bool]:
    return lambda: _state_of(app, key) == state


def _acknowledged(row: WarningRow) -> Callable[[], bool]:
    return lambda: bool(row.query(".ack-done"))


def _row_state(row: KeyEntry) -> str:
    return str(row.query_one(".key-state", Static).visual)


def _state_of(app: CutoverApp, key: str) -> str:
    return _row_state(app.screen.query_one(f"#entry-{key}", KeyEntry))


async def volumes(pilot: Pilot[None], app: CutoverApp, walk: Walk) -> None:
    """Step 3: every Compose volume next to a Bound claim."""
    await next_step(pilot, app, "volumes", walk)
    await wait_for(
        pilot,
        lambda: "have a Bound claim" in text_of(app, "#volumes-summary"),
        "every claim Bound",
    )
    rows = table_rows(app, "#volumes-table")
    assert rows and all(r[2].endswith("Bound") for r in rows), rows
    await sidebar_shows(pilot, app, "volumes", StepState.OK)
    walk.summaries["volumes"] = text_of(app, "#volumes-summary")


async def mapping(pilot: Pilot[None], app: CutoverApp, walk: Walk) -> None:
    """Step 4: the per-service diff, with no blocker (warnings are for the gate)."""
    await next_step(pilot, app, "mapping", walk)
    summary = await _settled_summary(pilot, app, "#mapping-summary", "Mapping")
    assert "block" not in summary, summary
    await sidebar_shows(pilot, app, "mapping", StepState.OK, StepState.WARN)
    walk.summaries["mapping"] = summary


async def health(
    pilot: Pilot[None], app: CutoverApp, walk: Walk, recovered: str = "celery"
) -> None:
    """Step 5: every workload ready, live; `recovered` crash-looped before the Secret and now
    runs (its restarts stay counted)."""
    await next_step(pilot, app, "health", walk)
    await wait_for(
        pilot,
        lambda: text_of(app, "#health-summary").startswith("✔ All"),
        "every service ready",
        timeout=STEP_TIMEOUT_S * 2,
    )
    rows = table_rows(app, "#health-services")
    assert rows, "no service in the table"
    for row in rows:  # Service, Ready, Avail, Updated, State, Workload
        ready, slash, desired = row[1].partition("/")
        assert row[0].startswith("✔") and slash and ready == desired, row
        assert row[4] == "ready", row
    assert any(r[0].endswith(recovered) for r in rows), rows
    await sidebar_shows(pilot, app, "health", StepState.OK)
    walk.summaries["health"] = text_of(app, "#health-summary")


async def data(pilot: Pilot[None], app: CutoverApp, walk: Walk) -> None:
    """Step 6: C copies every volume not verified yet; the preview names the Compose containers
    that write them, y stops those and copies; every volume ends verified or skipped (a skipped
    one is a warning for the gate)."""
    await next_step(pilot, app, "data", walk)
    summary = await _settled_summary(pilot, app, "#data-summary", "Data")
    assert "still to copy" in summary, summary
    await pilot.press("C")
    await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the copy's preview")
    preview = text_of(app, "#confirm-preview")
    assert "Copy into namespace" in preview, preview
    await pilot.press("y")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, ChecklistScreen)
            and "Every volume's copy is verified" in text_of(app, "#data-summary")
        ),
        "every copy verified",
        timeout=STEP_TIMEOUT_S * 8,
    )
    for row in table_rows(app, "#data-table"):  # Volume, State, Method, Claim, Size
        assert row[1].startswith(("✔ verified", "⚠ skipped")), row
    await sidebar_shows(pilot, app, "data", StepState.OK, StepState.WARN)
    walk.summaries["data"] = text_of(app, "#data-summary")


async def traffic(pilot: Pilot[None], app: CutoverApp, walk: Walk) -> None:
    """Step 7: the published ports have their replacements, the names point at the Ingress,
    the smoke request gets the same answer on both sides, and the live drain follows the
    site-facing containers. Nothing blocks (a warning is for the gate)."""
    await next_step(pilot, app, "traffic", walk)
    summary = await _settled_summary(pilot, app, "#traffic-summary", "Traffic")
    assert "blocker" not in summary, f"{summary}\n{screen_text(app)}"
    assert "the same answer" in screen_text(app), screen_text(app)
    await sidebar_shows(pilot, app, "traffic", StepState.OK, StepState.WARN)
    walk.summaries["traffic"] = summary


async def gate(pilot: Pilot[None], app: CutoverApp, walk: Walk) -> None:
    """Step 8: no blocker; each warning acknowledged (tab to its button, Enter); the project's
    name typed, Enter; down runs and the screen says done, with the rollback."""
    project = app.config.project_name
    await next_step(pilot, app, "gate", walk)
    body = app.screen.query_one("#gate", GateBody)
    await wait_for(pilot, lambda: body.verdict is not None, "the gate's verdict")
    await wait_for(
        pilot,
        lambda: not text_of(app, "#gate-summary").startswith("…"),
        "the gate's summary",
    )
    blockers = text_of(app, "#gate-blockers-title")
    assert blockers == "Blockers: none", f"{blockers}\n{screen_text(app)}"
    field_ = app.screen.query_one("#gate-confirm", Input)
    warnings = len(app.screen.query(".ack-button"))
    if warnings:
        assert field_.disabled, "down is open before the warnings are acknowledged"
    for n in range(warnings):
        await tab_to(
            pilot,
            lambda: isinstance(app.focused, Button) and app.focused.has_class("ack-button"),
            "an Acknowledge button",
            walk,
        )
        button = app.focused
        assert isinstance(button, Button)
        row = next(a for a in button.ancestors if isinstance(a, WarningRow))
        await pilot.press("enter")
        await wait_for(pilot, _acknowledged(row), f"warning {n + 1} acknowledged")
        done = str(row.query_one(".ack-done", Static).visual)
        assert done.startswith("✔ acknowledged by "), done
        walk.acknowledged.append(row.item.finding.check)
    assert not app.screen.query(".ack-button")
    await wait_for(pilot, lambda: not field_.disabled, "the name field to open")
    assert "Ready" in text_of(app, "#gate-confirm-note"), text_of(app, "#gate-confirm-note")
    await tab_to(pilot, lambda: app.focused is field_, "the name field", walk)
    await pilot.press(*project, "enter")
    await wait_for(
        pilot,
        lambda: body.result is not None or "Nothing was taken down" in screen_text(app),
        "down to finish",
        timeout=STEP_TIMEOUT_S * 4,
    )
    await settle(pilot)
    assert body.result is not None and body.result.ok, (
        body.result.report() if body.result else screen_text(app)
    )
    summary = text_of(app, "#gate-summary")
    assert summary == f"✔ {project} is down; every named volume is kept.", summary
    result = text_of(app, "#gate-result")
    assert f"Compose project {project} is down" in result, result
    assert f"-p {project} up -d" in result, result  # the rollback command
    assert "Kept: every named volume" in result
    assert shown(app.screen.query_one("#gate-result", Static))
    assert "Done" in text_of(app, "#gate-confirm-note")
    assert field_.disabled
    await sidebar_shows(pilot, app, "gate", StepState.OK)
    walk.summaries["gate"] = summary
    walk.result = result


async def walk_to_down(
    pilot: Pilot[None],
    app: CutoverApp,
    secret_values: Mapping[str, str | object],
) -> Walk:
    """The whole checklist, Preflight to down. Returns what was seen on the way."""
    walk = Walk()
    started = time.monotonic()
    await preflight(pilot, app, walk)
    walk.timings["preflight"] = time.monotonic() - started
    begun = time.monotonic()
    await secrets(pilot, app, walk, secret_values)
    walk.timings["secrets"] = time.monotonic() - begun
    for step in (volumes, mapping, health, data, traffic):
        begun = time.monotonic()
        await step(pilot, app, walk)
        walk.timings[step.__name__] = time.monotonic() - begun
    begun = time.monotonic()
    await gate(pilot, app, walk)
    walk.timings["gate"] = time.monotonic() - begun
    walk.timings["total"] = time.monotonic() - started
    return walk
