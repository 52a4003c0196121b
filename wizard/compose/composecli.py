"""Finding a Compose v2 CLI and asking it for `config --format json`.

Found, in this order: an explicit path (argument, or CUTOVER_COMPOSE_BIN), then `docker compose`
(the CLI plugin), then `docker-compose` on PATH, each only when `version --short` answers 2.x or
later. `docker` may be a bare client without the plugin (then `docker compose` is an unknown
command); Compose v1 (1.x) does not understand `--format json`: both are passed over.
CUTOVER_COMPOSE_BIN=built-in asks for cutover's own loader whatever is installed.
Nothing here talks to a Docker Engine: `version` and `config` work without one.

A CLI that answers `config --format json` with nothing, with text that is not JSON, or with
JSON that is no project (a wrapper script, a Compose v1 behind a v2 version string) is not a
rejection of the project: `ComposeCliFailed(unusable=True)` says what ran, where it is, what it
printed (never the output itself: it holds the project's values, secrets among them) and what
to do instead.
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
BUILT_IN = "built-in"  # CUTOVER_COMPOSE_BIN=built-in: no Compose CLI, cutover's own loader
VERSION_TIMEOUT = 10.0
WHAT_TO_DO = (
    "Install Docker Compose v2 (the `docker compose` plugin, or a docker-compose 2.x binary "
    f"first on PATH), point {ENV_VAR} at one, or set {ENV_VAR}={BUILT_IN} to read the files "
    "with cutover's own loader."
)

_cache: dict[tuple[str, ...], str | None] = {}


@dataclass(frozen=True)
class ComposeCli:
    """A Compose v2 command line: `argv` (e.g. ["docker", "compose"]) and its version."""

    argv: tuple[str, ...]
    version: str


class ComposeCliFailed(Exception):
    """`config` failed. `rejected`: Compose ran and refused the project (its message, warnings
    dropped, is the text); otherwise it could not be run or did not finish in time."""

    def __init__(self, message: str, rejected: bool = True, unusable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.rejected = rejected and not unusable
        self.unusable = unusable  # it ran and answered, but not as Compose v2 answers


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
        version = _version_in(done.stdout) if done.returncode == 0 else None
    _cache[key] = version
    return version


_VERSION = r"v?(\d+\.\d+[\w.+-]*)"


def _version_in(output: str) -> str | None:
    """`2.40.3` from `2.40.3`, `v2.40.3` or `Docker Compose version v2.40.3`; None for
    anything else (nothing, or another program's version: `Python 3.11` is no Compose 3)."""
    text = output.strip()
    found = re.fullmatch(_VERSION, text) or re.search(
        r"compose version " + _VERSION, text, re.IGNORECASE
    )
    return found.group(1) if found else None


def is_v2(version: str | None) -> bool:
    return version is not None and int(version.split(".")[0]) >= 2


def find_compose_cli(
    explicit: str | None = None, env: Mapping[str, str] | None = None
) -> ComposeCli | None:
    """The Compose v2 CLI to use, or None. An explicit one that is not v2 is an error."""
    env = os.environ if env is None else env
    chosen = explicit or env.get(ENV_VAR) or None
    if chosen == BUILT_IN:
        return None
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
            said = f"Compose {version}" if version else "no version (it printed nothing usable)"
            raise ConfigError(
                f"{source}: {chosen} is not Docker Compose v2: `{path} version --short` "
                f"answered {said}.",
                f"Point {ENV_VAR} at a docker-compose v2 binary, unset it, or set "
                f"{ENV_VAR}={BUILT_IN} for cutover's own loader.",
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
    ran = f"`{' '.join(cli.argv)} config --format json` (it says it is Compose {cli.version})"
    if not done.stdout.strip():
        raise ComposeCliFailed(
            f"{ran} exited 0 and printed nothing: Docker Compose v2 prints the project as JSON, "
            f"so {cli.argv[0]} is not a working Compose v2 (a wrapper script, or a Compose v1?)",
            unusable=True,
        )
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        lines = len(done.stdout.splitlines())
        raise ComposeCliFailed(
            f"{ran} printed {lines} line{'s' if lines != 1 else ''} that are not JSON (a Compose "
            f"v1 prints YAML and ignores --format json): {cli.argv[0]} is not a working Compose v2",
            unusable=True,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("services", {}), dict):
        raise ComposeCliFailed(
            f"{ran} printed JSON that is not a Compose project (a {type(data).__name__}, where "
            f"Compose v2 prints an object with services): {cli.argv[0]} is not a working "
            "Compose v2",
            unusable=True,
        )
    return data


def _without_warnings(stderr: str) -> str:
    lines = [
        line
        for line in stderr.splitlines()
        if line.strip() and not re.match(r'time="[^"]*" level=(warning|info)', line)
    ]
    return "\n".join(lines).strip()
