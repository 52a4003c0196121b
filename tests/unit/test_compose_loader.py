"""The built-in Compose loader: interpolation, env files, YAML, merging, and its error messages.

What the real Compose CLI does is checked by the differential test over `compose_corpus/`; these
tests pin the edge cases and the messages an operator reads when a project cannot be loaded.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from wizard.compose import ComposeFileError, ComposeProject, MissingVariable, load_project
from wizard.compose.composecli import find_compose_cli
from wizard.compose.dotenv import parse_env
from wizard.compose.interpolate import InvalidTemplate, RequiredVariable, substitute
from wizard.compose.model import Healthcheck, Mount, PortMapping
from wizard.compose.units import go_float_text, parse_duration, parse_memory
from wizard.compose.yamlfile import parse_yaml
from wizard.config import CutoverConfig, Flags, resolve_config
from wizard.errors import ConfigError

ENV = {"SET": "value", "EMPTY": "", "OTHER": "other"}


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def config_for(directory: Path, *files: str, env_file: str | None = None) -> CutoverConfig:
    return CutoverConfig(
        compose_files=tuple(directory / f for f in files or ("compose.yaml",)),
        project_dir=directory,
        project_name="proj",
        env_file=directory / env_file if env_file else None,
    )


def load(
    directory: Path,
    *files: str,
    environ: dict[str, str] | None = None,
    profiles: list[str] | None = None,
) -> ComposeProject:
    """The built-in loader over `directory` (its .env too, when there is one)."""
    env_file = ".env" if (directory / ".env").is_file() else None
    return load_project(
        config_for(directory, *files, env_file=env_file),
        None,
        environ={"HOME": "/home/op", **(environ or {})},
        profiles=profiles,
    )


# --- interpolation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${SET}", "value"),
        ("$SET", "value"),
        ("$SET.txt", "value.txt"),
        ("${UNSET}", ""),
        ("${UNSET:-default}", "default"),
        ("${EMPTY:-default}", "default"),
        ("${SET:-default}", "value"),
        ("${UNSET-default}", "default"),
        ("${EMPTY-default}", ""),
        ("${SET:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${UNSET:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET+alt}", ""),
        ("${UNSET:-${OTHER}}", "other"),
        ("${UNSET:-${ALSO_UNSET:-deep}}", "deep"),
        ("${UNSET:-{braces}}", "{braces}"),
        ("${UNSET:-x}y}", "xy}"),
        ("${UNSET:-a:b=c}", "a:b=c"),
        ("$$", "$"),
        ("$${SET}", "${SET}"),
        ("$$$SET", "$value"),
        ("cost $5 and $ alone and at the end $", "cost $5 and $ alone and at the end $"),
        ("no variables", "no variables"),
        ("${SET}${OTHER}", "valueother"),
    ],
)
def test_substitute(template: str, expected: str) -> None:
    assert substitute(template, ENV.get) == expected


@pytest.mark.parametrize("template", ["${unclosed", "${1BAD}", "${A B}", "${A:=x}", "${}"])
def test_invalid_templates(template: str) -> None:
    with pytest.raises(InvalidTemplate):
        substitute(template, ENV.get)


def test_required_forms() -> None:
    with pytest.raises(RequiredVariable, match=r"^required variable X is missing a value: why$"):
        substitute("${X:?why}", ENV.get)
    with pytest.raises(RequiredVariable, match=r"^required variable X is missing a value$"):
        substitute("${X?}", ENV.get)
    with pytest.raises(RequiredVariable, match="EMPTY"):
        substitute("${EMPTY:?must not be empty}", ENV.get)
    assert substitute("${EMPTY?may be empty}", ENV.get) == ""
    assert substitute("${SET:?unused}", ENV.get) == "value"
    # The message is itself interpolated.
    with pytest.raises(RequiredVariable, match="missing a value: set value"):
        substitute("${X:?set ${SET}}", ENV.get)


def test_nested_required_is_evaluated_eagerly_like_compose() -> None:
    # Compose substitutes the default even when the variable is set, so a `:?` inside fails.
    with pytest.raises(RequiredVariable, match="NOPE"):
        substitute("${SET:-${NOPE:?inner}}", ENV.get)


# --- errors with file, line and column -------------------------------------------------------


def test_missing_required_variable_names_variable_message_and_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  db:\n    image: postgres\n    environment:\n"
        "      POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD in .env}\n",
    )
    with pytest.raises(MissingVariable) as caught:
        load(tmp_path)
    error = caught.value
    assert error.variable == "DB_PASSWORD" and error.detail == "set DB_PASSWORD in .env"
    assert "required variable DB_PASSWORD is missing a value: set DB_PASSWORD in .env" in str(error)
    assert f"{tmp_path / 'compose.yaml'}:5:26" in str(error)
    assert "services.db.environment.POSTGRES_PASSWORD" in str(error)
    assert (error.file, error.line, error.column) == (tmp_path / "compose.yaml", 5, 26)
    assert "DB_PASSWORD" in error.fix
    # Defined in the environment (even empty, for `?`), it loads.
    write(tmp_path, "compose.yaml", "services:\n  db:\n    image: postgres${TAG?}\n")
    assert load(tmp_path, environ={"TAG": ""}).services["db"].image == "postgres"


def test_required_variable_in_the_second_file_names_that_file(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n")
    write(tmp_path, "prod.yaml", "services:\n  a:\n    image: ${IMAGE?}\n")
    with pytest.raises(MissingVariable, match=r"prod\.yaml:3:12") as caught:
        load(tmp_path, "compose.yaml", "prod.yaml")
    assert str(caught.value).endswith("required variable IMAGE is missing a value")


def test_broken_yaml_reports_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n   bad: [\n")
    with pytest.raises(ComposeFileError) as caught:
        load(tmp_path)
    error = caught.value
    assert (error.file, error.line, error.column) == (path, 4, 4)
    assert str(error).startswith(f"{path}:4:4: invalid YAML")
    assert error.fix


def test_unclosed_flow_sequence_and_tab_indentation(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  a:\n    ports: [80, 443\n")
    with pytest.raises(ComposeFileError, match=r"compose.yaml:4:1: invalid YAML"):
        load(tmp_path)
    write(tmp_path, "compose.yaml", "services:\n\ta:\n")
    with pytest.raises(ComposeFileError, match=r"compose.yaml:2:1: invalid YAML"):
        load(tmp_path)


def test_duplicate_keys_are_errors_with_both_lines(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n    image: y\n")
    with pytest.raises(ComposeFileError, match=r":4:5: .*'image' is already defined at line 3"):
        load(tmp_path)


def test_missing_compose_file(tmp_path: Path) -> None:
    with pytest.raises(ComposeFileError, match=r"Compose file .*nope.yaml does not exist") as c:
        load(tmp_path, "nope.yaml")
    assert "-f" in c.value.fix


def test_invalid_interpolation_names_the_key(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  a:\n    image: ${TAG\n")
    with pytest.raises(ComposeFileError, match=r":3:12: invalid interpolation format for"):
        load(tmp_path)


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("ports: ['80:80:80:80']", r"services.a.ports\[0\]: invalid port"),
        ("ports: ['8000-8002:80-81']", "ranges differ"),
        ("healthcheck: {interval: 10}", "healthcheck.interval: must be a string"),
        ("healthcheck: {interval: 10x}", "not a duration"),
        ("stop_grace_period: soon", "not a duration"),
        ("deploy: {resources: {limits: {memory: lots}}}", "not a memory size"),
        ("deploy: {replicas: many}", "deploy.replicas: expected a whole number"),
        ("environment: 3", "expected a list of KEY=value or a mapping"),
        ('command: "sh -c \'unclosed"', "cannot split"),
        ("scale: 2\n    deploy: {replicas: 3}", "distinct values on 'scale' and 'deploy.replicas'"),
        ("extends: {service: b}", "not supported by cutover's built-in Compose loader"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path: Path, snippet: str, message: str) -> None:
    write(tmp_path, "compose.yaml", f"services:\n  a:\n    image: x\n    {snippet}\n")
    with pytest.raises(ComposeFileError, match=message) as caught:
        load(tmp_path)
    assert str(tmp_path / "compose.yaml") in str(caught.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  a:\n    image: x\n    volumes: [data:/d]\n", "refers to undefined volume 'data'"),
        ("  a:\n    image: x\n    networks: [front]\n", "refers to undefined network 'front'"),
        ("  a:\n    image: x\n    depends_on: [b]\n", "depends on undefined service 'b'"),
        ("  a:\n    environment: {A: b}\n", "neither an image nor a build context"),
        (
            "  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    profiles: [p]\n",
            "depends on undefined service 'b'",
        ),
    ],
)
def test_project_level_errors(tmp_path: Path, body: str, message: str) -> None:
    write(tmp_path, "compose.yaml", "services:\n" + body)
    with pytest.raises(ComposeFileError, match=message):
        load(tmp_path)


def test_missing_env_file(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n    env_file: app.env\n")
    with pytest.raises(ComposeFileError, match=r"Env file .*app.env does not exist") as caught:
        load(tmp_path)
    assert "required: false" in caught.value.fix
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  a:\n    image: x\n    env_file: [{path: app.env, required: false}]\n",
    )
    assert load(tmp_path).services["a"].environment == {}


def test_bad_env_file_line(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n    env_file: app.env\n")
    write(tmp_path, "app.env", "A=1\nBAD KEY=2\n")
    with pytest.raises(ComposeFileError, match=r"app.env:2: key 'BAD KEY' cannot contain a space"):
        load(tmp_path)
    write(tmp_path, "app.env", 'A=1\nB="unterminated\nC=3\n')
    with pytest.raises(ComposeFileError, match=r"app.env:2: unterminated quoted value"):
        load(tmp_path)
    write(tmp_path, "app.env", "A=${NEEDED:?fill it in}\n")
    with pytest.raises(MissingVariable, match=r"app.env:1: required variable NEEDED"):
        load(tmp_path)


def test_secret_values_are_not_in_error_messages(tmp_path: Path) -> None:
    write(tmp_path, ".env", "DB_PASSWORD=hunter2\n")
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  a:\n    image: x\n    environment:\n"
        "      URL: postgres://u:${DB_PASSWORD}@db/${DB_NAME:?DB_NAME is required}\n",
    )
    with pytest.raises(MissingVariable) as caught:
        load(tmp_path)
    assert "hunter2" not in str(caught.value) and "hunter2" not in caught.value.fix


# --- the model --------------------------------------------------------------------------------


def test_the_model_of_a_small_project(tmp_path: Path) -> None:
    write(tmp_path, ".env", "TAG=1.2\nPUBLIC_PORT=8080\n")
    write(
        tmp_path,
        "compose.yaml",
        """
