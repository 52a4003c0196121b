"""The saved place in the checklist (state.json `progress`) and where the demo keeps it."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.state.progress import (
    SavedPlace,
    forget_progress,
    load_progress,
    save_progress,
    when_shown,
)
from wizard.state.store import StateFile, demo_state_dir, state_file_for


def test_saved_place_round_trips_and_keeps_other_sections(tmp_path: Path) -> None:
    state = StateFile(tmp_path / ".cutover")
    state.write_section("down", {"status": "done"})
    save_progress(state, "health", now=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    progress = load_progress(state)
    assert progress is not None
    assert (progress.step, progress.index, progress.title) == ("health", 4, "Pod health")
    assert when_shown(progress.saved) == "2026-03-01 09:30 UTC"
    assert state.section("down") == {"status": "done"}
    assert (tmp_path / ".cutover" / "state.json").stat().st_mode & 0o777 == 0o600


def test_a_step_this_version_lacks_is_no_place(tmp_path: Path) -> None:
    state = StateFile(tmp_path)
    state.write_section("progress", {"step": "dns-switch", "saved": "x"})
    assert load_progress(state) is None
    state.write_section("progress", "health")  # not an object
    assert load_progress(state) is None


def test_forget_keeps_the_down_record_and_writes_nothing_when_nothing_is_saved(
    tmp_path: Path,
) -> None:
    empty = StateFile(tmp_path / "empty")
    forget_progress(empty)
    assert not (tmp_path / "empty").exists()

    state = StateFile(tmp_path / "full")
    save_progress(state, "gate")
    state.write_section("acknowledgements", [{"check": "c", "who": "w", "when": "t"}])
    state.write_section("down", {"runs": 1})
    forget_progress(state)
    assert json.loads(state.path.read_text()) == {"version": 1, "down": {"runs": 1}}


def test_demo_state_lives_in_the_users_state_folder_not_the_sample(tmp_path: Path) -> None:
    assert demo_state_dir({"CUTOVER_DEMO_STATE_DIR": str(tmp_path)}) == tmp_path
    xdg = demo_state_dir({"XDG_STATE_HOME": str(tmp_path / "xdg")})
    assert xdg == tmp_path / "xdg" / "compose-cutover" / "demo"


def test_a_real_project_keeps_its_place_beside_its_compose_file(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    config = resolve_config(Flags(), env={}, cwd=tmp_path)
    place = SavedPlace(config)
    assert place.save("mapping") is True
    assert state_file_for(config).path == tmp_path / ".cutover" / "state.json"
    assert load_progress(place.state) is not None


def test_read_only_never_writes_the_place(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    config: CutoverConfig = resolve_config(Flags(read_only=True), env={}, cwd=tmp_path)
    assert SavedPlace(config).save("mapping") is None
    assert not (tmp_path / ".cutover").exists()


def test_a_place_that_cannot_be_saved_warns_once(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    config = resolve_config(Flags(), env={}, cwd=tmp_path)
    (tmp_path / ".cutover").write_text("a file where the folder should be")
    place = SavedPlace(dataclasses.replace(config))
    assert place.save("mapping") is False
    assert "Progress is not being saved" in place.problem
    assert place.save("health") is None  # already said once


def test_the_fixed_demo_keeps_its_place_apart_from_the_planted_one(demo_state_dir: Path) -> None:
    planted = state_file_for(resolve_config(Flags(demo=True)))
    fixed = state_file_for(resolve_config(Flags(demo=True, demo_fixed=True)))
    assert planted.path == demo_state_dir / "state.json"
    assert fixed.path == demo_state_dir / "fixed" / "state.json"
