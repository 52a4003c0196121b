"""Finding a Compose v2 CLI and asking it for `config --format json`.

Found, in this order: an explicit path (argument, or CUTOVER_COMPOSE_BIN), then `docker compose`
(the CLI plugin), then `docker-compose` on PATH, each only when `version --short` answers 2.x or
later. `docker` may be a bare client without the plugin (then `docker compose` is an unknown
command); Compose v1 (1.x) does not understand `--format json`: both are passed over.
Nothing here talks to a Docker Engine: `version` and `config` work without one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.errors import ConfigError

ENV_VAR = "CUTOVER_COMPOSE_BIN"
VERSION_TIMEOUT = 10.0

_cache: dict[tuple[str, ...], str | None] = {}


@dataclass(frozen=True)
class ComposeCli:
    """A Compose v2 command line: `argv` (e.g. ["docker", "compose"]) and its version."""

    argv: tuple[str, ...]
    version: str


class ComposeCliFailed(Exception):
    """`config` failed. `rejected`: Compose ran and refused the project (its message, warnings
    dropped, is the text); otherwise it could not be run or did not finish in time."""

    def __init__(self, message: str, rejected: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.rejected = rejected


def compose_version(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str | None:
    """The version `argv version --short` reports, or None when it does not answer."""
    key = (*argv, (env or os.environ).get("PATH", ""))
    if key in _cache:
        return _cache[key]
    try:
        done = subprocess.run(
            [*argv, "version", "--short"],
            capture_output=True,
            text=True,
            timeout=VERSION_TIMEOUT,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        version = None
    else:
        text = done.stdout.strip().lstrip("v")
        version = text if done.returncode == 0 and re.match(r"\d+\.", text) else None
    _cache[key] = version
    return version


def is_v2(version: str | None) -> bool:
    return version is not None and int(version.split(".")[0]) >= 2


def find_compose_cli(
    explicit: str | None = None, env: Mapping[str, str] | None = None
) -> ComposeCli | None:
    """The Compose v2 CLI to use, or None. An explicit one that is not v2 is an error."""
    env = os.environ if env is None else env
    chosen = explicit or env.get(ENV_VAR) or None
    if chosen:
        source = "compose_bin" if explicit else ENV_VAR
        path = shutil.which(chosen, path=env.get("PATH")) or chosen
        if not Path(path).is_file():
            raise ConfigError(
                f"{source}: {chosen} does not exist.",
                f"Point {ENV_VAR} at a docker-compose v2 binary, or unset it.",
            )
        version = compose_version([path], env)
        if not is_v2(version):
            raise ConfigError(
                f"{source}: {chosen} is not Docker Compose v2 "
                f"(`{chosen} version --short` said {version or 'nothing usable'}).",
                f"Point {ENV_VAR} at a docker-compose v2 binary, or unset it.",
            )
        assert version is not None
        return ComposeCli((path,), version)
    path_var = env.get("PATH")
    docker = shutil.which("docker", path=path_var)
    if docker:
        version = compose_version([docker, "compose"], env)
        if is_v2(version):
            assert version is not None
            return ComposeCli((docker, "compose"), version)
    standalone = shutil.which("docker-compose", path=path_var)
    if standalone:
        version = compose_version([standalone], env)
        if is_v2(version):
            assert version is not None
            return ComposeCli((standalone,), version)
    return None


def config_json(
    cli: ComposeCli,
    files: Sequence[Path],
    project_name: str,
    project_dir: Path,
    env_file: Path | None,
    env: Mapping[str, str],
    profiles: Sequence[str] | None,
    timeout: float,
) -> dict[str, Any]:
    """`<cli> -f ... -p ... config --format json`, parsed. ComposeCliFailed when Compose says no."""
    argv: list[str] = list(cli.argv)
    for file in files:
        argv += ["-f", str(file)]
    argv += ["-p", project_name, "--project-directory", str(project_dir)]
    if env_file is not None:
        argv += ["--env-file", str(env_file)]
    run_env = dict(env)
    if profiles is not None:
        run_env["COMPOSE_PROFILES"] = ",".join(profiles)
    argv += ["config", "--format", "json"]
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=run_env,
            cwd=project_dir,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ComposeCliFailed(
            f"`{' '.join(cli.argv)} config` did not finish in {timeout:g} s", rejected=False
        ) from None
    except OSError as exc:
        raise ComposeCliFailed(
            f"`{' '.join(cli.argv)}` could not be run: {exc.strerror}", rejected=False
        ) from None
    if done.returncode != 0:
        raise ComposeCliFailed(_without_warnings(done.stderr) or f"exit code {done.returncode}")
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise ComposeCliFailed(f"`config --format json` printed no JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ComposeCliFailed("`config --format json` printed something other than an object")
    return data


def _without_warnings(stderr: str) -> str:
    lines = [
        line
        for line in stderr.splitlines()
        if line.strip() and not re.match(r'time="[^"]*" level=(warning|info)', line)
    ]
    return "\n".join(lines).strip()