x-health: &health
  interval: 1m30s
  timeout: 1500ms
services:
  web:
    image: example/web:${TAG}
    ports: ["${PUBLIC_PORT}:80", "127.0.0.1:9000-9001:9000-9001/udp"]
    volumes: ["./conf:/etc/web:ro", "data:/data", "~/keys:/keys"]
    healthcheck:
      <<: *health
      test: curl -f http://localhost/
    depends_on: [db]
    deploy:
      replicas: 2
      resources: {limits: {cpus: "0.50", memory: 512M}, reservations: {memory: 1g}}
    stop_grace_period: 1m
  db:
    build: ./db
    healthcheck: {disable: true}
volumes:
  data:
""",
    )
    project = load(tmp_path, environ={"HOME": "/home/op"})
    web = project.services["web"]
    assert project.source == "built-in" and project.name == "proj"
    assert web.image == "example/web:1.2" and not web.build
    assert web.ports == (
        PortMapping(target=80, published="8080"),
        PortMapping(target=9000, published="9000", protocol="udp", host_ip="127.0.0.1"),
        PortMapping(target=9001, published="9001", protocol="udp", host_ip="127.0.0.1"),
    )
    assert web.mounts == (
        Mount("volume", "data", "/data"),
        Mount("bind", str(tmp_path / "conf"), "/etc/web", read_only=True),
        Mount("bind", "/home/op/keys", "/keys"),
    )
    assert web.healthcheck == Healthcheck(
        test=("CMD-SHELL", "curl -f http://localhost/"), interval_s=90.0, timeout_s=1.5
    )
    assert web.depends_on == {"db": "service_started"}
    assert web.replicas == 2 and web.stop_grace_period_s == 60.0
    assert web.resources.cpu_limit == "0.5"
    assert web.resources.memory_limit_bytes == 512 * 1024**2
    assert web.resources.memory_reservation_bytes == 1024**3
    db = project.services["db"]
    assert db.build and db.image == ""
    assert db.healthcheck == Healthcheck(test=("NONE",), disabled=True)
    assert project.volumes["data"].name == "proj_data"
    assert project.networks == ("default",)


def test_environment_sources_and_precedence(tmp_path: Path) -> None:
    write(tmp_path, ".env", "FROM_DOTENV=dotenv\nBOTH=dotenv\n")
    write(tmp_path, "app.env", "IN_FILE=file\nOVERRIDDEN=file\nREF=${BOTH}\n")
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  a:\n    image: x\n    env_file: app.env\n    environment:\n"
        "      - OVERRIDDEN=environment\n      - BOTH\n      - FROM_DOTENV\n      - NOWHERE\n",
    )
    env = load(tmp_path, environ={"BOTH": "shell"}).services["a"].environment
    assert env == {
        "IN_FILE": "file",
        "OVERRIDDEN": "environment",
        "REF": "shell",  # the process environment wins over .env
        "BOTH": "shell",
        "FROM_DOTENV": "dotenv",
        "NOWHERE": None,  # declared without a value, set nowhere
    }


def test_profiles(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  app: {image: x}\n  dbg: {image: x, profiles: [debug]}\n"
        "  ops: {image: x, profiles: [ops, tools]}\n",
    )
    assert set(load(tmp_path).services) == {"app"}
    assert set(load(tmp_path, environ={"COMPOSE_PROFILES": "tools"}).services) == {"app", "ops"}
    assert set(load(tmp_path, profiles=["*"]).services) == {"app", "dbg", "ops"}
    explicit = load(tmp_path, environ={"COMPOSE_PROFILES": "tools"}, profiles=["debug"])
    assert set(explicit.services) == {"app", "dbg"}
    write(tmp_path, ".env", "COMPOSE_PROFILES=debug\n")
    assert set(load(tmp_path).services) == {"app", "dbg"}


def test_merging_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        """
services:
  a:
    image: x:1
    command: [serve]
    environment: {A: "1", B: "2"}
    ports: ["80:80"]
    volumes: ["data:/data", "./logs:/logs"]
    healthcheck: {test: [CMD, old], interval: 10s}
    labels: [keep=1]
  gone:
    image: x
