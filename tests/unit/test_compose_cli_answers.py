"""A Compose CLI that runs but does not answer as Compose v2 does: nothing, text that is not
JSON, JSON that is no project, a v1 or a foreign version. Each is said with the path that ran
and what to do, never with its output (it holds the project's values); CUTOVER_COMPOSE_BIN=
built-in reads the files with cutover's own loader whatever is installed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from wizard.compose import ComposeFileError, load_project
from wizard.compose.composecli import find_compose_cli
from wizard.config import CutoverConfig
from wizard.errors import ConfigError

SECRET = "s3cr3t-in-the-yaml"
VERSION_2 = '[ "$1" = version ] && { echo 2.40.3; exit 0; }\n'


def fake_compose(directory: Path, script: str, name: str = "docker-compose") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def project_in(directory: Path) -> CutoverConfig:
    (directory / "compose.yaml").write_text(
        f"services:\n  db:\n    image: postgres:16\n    environment: {{POSTGRES_PASSWORD: {SECRET}}}\n"
    )
    return CutoverConfig(
        compose_files=(directory / "compose.yaml",), project_dir=directory, project_name="p"
    )


@pytest.mark.parametrize(
    ("config_output", "said"),
    [
        ("", r"exited 0 and printed nothing"),
        ("echo", r"exited 0 and printed nothing"),
        (
            f"printf 'services:\\n  db:\\n    environment:\\n      P: {SECRET}\\n'",
            r"printed 4 lines that are not JSON",
        ),
        ("echo '[1, 2]'", r"printed JSON that is not a Compose project \(a list"),
        ("echo '{\"services\": [1]}'", r"printed JSON that is not a Compose project"),
    ],
)
def test_a_cli_that_answers_config_with_no_project_is_named_with_what_to_do(
    tmp_path: Path, config_output: str, said: str
) -> None:
    wrapper = fake_compose(tmp_path / "bin", VERSION_2 + config_output + "\nexit 0\n")
    env = {"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path)}
    with pytest.raises(ComposeFileError, match=said) as failed:
        load_project(project_in(tmp_path), environ=env)
    error = failed.value
    assert str(wrapper) in error.message  # what ran, by its path
    assert "Expecting value" not in error.message
    assert "CUTOVER_COMPOSE_BIN=built-in" in error.fix
    assert "docker compose" in error.fix
    assert SECRET not in error.message and SECRET not in error.fix


def test_built_in_asks_for_cutovers_own_loader_whatever_is_on_path(tmp_path: Path) -> None:
    fake_compose(tmp_path / "bin", VERSION_2 + "exit 0\n")  # would print nothing
    env = {"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path), "CUTOVER_COMPOSE_BIN": "built-in"}
    assert find_compose_cli(None, env) is None
    assert load_project(project_in(tmp_path), environ=env).source == "built-in"


@pytest.mark.parametrize(
    ("version_output", "answered"),
    [
        ("", r"no version \(it printed nothing usable\)"),
        ("echo 1.29.2", r"answered Compose 1\.29\.2"),
        ("echo 'docker-compose version 1.29.2, build 5becea4c'", r"answered Compose 1\.29\.2"),
        ("echo 'Python 3.11.7'", r"no version"),
    ],
)
def test_an_explicit_cli_that_is_not_v2_is_refused_by_path(
    tmp_path: Path, version_output: str, answered: str
) -> None:
    wrapper = fake_compose(tmp_path, version_output + "\nexit 0\n", name="old-compose")
    with pytest.raises(ConfigError, match=answered) as failed:
        find_compose_cli(None, {"PATH": "", "CUTOVER_COMPOSE_BIN": str(wrapper)})
    assert str(wrapper) in failed.value.message
    assert "CUTOVER_COMPOSE_BIN=built-in" in failed.value.fix


@pytest.mark.parametrize(
    "version_output",
    ["", "echo 1.29.2", "echo 'Python 3.11.7'", "echo 'pip 23.0 from /usr/lib'"],
)
def test_a_found_cli_that_is_not_v2_is_passed_over(tmp_path: Path, version_output: str) -> None:
    # On PATH (not chosen by the operator), a wrapper or Compose v1 is passed over for the
    # built-in loader, as before: it is never asked for the project.
    fake_compose(tmp_path / "bin", version_output + "\necho '[]'\n")
    env = {"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path)}
    assert find_compose_cli(None, env) is None
    assert load_project(project_in(tmp_path), environ=env).source == "built-in"


@pytest.mark.parametrize(
    ("output", "version"),
    [
        ("2.40.3", "2.40.3"),
        ("v2.40.3", "2.40.3"),
        ("Docker Compose version v2.29.1-desktop.1", "2.29.1-desktop.1"),
    ],
)
def test_compose_v2_version_forms(tmp_path: Path, output: str, version: str) -> None:
    fake_compose(tmp_path, f"echo '{output}'\n")
    found = find_compose_cli(None, {"PATH": str(tmp_path)})
    assert found is not None and found.version == version
