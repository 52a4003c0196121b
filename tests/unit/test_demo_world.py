"""The demo replays what the operator did (wizard.demo.world, wizard.state.down_record): the
Secret applied, the copies, down; so reopening `cutover demo` shows the world they left (issue 15,
item 7). Kept in the demo's own state file (each test has one: tests/conftest.py), with key names
and digests only, never a value; `cutover demo --fresh` forgets it all."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cutover.arguments import help_text, parse
from cutover.cli import main
from screens.app import CutoverApp
from wizard.compose import load_project
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.data.record import CopyRecord as Copy
from wizard.data.record import Writer, save_record
from wizard.demo import DemoCluster, DemoComposeHost
from wizard.demo.world import NOT_KEPT, SECTION, kept_of, load_secrets, save_secret
from wizard.errors import ReadOnlyRefused
from wizard.gate import combine, rollback, take_down
from wizard.gate.down import SECTION as GATE_DOWN_SECTION
from wizard.gateways.factory import build_gateways
from wizard.model import SecretKeys
from wizard.preflight import check_docker
from wizard.secrets.apply import digest
from wizard.state.down_record import SECTION as DOWN_SECTION
from wizard.state.down_record import down_said, load_down, parse_down
from wizard.state.store import DEMO_STATE_ENV, StateFile, demo_state_dir, state_file_for
from wizard.status import StepStatus, print_status

SECRET = "email-rag-secrets"
# What an operator types: each long enough that finding it in the file would mean it leaked.
TYPED = {
    "postgres-password": "typed-Postgres-pw-7731",
    "rabbitmq-password": "typed-Rabbit-pw-2208",
    "openai-api-key": "sk-typed-openai-5599",
    "secret-key": "typed-app-secret-key-4410",
    "celery-broker-url": "amqp://pstrag:typed-Rabbit-pw-2208@rabbitmq:5672//",
}
READY = combine([StepStatus("preflight", "Preflight", "ok")])


@pytest.fixture
def planted() -> CutoverConfig:
    return resolve_config(Flags(demo=True))


@pytest.fixture
def fixed() -> CutoverConfig:
    return resolve_config(Flags(demo=True, demo_fixed=True))


def _down(config: CutoverConfig) -> None:
    """Down, as the gate runs it, over the demo's host, recorded in the demo's state file."""
    host = DemoComposeHost(config)
    project = load_project(config, compose_bin=None)
    state = state_file_for(config)
    result = take_down(host, project, verdict=READY, typed="email-rag", state=state)
    assert result.ok


# --- the Secret -----------------------------------------------------------------------------------


def test_an_applied_secret_is_there_on_reopening_and_its_pods_run(planted: CutoverConfig) -> None:
    first = DemoCluster(planted)
    before = first.pod_rows()
    first.create_secret(SECRET, TYPED, {"app.kubernetes.io/managed-by": "compose-cutover"})

    again = DemoCluster(planted)  # the next `cutover demo`
    secret = again.read_secret_keys(SECRET)
    assert secret is not None
    assert secret.digests == dict.fromkeys(TYPED, NOT_KEPT)  # keys kept, never their values
    assert secret.labels == {"app.kubernetes.io/managed-by": "compose-cutover"}
    rows = again.pod_rows()
    waited = [n for n, row in before.items() if row.status == "CreateContainerConfigError"]
    assert {before[n].workload for n in waited} >= {"email-rag-backend", "rabbitmq"}
    assert all(rows[n].status == "Running" for n in waited)
    assert all(row.status == "Running" for row in again.pod_rows("component=celery").values())


def test_a_live_demo_reopened_after_the_secret_has_its_pods_up_at_once(
    planted: CutoverConfig,
) -> None:
    """A live demo brings its pods up one by one over seconds; reopened with the Secret kept,
    they have been up since the earlier run (checks run at opening must not find them
    ContainerCreating), while a first run still shows them coming up."""
    first = DemoCluster(planted, settled=False)
    assert {row.status for row in first.pod_rows().values()} == {"ContainerCreating", "Pending"}
    first.create_secret(SECRET, TYPED, {})
    again = DemoCluster(planted, settled=False)
    statuses = {row.workload: row.status for row in again.pod_rows().values()}
    assert statuses["email-rag-backend"] == statuses["email-rag-celery"] == "Running"
    assert statuses["postgres"] == "Pending"  # the planted demo's claim still waits


def test_the_state_file_holds_key_names_never_a_value_nor_its_digest(
    planted: CutoverConfig,
) -> None:
    cluster = DemoCluster(planted)
    cluster.create_secret(SECRET, dict(TYPED), {})
    changed = "typed-Postgres-pw-CHANGED-0042"
    cluster.patch_secret(SECRET, {"postgres-password": changed}, remove=("openai-api-key",))
    raw = state_file_for(planted).path.read_bytes()
    for value in [*TYPED.values(), changed]:
        assert value.encode() not in raw
        assert digest(value).encode() not in raw  # a weak value is found from its digest
    kept = load_secrets(state_file_for(planted), "email-rag")[SECRET]
    assert set(kept.secret.digests) == set(TYPED) - {"openai-api-key"}
    assert set(kept.secret.digests.values()) == {NOT_KEPT}
    assert kept.by and kept.applied.endswith("+00:00")
    assert DemoCluster(planted).read_secret_keys(SECRET) == kept.secret


def test_an_entry_this_version_cannot_read_is_left_out(planted: CutoverConfig) -> None:
    """A section written by hand (or by an older version, with digests): that Secret shows as
    not applied, which the operator can redo; nothing read from it reaches the cluster."""
    state = state_file_for(planted)
    save_secret(state, SecretKeys(SECRET, "email-rag", {"secret-key": digest("x")}, {}))
    world = state.section(SECTION)
    entry = world["secrets"][f"email-rag/{SECRET}"]
    entry["digests"] = {"secret-key": digest("x")}
    entry["keys"] = "secret-key"
    state.write_section(SECTION, world)
    assert DemoCluster(planted).read_secret_keys(SECRET) is None


def test_another_namespace_and_a_broken_section_replay_nothing(planted: CutoverConfig) -> None:
    state = state_file_for(planted)
    save_secret(state, SecretKeys(SECRET, "elsewhere", {"a": digest("x")}, {}))
    assert DemoCluster(planted).read_secret_keys(SECRET) is None
    state.write_section(SECTION, {"secrets": {"x": {"name": SECRET}}})  # no namespace, no keys
    assert DemoCluster(planted).read_secret_keys(SECRET) is None
    state.write_section(SECTION, ["not", "an", "object"])
    assert DemoCluster(planted).read_secret_keys(SECRET) is None


def test_read_only_replays_but_writes_nothing(planted: CutoverConfig) -> None:
    DemoCluster(planted).create_secret(SECRET, TYPED, {})
    before = state_file_for(planted).path.read_bytes()
    watcher = DemoCluster(resolve_config(Flags(demo=True, read_only=True)))
    assert watcher.read_secret_keys(SECRET) is not None
    with pytest.raises(ReadOnlyRefused):
        watcher.patch_secret(SECRET, {"secret-key": "other-value-123"})
    assert state_file_for(planted).path.read_bytes() == before


def test_the_fixed_demo_keeps_a_world_of_its_own(
    planted: CutoverConfig, fixed: CutoverConfig
) -> None:
    DemoCluster(fixed).create_secret(SECRET, TYPED, {})
    assert DemoCluster(fixed).read_secret_keys(SECRET) is not None
    assert DemoCluster(planted).read_secret_keys(SECRET) is None


# --- down ----------------------------------------------------------------------------------------


def test_the_down_section_is_the_one_the_gate_writes() -> None:
    assert DOWN_SECTION == GATE_DOWN_SECTION


def test_a_finished_down_stays_done_on_reopening(fixed: CutoverConfig) -> None:
    _down(fixed)
    host = DemoComposeHost(fixed)
    assert host.project_containers("email-rag") == []
    assert host.project_networks("email-rag") == []
    assert host.project_names() == []  # an engine knows projects by their containers
    assert len(host.project_volumes("email-rag")) == 5  # down never removes them
    down = load_down(state_file_for(fixed), "email-rag")
    assert down is not None and down.finished_ok and down.by and down.finished


def test_an_interrupted_down_replays_only_what_it_did(fixed: CutoverConfig) -> None:
    state = state_file_for(fixed)
    state.write_section(
        DOWN_SECTION,
        {
            "project": "email-rag",
            "status": "failed",
            "done": [
                {"action": "stop", "name": "email-rag-frontend-1", "service": "frontend"},
                {"action": "remove", "name": "email-rag-celery-1", "service": "celery"},
            ],
        },
    )
    containers = {c.name: c.state for c in DemoComposeHost(fixed).project_containers("email-rag")}
    assert containers["email-rag-frontend-1"] == "exited"
    assert "email-rag-celery-1" not in containers
    assert containers["email-rag-backend-1"] == "running"
    assert "interrupted" in down_said(load_down(state, "email-rag"))


def test_down_of_another_project_or_an_odd_record_is_no_down(fixed: CutoverConfig) -> None:
    state = state_file_for(fixed)
    state.write_section(DOWN_SECTION, {"project": "shop", "status": "done", "done": []})
    assert load_down(state, "email-rag") is None
    assert len(DemoComposeHost(fixed).project_containers("email-rag")) > 0
    assert parse_down(["a", "list"], "email-rag") is None
    odd = parse_down({"project": "p", "status": "done", "done": "x", "gate": 3}, "p")
    assert odd is not None and odd.steps_done == () and odd.by == ""
    assert down_said(parse_down({"project": "p", "status": "?"}, "p")) == ""


def test_preflight_after_down_says_down_removed_them_and_how_to_roll_back(
    fixed: CutoverConfig,
) -> None:
    _down(fixed)
    found = check_docker(fixed, build_gateways(fixed))
    project = next(f for f in found if f.check == "docker.project")
    assert "cutover's down removed them" in project.message
    assert rollback(fixed).command in project.fix
    assert "DOCKER_HOST" not in project.fix.split("To roll back:")[0]  # not "check DOCKER_HOST"


def test_status_after_down_says_it_ran_first_within_40_lines(fixed: CutoverConfig) -> None:
    DemoCluster(fixed).create_secret(SECRET, TYPED, {})
    _down(fixed)
    out = io.StringIO()
    print_status(fixed, build_gateways(fixed), out, width=80)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("BLOCKED — ")  # the verdict stays first
    assert lines[1].startswith("DOWN RAN — email-rag taken down ")
    said = " ".join(line.strip() for line in lines[1:7])
    assert rollback(fixed).command in said and "cutover demo --fixed --fresh" in said
    assert len(lines) <= 40 and max(map(len, lines)) <= 80
    assert out.getvalue().count("To roll back") == 0  # the fix is not repeated above it

    out = io.StringIO()
    print_status(fixed, build_gateways(fixed), out, as_json_output=True)
    down = json.loads(out.getvalue())["down"]
    assert down["status"] == "done" and down["by"] and down["rollback"] == rollback(fixed).command


def test_status_without_a_down_says_nothing_of_it(planted: CutoverConfig) -> None:
    out = io.StringIO()
    print_status(planted, build_gateways(planted), out, width=80)
    assert "DOWN" not in out.getvalue()
    out = io.StringIO()
    print_status(planted, build_gateways(planted), out, as_json_output=True)
    assert json.loads(out.getvalue())["down"] is None


# --- what the greeting is told; --fresh ---------------------------------------------------------


def test_kept_counts_the_secret_the_verified_copies_and_down(fixed: CutoverConfig) -> None:
    assert not kept_of(fixed)
    DemoCluster(fixed).create_secret(SECRET, TYPED, {})
    state = state_file_for(fixed)
    for volume, outcome in (("redis_data", "verified"), ("upload_data", "failed")):
        save_record(state, Copy(volume, "files", outcome, "t", "1 file", (Writer("w", "x"),)))
    _down(fixed)
    kept = kept_of(fixed)
    assert [a.secret.name for a in kept.secrets] == [SECRET]
    assert kept.copies == 1 and kept.down is not None and kept.down.finished_ok


def test_fresh_demo_starts_its_world_clean(
    fixed: CutoverConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    DemoCluster(fixed).create_secret(SECRET, TYPED, {})
    _down(fixed)
    state = state_file_for(fixed)
    state.write_section("progress", {"step": "gate", "saved": "2026-01-01T00:00:00+00:00"})
    monkeypatch.setattr(CutoverApp, "run", lambda self: None)
    assert main(["demo", "--fixed", "--fresh"]) == 0
    assert json.loads(state.path.read_text()) == {"version": 1}
    assert DemoCluster(fixed).read_secret_keys(SECRET) is None
    assert len(DemoComposeHost(fixed).project_containers("email-rag")) == 6


def test_fresh_on_a_real_project_keeps_its_down_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    monkeypatch.chdir(tmp_path)
    state = StateFile(tmp_path / ".cutover")
    state.write_section(DOWN_SECTION, {"project": "x", "status": "failed"})
    state.write_section("data", {"v": {}})
    monkeypatch.setattr(CutoverApp, "run", lambda self: None)
    assert main(["--fresh"]) == 0
    assert set(json.loads(state.path.read_text())) == {"version", "down", "data"}


def test_help_says_where_the_demo_keeps_its_state(fixed: CutoverConfig) -> None:
    said = " ".join(help_text(parse(["demo", "--help"])).split())
    default = demo_state_dir({}) / "state.json"
    assert str(default).replace(str(Path.home()), "~", 1) in said
    assert "$XDG_STATE_HOME/compose-cutover/demo/state.json" in said
    assert state_file_for(fixed).path == demo_state_dir() / "fixed" / "state.json"
    assert DEMO_STATE_ENV == "CUTOVER_DEMO_STATE_DIR"
    assert "demo/fixed/state.json" in said and "CUTOVER_DEMO_STATE_DIR" in said
    assert "never a value" in said and "--fresh forgets all of it" in said
    fresh = " ".join(help_text(parse(["--help"])).split())
    assert "the demo forgets its whole simulated world too" in fresh
