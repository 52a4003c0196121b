"""The one way a step body runs its work (screens.step_body.StepBody): results of an older run
are dropped, a result that reaches a body already removed is dropped (the read-only twin's swap
removed the bodies while a worker's result was still queued: `NoScreen` from MappingBody), and a
worker that dies is one BLOCK finding with a fix."""

from __future__ import annotations

import random
import threading
import time
from functools import partial

import pytest
from textual.widgets import Static

from screens.app import CutoverApp
from screens.checklist_screen import ChecklistScreen
from screens.gate import GateSeams, GateView, gate_body
from screens.mapping import MappingBody
from screens.step_body import StepBody, StepSummary, crash_finding
from screens.step_state import StepState
from tests.support.walk import wait_for
from tests.ui.conftest import SMALL, settle, view_only_gateways, workers_done
from tests.ui.gate_support import GATE_KEY
from wizard.checks import Severity
from wizard.config import CutoverConfig
from wizard.errors import Unreachable
from wizard.gate import GateVerdict, evaluate_gate
from wizard.gateways import Gateways
from wizard.mapping.build import build_plan
from wizard.mapping.model import Plan


async def test_a_result_reaching_a_removed_body_is_dropped(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        body = demo_app.screen.query_one("#mapping", MappingBody)
        plan = body.plan
        assert plan is not None
        # The read-only twin's swap removes the wizard beneath it while a worker's result is
        # still on its way; the result is then handled by a body no longer on any screen (it
        # raised NoScreen from MappingBody before: set_class needs the screen).
        await body.remove()
        assert not body.is_attached
        body._work_done(StepBody.WorkDone(body.run_number, "plan", plan))
        body._work_done(StepBody.WorkDone(body.run_number, "plan", plan, any_run=True))
        await settle(pilot)
        assert demo_app.is_running


@pytest.mark.parametrize("launch", range(20))
async def test_the_read_only_switch_with_results_in_flight_never_crashes(
    demo_config: CutoverConfig, launch: int
) -> None:
    """As an identity that may not write, the wizard swaps itself for its read-only twin while
    the comparison's result, the gate's verdict and their deferred repaints are on their way
    (each launch lands them at another moment). Twenty launches: without the guards in StepBody
    (results, deferred callbacks, refresh_bindings) some crash with NoScreen."""
    moment = random.Random(launch)

    def compare_late(config: CutoverConfig, gateways: Gateways) -> Plan:
        time.sleep(moment.uniform(0.0, 0.4))
        return build_plan(config, gateways)

    app = CutoverApp(
        demo_config,
        view_only_gateways(demo_config),
        gateways_for=view_only_gateways,
        bodies={"mapping": partial(MappingBody, build=compare_late)},
    )
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(moment.choice(["1", "4", "5", "6", "7"]))
        await workers_done(app)
        await settle(pilot)
        assert app.config.read_only  # the swap happened
        assert app.is_running


async def test_an_older_gate_evaluation_never_overwrites_a_newer_one(
    monkeypatch: pytest.MonkeyPatch, demo_config: CutoverConfig, demo_gateways: Gateways
) -> None:
    release = threading.Event()
    calls: list[int] = []
    real = evaluate_gate

    def first_slow(*args: object, **kwargs: object) -> GateVerdict:
        calls.append(1)
        verdict = real(demo_config, demo_gateways)
        if len(calls) == 1:
            release.wait(timeout=10)
            return GateVerdict(
                steps=(), blockers=(), warnings=(), acknowledgements=(), evaluated_at="old"
            )
        return verdict

    seams = GateSeams(evaluate=first_slow)
    app = CutoverApp(demo_config, demo_gateways, bodies={"gate": partial(gate_body, seams=seams)})
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press(GATE_KEY)  # the gate evaluates when shown: the first (held) evaluation
        await pilot.pause()
        body = app.screen.query_one("#gate", GateView)
        body.rerun()  # a second one, which answers at once
        await wait_for(pilot, lambda: len(calls) == 2, "the second evaluation")
        release.set()
        await settle(pilot)
        assert body.verdict is not None
        assert body.verdict.evaluated_at != "old"  # the older, "ready" verdict was dropped
        assert not body.verdict.ready


def test_a_crash_is_one_block_finding_with_a_fix_and_no_exception_text() -> None:
    bug = crash_finding("mapping", KeyError("s3cret"), "It stopped ({kind}).")
    assert bug.severity is Severity.BLOCK
    assert bug.message == "It stopped (KeyError)." and "s3cret" not in bug.message
    assert bug.fix.startswith("Press r")
    known = crash_finding("mapping", Unreachable("No answer.", fix="Start it."), "x")
    assert (known.message, known.fix) == ("No answer.", "Start it.")


async def test_the_summary_repaints_only_on_change(demo_app: CutoverApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        summary = StepSummary(id="test-summary")
        await demo_app.screen.mount(summary)
        assert summary.show(StepState.WARN, "▲ one warning")
        assert summary.has_class(StepState.WARN.css_class)
        assert not summary.show(StepState.WARN, "▲ one warning")
        assert summary.show(StepState.OK, "▲ one warning")  # same words, another state
        assert summary.has_class(StepState.OK.css_class)
        assert not summary.has_class(StepState.WARN.css_class)
        assert isinstance(summary, Static)
        await pilot.pause()


async def test_a_step_key_before_the_read_only_twin_is_composed_never_crashes(
    demo_app: CutoverApp,
) -> None:
    """The 20-launch walk as a view-only identity (tmux, the real test environment, keys pressed
    while the wizard switched itself to read-only) crashed once with NoMatches('#bodies') from
    action_go: the twin is the current screen as soon as it is pushed, and "5" reached it
    before its compose had run. Until then (and once the switch has emptied the old wizard) a
    step key does nothing; quitting still works (an App binding)."""
    async with demo_app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        old = demo_app.screen
        assert isinstance(old, ChecklistScreen)
        twin = ChecklistScreen(demo_app.config, demo_app.gateways)
        mounted = demo_app.push_screen(twin)
        assert demo_app.screen is twin and not twin.query("#bodies")  # the walk's moment
        for action in ("go(4)", "next", "back", "rerun", "rerun_all", "toggle_help"):
            assert await demo_app.run_action(action, twin) is False, action
        await mounted
        await settle(pilot)
        assert await demo_app.run_action("go(4)", twin)  # composed: the keys work again
        assert twin.step.id == "health"

        await old.retire()  # what the switch does to the wizard beneath its twin
        assert not old.children
        for action in ("go(2)", "next", "back", "rerun", "rerun_all"):
            assert await demo_app.run_action(action, old) is False, action
        await pilot.press("q")
        assert not demo_app.is_running
