"""The checklist's one way to run a step (wizard.steps): each check runs once a round, the gate
consumes the steps before it, and a gateway error is the step's inconclusive blocker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.errors import Unreachable
from wizard.gateways.factory import build_gateways
from wizard.steps import (
    CHECKLIST,
    Round,
    Step,
    StepCheck,
    StepStatus,
    run_all,
    run_step,
    step_by_id,
)

RAN: list[str] = []


def warns(round: Round) -> list[Finding]:
    RAN.append("warns")
    return [Finding("thing.old", Severity.WARN, "old", "renew it")]


def unreachable(round: Round) -> list[Finding]:
    RAN.append("unreachable")
    raise Unreachable("The API server did not answer.", fix="Check the VPN.")


def counts_earlier(round: Round) -> list[Finding]:
    RAN.append("counts")
    earlier = round.earlier("last")
    return [Finding("last", Severity.INFO, ",".join(f"{s.id}={s.state}" for s in earlier))]


def _step(step_id: str, check: StepCheck) -> Step:
    return Step(step_id, step_id.title(), "", "", "", check=check)


STEPS = (_step("first", warns), _step("second", unreachable), _step("last", counts_earlier))


@pytest.fixture
def config() -> CutoverConfig:
    return CutoverConfig(
        compose_files=(Path("/srv/app/compose.yaml"),),
        project_dir=Path("/srv/app"),
        project_name="app",
        demo=True,
    )


def test_a_round_runs_each_check_once_and_the_last_step_consumes_the_others(
    config: CutoverConfig,
) -> None:
    RAN.clear()
    round = Round(config, build_gateways(config), STEPS)
    results = round.all()
    assert RAN == ["warns", "unreachable", "counts"]  # `last` did not run them a second time
    assert [r.state for r in results] == ["warn", "unknown", "info"]
    assert results[2].findings[0].message == "first=warn,second=unknown"


def test_a_step_opened_alone_runs_the_steps_it_consumes(config: CutoverConfig) -> None:
    RAN.clear()
    result = Round(config, build_gateways(config), STEPS).run(STEPS[2])
    assert RAN == ["counts", "warns", "unreachable"]
    assert result.findings[0].message == "first=warn,second=unknown"


def test_a_gateway_error_is_the_steps_inconclusive_blocker_with_its_fix(
    config: CutoverConfig,
) -> None:
    result = Round(config, build_gateways(config), STEPS).run(STEPS[1])
    assert result == StepStatus(
        "second",
        "Second",
        "unknown",
        (
            Finding(
                "second",
                Severity.BLOCK,
                "The API server did not answer.",
                "Check the VPN.",
                inconclusive=True,
            ),
        ),
    )


def test_a_bug_in_a_check_is_not_hidden(config: CutoverConfig) -> None:
    broken = replace(STEPS[0], check="wizard.preflight:no_such_check")
    with pytest.raises(AttributeError):
        Round(config, build_gateways(config), (broken,)).run(broken)


def test_every_step_names_a_check_that_exists() -> None:
    assert [s.id for s in CHECKLIST][-1] == "gate"
    for step in CHECKLIST:
        assert callable(step.check_function()), step.id


def test_the_gate_step_over_the_demo_is_the_verdict_of_the_steps_before_it(
    config: CutoverConfig,
) -> None:
    gateways = build_gateways(config)
    every = run_all(config, gateways)
    gate = every[-1]
    assert gate.id == "gate" and gate.state == "block"
    blocked_steps = {s.title for s in every[:-1] if s.state in ("block", "unknown")}
    assert blocked_steps  # the sample's planted problems
    for title in blocked_steps:
        assert any(f.message.startswith(f"{title}: ") for f in gate.findings), title
    alone = run_step(step_by_id("gate"), config, gateways)
    assert alone.state == "block"