volumes:
  data:
""",
    )
    write(
        tmp_path,
        "override.yaml",
        """
services:
  a:
    image: x:2
    command: serve --debug
    environment: [B=3, C=4]
    ports: ["80:80", "81:81"]
    volumes: ["./data:/data"]
    healthcheck: {test: [CMD, new]}
    labels: !override {only: "1"}
  gone: !reset
""",
    )
    a = load(tmp_path, "compose.yaml", "override.yaml").services
    assert set(a) == {"a"}
    svc = a["a"]
    assert svc.image == "x:2" and svc.command == ("serve", "--debug")
    assert svc.environment == {"A": "1", "B": "3", "C": "4"}
    assert [p.published for p in svc.ports] == ["80", "81"]
    assert svc.mounts == (
        Mount("bind", str(tmp_path / "data"), "/data"),
        Mount("bind", str(tmp_path / "logs"), "/logs"),
    )
    assert svc.healthcheck == Healthcheck(test=("CMD", "new"), interval_s=10.0)
    assert svc.labels == {"only": "1"}


def test_with_resolve_config_and_the_demo() -> None:
    config = resolve_config(Flags(demo=True), env={})
    project = load_project(config)  # AUTO: a --demo config uses the built-in loader
    assert project.source == "built-in"
    backend = project.services["backend"]
    assert str(backend.environment["DATABASE_URL"]).startswith("postgresql+asyncpg://pstrag:")
    assert backend.expose == ("8000",)
    assert project.services["celery"].healthcheck is not None
    assert project.services["celery"].healthcheck.test[1].endswith("celery@$HOSTNAME")
    assert set(project.volumes) == {
        "postgres_data",
        "redis_data",
        "rabbitmq_data",
        "upload_data",
        "chroma_data",
    }


# --- env files, YAML scalars, units ---------------------------------------------------------


def test_env_file_syntax() -> None:
    text = (
        "# comment\n\nexport A=1\nB = spaced \nC=val # comment\nD=a#b\nE='lit ${A} # x'\n"
        'F="tab\\there \\$A ${A}"\nG="two\nlines"\nH: colon\nI=${A}-${MISSING:-d}\nJ\nK=a$$b\n'
    )
    values = parse_env(text, Path("x.env"), {"J": "from-env"}.get)
    assert values == {
        "A": "1",
        "B": "spaced",
        "C": "val",
        "D": "a#b",
        "E": "lit ${A} # x",
        "F": "tab\there $A 1",
        "G": "two\nlines",
        "H": "colon",
        "I": "1-d",
        "J": "from-env",
        "K": "a$b",
    }


def test_yaml_scalars_are_read_as_compose_reads_them() -> None:
    doc = parse_yaml(
        "a: [yes, on, no, 22:22, 0755, 0o17, 0x1F, 1_000, 1e3, ~, True, '08', 2024-01-02]\n",
        Path("c.yaml"),
    )
    assert doc == {
        "a": ["yes", "on", "no", "22:22", 493, 15, 31, 1000, 1000.0, None, True, "08", "2024-01-02"]
    }


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("1m30s", 90.0),
        ("1.5s", 1.5),
        ("1500ms", 1.5),
        ("1h0m0s", 3600.0),
        ("0", 0.0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "size"),
    [("512M", 512 << 20), ("1g", 1 << 30), ("1.5G", 3 << 29), ("2048k", 2 << 20), ("100", 100)],
)
def test_memory(text: str, size: int) -> None:
    assert parse_memory(text) == size


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (1000000.0, "1e+06"),
        (1000.0, "1000"),
        (0.00001, "1e-05"),
        (123456789.0, "1.23456789e+08"),
    ],
)
def test_floats_print_as_go_prints_them(value: float, text: str) -> None:
    assert go_float_text(value) == text


# --- finding the Compose CLI ------------------------------------------------------------------


def fake_bin(directory: Path, name: str, script: str) -> Path:
    path = write(directory, name, "#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_no_compose_cli_means_built_in(tmp_path: Path) -> None:
    # A docker client without the compose plugin, and a Compose v1: neither is used.
    fake_bin(tmp_path, "docker", "echo 'docker: unknown command: docker compose' >&2; exit 1\n")
    fake_bin(tmp_path, "docker-compose", "echo 1.29.2\n")
    env = {"PATH": str(tmp_path)}
    assert find_compose_cli(None, env) is None
    write(tmp_path, "compose.yaml", "services: {a: {image: x}}\n")
    assert load_project(config_for(tmp_path), environ=env).source == "built-in"


def test_docker_compose_plugin_and_standalone_v2_are_found(tmp_path: Path) -> None:
    plugin = tmp_path / "plugin"
    fake_bin(plugin, "docker", '[ "$1 $2 $3" = "compose version --short" ] && echo 2.29.1\n')
    found = find_compose_cli(None, {"PATH": str(plugin)})
    assert found is not None and found.argv == (str(plugin / "docker"), "compose")
    standalone = tmp_path / "standalone"
    fake_bin(standalone, "docker-compose", "echo v2.40.3\n")
    found = find_compose_cli(None, {"PATH": str(standalone)})
    assert found is not None and found.argv == (str(standalone / "docker-compose"),)
    assert found.version == "2.40.3"


def test_explicit_compose_bin(tmp_path: Path) -> None:
    v1 = fake_bin(tmp_path, "old-compose", "echo 1.29.2\n")
    with pytest.raises(ConfigError, match="is not Docker Compose v2"):
        find_compose_cli(str(v1), {"PATH": ""})
    with pytest.raises(ConfigError, match="CUTOVER_COMPOSE_BIN: /nope does not exist"):
        find_compose_cli(None, {"PATH": "", "CUTOVER_COMPOSE_BIN": "/nope"})


def test_cli_output_is_normalised_and_unescaped(tmp_path: Path) -> None:
    cli_json = (
        '{"name": "proj", "services": {"a": {"image": "x", "command": ["echo", "$$HOME"],'
        ' "environment": {"P": "a$$b", "N": null}, "healthcheck": {"test": ["CMD", "true"],'
        ' "interval": "1m0s"}, "stop_grace_period": "2m0s",'
        ' "deploy": {"resources": {"limits": {"cpus": 2, "memory": "536870912"}}},'
        ' "ports": [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}]}},'
        ' "networks": {"default": {"name": "proj_default"}}}'
    )
    write(tmp_path, "out.json", cli_json)
    script = f'[ "$1" = version ] && {{ echo 2.40.3; exit 0; }}\ncat {tmp_path / "out.json"}\n'
    fake = fake_bin(tmp_path, "docker-compose", script)
    write(tmp_path, "compose.yaml", "services: {a: {image: x}}\n")
    project = load_project(config_for(tmp_path), str(fake), environ={"PATH": os.defpath})
    a = project.services["a"]
    assert project.source == "compose-cli"
    assert a.command == ("echo", "$HOME") and a.environment == {"P": "a$b", "N": None}
    assert a.healthcheck == Healthcheck(test=("CMD", "true"), interval_s=60.0)
    assert a.stop_grace_period_s == 120.0
    assert a.resources.cpu_limit == "2" and a.resources.memory_limit_bytes == 512 << 20
    assert a.ports == (PortMapping(target=80, published="8080"),)


def test_a_hanging_cli_falls_back_to_the_built_in_loader(tmp_path: Path) -> None:
    script = '[ "$1" = version ] && { echo 2.40.3; exit 0; }\nexec sleep 10\n'
    fake = fake_bin(tmp_path, "docker-compose", script)
    write(tmp_path, "compose.yaml", "services: {a: {image: x}}\n")
    project = load_project(
        config_for(tmp_path), str(fake), environ={"PATH": os.defpath}, timeout=0.5
    )
    assert project.source == "built-in" and set(project.services) == {"a"}


def test_profile_flag_reaches_the_loader_and_wins_over_the_environment(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  app: {image: x}\n  dbg: {image: x, profiles: [debug]}\n"
        "  ops: {image: x, profiles: [ops]}\n",
    )
    flags = Flags(profiles=["debug"])
    config = resolve_config(flags, env={}, cwd=tmp_path)
    assert config.profiles == ("debug",)
    project = load_project(config, None, environ={"HOME": "/home/op", "COMPOSE_PROFILES": "ops"})
    assert set(project.services) == {"app", "dbg"}
    # No --profile: as Compose, from COMPOSE_PROFILES.
    plain = resolve_config(Flags(), env={}, cwd=tmp_path)
    assert plain.profiles is None
    ops = load_project(plain, None, environ={"HOME": "/home/op", "COMPOSE_PROFILES": "ops"})
    assert set(ops.services) == {"app", "ops"}
