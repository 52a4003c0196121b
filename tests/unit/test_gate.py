"""The gate's verdict, the down preview and plan, and a down over the demo's simulated engine.

The real Docker Engine is exercised in tests/integration/test_down.py; here the pure parts
(ordering, confirmation, acknowledgements, what goes into state.json) and the demo's down.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from wizard.checks import Finding, Severity
from wizard.compose import load_project
from wizard.compose.model import ComposeProject, ComposeService
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.demo import DemoComposeHost
from wizard.errors import ReadOnlyRefused, Unreachable
from wizard.gate import (
    DownPreview,
    DownProgress,
    GateClosed,
    NotConfirmed,
    acknowledge,
    combine,
    confirms,
    load_acknowledgements,
    plan_down,
    preview_down,
    rollback,
    save_acknowledgements,
    stop_order,
    take_down,
)
from wizard.model import ComposeContainer, ComposeNetwork, ComposeVolume
from wizard.state.audit import AuditLog
from wizard.state.store import StateFile
from wizard.status import StepStatus

READY = combine([StepStatus("preflight", "Preflight", "ok")])
DATA_SERVICES = {"postgres", "redis", "rabbitmq"}


def _services(**deps: list[str]) -> dict[str, ComposeService]:
    return {
        n: ComposeService(n, depends_on={d: "service_started" for d in ds})
        for n, ds in deps.items()
    }


def _demo(read_only: bool = False) -> tuple[CutoverConfig, DemoComposeHost, ComposeProject]:
    config = resolve_config(Flags(demo=True, read_only=read_only))
    return config, DemoComposeHost(config), load_project(config, compose_bin=None)


# --- order --------------------------------------------------------------------------------------


def test_stop_order_is_reverse_dependency_order() -> None:
    services = _services(
        frontend=["backend"],
        backend=["postgres", "redis"],
        worker=["redis", "broker"],
        postgres=[],
        redis=[],
        broker=[],
    )
    assert stop_order(services) == ["frontend", "worker", "backend", "redis", "postgres", "broker"]


def test_stop_order_survives_a_cycle_and_unknown_dependencies() -> None:
    services = _services(a=["b"], b=["a"], c=["missing"])
    assert sorted(stop_order(services)) == ["a", "b", "c"]


def test_demo_sample_stops_entry_points_first_data_services_last() -> None:
    _, _, project = _demo()
    order = stop_order(project.services)
    assert order[0] == "frontend"
    assert set(order[-len(DATA_SERVICES) :]) == DATA_SERVICES


# --- preview and plan ---------------------------------------------------------------------------


def test_plan_one_off_first_stopped_not_stopped_networks_last_external_kept() -> None:
    services = {
        "web": ComposeService("web", depends_on={"db": "service_started"}),
        "db": ComposeService("db", stop_grace_period_s=30.0),
    }
    preview = DownPreview(
        project="p",
        containers=(
            ComposeContainer("p-db-1", "db", "running"),
            ComposeContainer("p-web-1", "web", "running"),
            ComposeContainer("p-web-2", "web", "exited", number=2),
            ComposeContainer("p-old-1", "old", "running"),  # an orphan: not in the files
        ),
        one_off=(ComposeContainer("p-web-run-1", "web", "running", one_off=True),),
        networks=(ComposeNetwork("p_default"),),
        external_networks=(ComposeNetwork("shared", external=True),),
        volumes=(ComposeVolume("p_data", "data"),),
        images=(),
        command="docker compose -p p down",
    )
    project = ComposeProject("p", services)
    steps = [(s.action, s.name, s.timeout_s) for s in plan_down(preview, project)]
    assert steps == [
        ("stop", "p-web-run-1", 10.0),
        ("stop", "p-old-1", 10.0),
        ("stop", "p-web-1", 10.0),
        ("stop", "p-db-1", 30.0),
        ("remove", "p-web-run-1", 0.0),
        ("remove", "p-old-1", 0.0),
        ("remove", "p-web-1", 0.0),
        ("remove", "p-web-2", 0.0),
        ("remove", "p-db-1", 0.0),
        ("remove-network", "p_default", 0.0),
    ]


def test_preview_of_the_demo() -> None:
    config, host, _ = _demo()
    preview = preview_down(host, config.project_name)
    assert preview.command == "docker compose -p email-rag down"
    assert {c.service for c in preview.containers} >= {"frontend", "backend", "postgres"}
    assert preview.one_off == () and not preview.nothing_to_do
    assert all(not n.external for n in preview.networks) and preview.networks
    assert {v.volume for v in preview.volumes} >= {"postgres_data", "upload_data"}
    assert set(preview.volume_sizes.values()) == {None}
    assert preview.images


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("email-rag", True),
        ("  email-rag\n", True),
        ("Email-Rag", False),
        ("email-ra", False),
        ("email-rag2", False),
        ("", False),
    ],
)
def test_confirms_only_the_exact_name(typed: str, ok: bool) -> None:
    assert confirms(typed, "email-rag") is ok
    assert not confirms("", "")


# --- the gate -----------------------------------------------------------------------------------


def _steps() -> list[StepStatus]:
    return [
        StepStatus(
            "preflight",
            "Preflight",
            "warn",
            (
                Finding("docker.reachable", Severity.OK, "ok"),
                Finding("keyring", Severity.WARN, "no keyring", "install one"),
            ),
        ),
        StepStatus(
            "mapping",
            "Mapping diff",
            "warn",
            (Finding("backend/image", Severity.WARN, "latest tag", "pin it"),),
        ),
    ]


def test_gate_needs_every_warning_acknowledged() -> None:
    verdict = combine(_steps())
    assert not verdict.ready and not verdict.blockers
    assert [w.finding.check for w in verdict.unacknowledged] == ["keyring", "backend/image"]
    one = combine(_steps(), [acknowledge("keyring", who="ops")])
    assert not one.ready and [w.finding.check for w in one.unacknowledged] == ["backend/image"]
    both = combine(_steps(), [acknowledge("keyring"), acknowledge("backend/image")])
    assert both.ready and both.summary().startswith("Ready")
    assert [f.severity for f in both.as_findings()] == [Severity.OK]


def test_gate_acknowledgement_of_a_finding_covers_that_warning_only() -> None:
    first = Finding("secrets.init-only", Severity.WARN, "POSTGRES_PASSWORD only at init")
    second = Finding("secrets.init-only", Severity.WARN, "RABBITMQ_DEFAULT_PASS only at init")
    steps = [StepStatus("secrets", "Secrets", "warn", (first, second))]
    one = combine(steps, [acknowledge(first, who="ops")])
    assert [w.finding for w in one.unacknowledged] == [second]
    assert one.acknowledgements[0].fingerprint
    changed = Finding("secrets.init-only", Severity.WARN, "POSTGRES_PASSWORD changed")
    stale = combine([StepStatus("secrets", "Secrets", "warn", (changed,))], [acknowledge(first)])
    assert not stale.ready and stale.acknowledgements == ()
    both = combine(steps, [acknowledge(first), acknowledge(second)])
    assert both.ready


def test_gate_acknowledgement_of_a_gone_warning_is_dropped() -> None:
    verdict = combine(_steps(), [acknowledge("old-check"), acknowledge("keyring")])
    assert [a.check for a in verdict.acknowledgements] == ["keyring"]


def test_gate_blocks_on_block_inconclusive_and_unknown_steps() -> None:
    steps = [
        *_steps(),
        StepStatus("volumes", "Volumes", "unknown", note="not available yet"),
        StepStatus(
            "health",
            "Pod health",
            "unknown",
            (Finding("health", Severity.WARN, "cannot list pods", "rbac", inconclusive=True),),
        ),
        StepStatus(
            "secrets", "Secrets", "block", (Finding("secrets.missing", Severity.BLOCK, "x", "y"),)
        ),
    ]
    acks = [acknowledge("keyring"), acknowledge("backend/image"), acknowledge("health")]
    verdict = combine(steps, acks)
    assert not verdict.ready
    by_step = {i.step: i.finding for i in verdict.blockers}
    assert set(by_step) == {"volumes", "health", "secrets"}
    assert by_step["volumes"].message == "Cannot verify Volumes yet (not available yet)."
    assert by_step["volumes"].fix
    assert verdict.summary() == "Not ready: 3 blocker(s)."
    assert {f.check for f in verdict.as_findings()} == {
        "gate/volumes.unverified",
        "gate/health",
        "gate/secrets.missing",
    }


def test_acknowledgement_records_who_and_when_in_utc(tmp_path: Path) -> None:
    local = datetime(2025, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    ack = acknowledge("keyring", who="alice", when=local)
    assert (ack.check, ack.who, ack.when) == ("keyring", "alice", "2025-03-01T10:00:00+00:00")
    now = acknowledge("keyring")
    assert now.who and datetime.fromisoformat(now.when).tzinfo == UTC
    state = StateFile(tmp_path / ".cutover")
    warning = Finding("backend/image", Severity.WARN, "latest tag")
    save_acknowledgements(state, [ack, acknowledge(warning, who="bob")])
    assert acknowledge(warning, who="bob", when=local) in [
        a.__class__(a.check, a.who, ack.when, a.fingerprint) for a in load_acknowledgements(state)
    ]
    assert [(a.check, a.who) for a in load_acknowledgements(state)] == [
        ("backend/image", "bob"),
        ("keyring", "alice"),
    ]


# --- down over the demo engine ------------------------------------------------------------------


def test_demo_down_refuses_while_gate_closed_or_name_mistyped(tmp_path: Path) -> None:
    config, host, project = _demo()
    state = StateFile(tmp_path)
    closed = combine(_steps())
    with pytest.raises(GateClosed):
        take_down(host, project, verdict=closed, typed="email-rag", state=state)
    with pytest.raises(NotConfirmed):
        take_down(host, project, verdict=READY, typed="email_rag", state=state)
    assert all(c.state == "running" for c in host.project_containers(config.project_name))
    assert not state.path.exists()


def test_demo_read_only_refuses_in_the_gateway(tmp_path: Path) -> None:
    config, host, project = _demo(read_only=True)
    with pytest.raises(ReadOnlyRefused):
        host.stop_container("email-rag-frontend-1", 1)
    with pytest.raises(ReadOnlyRefused):
        take_down(host, project, verdict=READY, typed="email-rag", state=StateFile(tmp_path))
    assert all(c.state == "running" for c in host.project_containers(config.project_name))


def test_demo_down_whole_path_state_and_audit_hold_no_secret(tmp_path: Path) -> None:
    config, host, project = _demo()
    events: list[DownProgress] = []
    state = StateFile(tmp_path / ".cutover")
    audit = AuditLog(tmp_path / ".cutover")
    ack = acknowledge("keyring", who="ops")
    verdict = combine(_steps()[:1], [ack])
    result = take_down(
        host,
        project,
        verdict=verdict,
        typed="email-rag",
        state=state,
        on_progress=events.append,
        audit=audit,
    )
    assert result.ok, result.report()
    assert host.project_containers(config.project_name) == []
    assert host.project_networks(config.project_name) == []
    assert host.project_volumes(config.project_name)  # never removed
    stops = [e.step.service for e in events if e.step.action == "stop" and e.outcome == "done"]
    assert stops[0] == "frontend" and set(stops[-3:]) == DATA_SERVICES
    grace = {e.step.service: e.step.timeout_s for e in events if e.step.action == "stop"}
    assert grace["frontend"] == 10.0 and grace["celery"] == 120.0

    text = state.path.read_text() + audit.path.read_text()
    env = (config.env_file or Path()).read_text()
    values = [line.split("=", 1)[1] for line in env.splitlines() if "=" in line]
    assert values and not [v for v in values if v in text]
    saved = state.section("down")
    assert saved["status"] == "done" and saved["runs"] == 1
    assert saved["gate"]["acknowledgements"] == [ack.as_json()]
    assert {"step": "preflight", "check": "keyring", "severity": "warn"} in saved["gate"][
        "findings"
    ]
    assert oct(state.path.stat().st_mode & 0o777) == "0o600"
    (line,) = audit.read()
    assert line["result"] == "ok" and "email-rag-frontend-1" in line["keys"]


class FlakyHost:
    """The demo engine, lost after `calls` changes."""

    def __init__(self, inner: DemoComposeHost, calls: int) -> None:
        self.inner = inner
        self.calls = calls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name not in ("stop_container", "remove_container", "remove_network"):
            return attr

        def change(*args: Any) -> Any:
            if self.calls <= 0:
                raise Unreachable("Cannot reach the Docker Engine at demo://", fix="start it")
            self.calls -= 1
            return attr(*args)

        return change


def test_demo_down_interrupted_then_resumed(tmp_path: Path) -> None:
    _, host, project = _demo()
    state = StateFile(tmp_path)
    flaky = FlakyHost(host, calls=2)
    first = take_down(flaky, project, verdict=READY, typed="email-rag", state=state)
    assert not first.ok and len(first.done) == 2 and first.not_done
    assert first.not_done[0].action == "stop"
    saved = state.section("down")
    assert saved["status"] == "failed" and len(saved["done"]) == 2 and saved["not_done"]
    assert "Run down again" in first.report()[-1]

    second = take_down(host, project, verdict=READY, typed="email-rag", state=state)
    assert second.ok and second.resumed
    assert [s.key for s in second.done[:2]] == [s.key for s in first.done]
    assert state.section("down")["runs"] == 2
    # A later down starts afresh, not from the finished record.
    third = take_down(host, project, verdict=READY, typed="email-rag", state=state)
    assert third.ok and not third.resumed and third.done == ()


def test_rollback_names_the_files_env_file_host_and_dns(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services: {}\n")
    env = tmp_path / "prod.env"
    env.write_text("")
    config = resolve_config(
        Flags(
            compose_files=[str(compose)],
            project_name="shop",
            env_file=str(env),
            docker_host="ssh://ops@box",
        ),
        env={},
        cwd=tmp_path,
    )
    back = rollback(config)
    assert back.command == (
        f"DOCKER_HOST=ssh://ops@box docker compose -f {compose} --env-file {env} -p shop up -d"
    )
    assert "DNS" in back.text() and "volume" in back.text()
