"""CutoverConfig: precedence flags > environment > cutover.yaml > Compose defaults, and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wizard.config import Flags, normalise_project_name, resolve_config
from wizard.errors import ConfigError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n")
    return tmp_path


def test_defaults_found_the_way_compose_finds_them(project: Path) -> None:
    (project / "docker-compose.override.yml").write_text("services: {}\n")
    (project / ".env").write_text("A=1\n")
    config = resolve_config(Flags(), env={}, cwd=project)
    assert [p.name for p in config.compose_files] == [
        "docker-compose.yml",
        "docker-compose.override.yml",
    ]
    assert config.project_name == normalise_project_name(project.name)
    assert config.env_file == project / ".env"
    assert config.namespace is None and config.kubeconfig is None and config.docker_host is None


def test_compose_yaml_wins_over_docker_compose_yml(project: Path) -> None:
    (project / "compose.yaml").write_text("services: {}\n")
    config = resolve_config(Flags(), env={}, cwd=project)
    assert [p.name for p in config.compose_files] == ["compose.yaml"]


def test_flags_beat_environment_beat_file(project: Path) -> None:
    (project / "cutover.yaml").write_text(
        "project: fromfile\nnamespace: file-ns\ncontext: file-ctx\n"
    )
    env = {
        "COMPOSE_PROJECT_NAME": "fromenv",
        "KUBECONFIG": "/k/a:/k/b",
        "DOCKER_HOST": "ssh://ops@db1",
    }
    config = resolve_config(Flags(), env=env, cwd=project)
    assert config.project_name == "fromenv"
    assert config.namespace == "file-ns" and config.kube_context == "file-ctx"
    assert config.kubeconfig == "/k/a:/k/b" and config.docker_host == "ssh://ops@db1"
    flagged = resolve_config(
        Flags(project_name="FromFlag", namespace="flag-ns", docker_host="tcp://h:2375"),
        env=env,
        cwd=project,
    )
    assert flagged.project_name == "fromflag"
    assert flagged.namespace == "flag-ns" and flagged.docker_host == "tcp://h:2375"


def test_compose_file_from_environment_and_name_inside_it(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("name: shop\nservices: {}\n")
    (tmp_path / "b.yml").write_text("services: {}\n")
    config = resolve_config(Flags(), env={"COMPOSE_FILE": "a.yml:b.yml"}, cwd=tmp_path)
    assert [p.name for p in config.compose_files] == ["a.yml", "b.yml"]
    assert config.project_name == "shop"


def test_missing_compose_file_names_the_flag_and_the_file(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"-f/--file: file missing.yml does not exist"):
        resolve_config(Flags(compose_files=["missing.yml"]), env={}, cwd=project)


def test_no_compose_file_at_all_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        resolve_config(Flags(), env={}, cwd=tmp_path)
    assert "No Compose file" in err.value.message and "-f" in err.value.fix


def test_unknown_key_in_cutover_yaml_names_file_and_key(project: Path) -> None:
    (project / "cutover.yaml").write_text("namespase: x\n")
    with pytest.raises(ConfigError) as err:
        resolve_config(Flags(), env={}, cwd=project)
    assert "cutover.yaml" in err.value.message and "'namespase'" in err.value.message
    assert "namespace" in err.value.fix


def test_wrong_type_in_cutover_yaml_names_key_and_expectation(project: Path) -> None:
    (project / "cutover.yaml").write_text("services: [a, b]\n")
    with pytest.raises(ConfigError, match=r"cutover.yaml: key 'services': .*dictionary"):
        resolve_config(Flags(), env={}, cwd=project)


def test_broken_yaml_names_the_line(project: Path) -> None:
    (project / "cutover.yaml").write_text("namespace: a\nservices: {backend: [\n")
    with pytest.raises(ConfigError, match=r"cutover.yaml: line \d+ is not valid YAML"):
        resolve_config(Flags(), env={}, cwd=project)


def test_invalid_namespace_is_refused(project: Path) -> None:
    with pytest.raises(ConfigError, match="not a valid namespace"):
        resolve_config(Flags(namespace="Email_RAG"), env={}, cwd=project)


def test_cli_reports_missing_file_in_one_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cutover", "-f", "missing.yml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing.yml" in lines[0] and "Traceback" not in result.stderr


def test_cli_help_explains_every_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cutover", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for option in (
        "--file",
        "--project-name",
        "--env-file",
        "--docker-host",
        "--kubeconfig",
        "--context",
        "--namespace",
        "--selector",
        "--manifests",
        "--read-only",
        "--demo",
    ):
        assert option in result.stdout


def test_the_traffic_steps_settings_from_the_file_and_dns_from_the_flag(project: Path) -> None:
    (project / "cutover.yaml").write_text(
        "dns: [10.0.0.2, '127.0.0.1:5353']\ncompose_addresses: [203.0.113.5]\n"
        "smoke: {web: /healthz}\nquiet_below: 2048\n"
    )
    config = resolve_config(Flags(), env={}, cwd=project)
    assert config.dns_servers == ("10.0.0.2", "127.0.0.1:5353")
    assert config.compose_addresses == ("203.0.113.5",)
    assert dict(config.smoke_paths) == {"web": "/healthz"} and config.quiet_below == 2048
    flagged = resolve_config(Flags(dns_servers=["1.1.1.1"]), env={}, cwd=project)
    assert flagged.dns_servers == ("1.1.1.1",)  # the flag replaces the file's list
    (project / "cutover.yaml").write_text("smoke: [not, a, map]\n")
    with pytest.raises(ConfigError, match="smoke"):
        resolve_config(Flags(), env={}, cwd=project)
