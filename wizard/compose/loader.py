"""`load_project`: the Compose project of a CutoverConfig, from the Compose CLI when there is one.

With a Compose v2 CLI (see composecli.py) its `config --format json` is the source of truth
(source "compose-cli"); without one the built-in loader reads the files (source "built-in").
Both outputs go through the same normaliser, so the model does not depend on which ran.
When the CLI rejects the project, the built-in loader is asked for its reading of the same
files: its errors name the file, line and column, which Compose's do not always do. When the CLI
cannot be run at all or does not answer in time, the built-in loader's model is used instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Final

from wizard.compose.builtin import load_builtin
from wizard.compose.composecli import (
    WHAT_TO_DO,
    ComposeCliFailed,
    config_json,
    find_compose_cli,
)
from wizard.compose.errors import ComposeFileError
from wizard.compose.model import ComposeProject
from wizard.compose.normalise import normalise_project
from wizard.config import CutoverConfig
from wizard.errors import CutoverError

AUTO: Final = "auto"
SOURCE_CLI: Final = "compose-cli"
SOURCE_BUILTIN: Final = "built-in"
CONFIG_TIMEOUT = 30.0


def load_project(
    config: CutoverConfig,
    compose_bin: str | None = AUTO,
    *,
    profiles: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    timeout: float = CONFIG_TIMEOUT,
) -> ComposeProject:
    """The normalised Compose project `config` points at.

    compose_bin: AUTO finds a Compose v2 CLI (CUTOVER_COMPOSE_BIN, `docker compose`,
    `docker-compose`; none for a --demo config unless set, none when it is `built-in`), a path
    uses that binary, None uses the built-in loader. profiles: None means `config.profiles` (--profile), and when that is
    None too, as Compose (COMPOSE_PROFILES from the environment or the env file). environ: the process environment (default os.environ); it wins over the
    env file, and it is the whole environment the CLI runs with.
    """
    env = os.environ if environ is None else environ
    if profiles is None:
        profiles = config.profiles  # --profile, else (None) as Compose
    env_file = config.env_file
    if env_file is None and (config.project_dir / ".env").is_file():
        env_file = config.project_dir / ".env"  # Compose reads it without being told
    cli = None
    if compose_bin == AUTO:
        if not config.demo or env.get("CUTOVER_COMPOSE_BIN"):
            cli = find_compose_cli(None, env)
    elif compose_bin is not None:
        cli = find_compose_cli(compose_bin, env)

    def builtin() -> ComposeProject:
        raw = load_builtin(
            config.compose_files,
            config.project_name,
            config.project_dir,
            env_file,
            env,
            profiles,
        )
        return normalise_project(raw, SOURCE_BUILTIN, escaped=False)

    if cli is None:
        return builtin()
    try:
        raw = config_json(
            cli,
            config.compose_files,
            config.project_name,
            config.project_dir,
            env_file,
            env,
            profiles,
            timeout,
        )
    except ComposeCliFailed as failed:
        if failed.unusable:
            # Said, not papered over: the operator chose (or PATH chose) this CLI.
            raise ComposeFileError(f"{failed.message}.", WHAT_TO_DO) from None
        if not failed.rejected:
            return builtin()
        try:
            builtin()
        except CutoverError:
            raise  # the same problem, said with file, line and column
        files = ", ".join(str(f) for f in config.compose_files)
        raise ComposeFileError(
            f"Docker Compose rejected {files}: {failed.message}",
            f"Check with `{' '.join(cli.argv)} -f {files} config`.",
        ) from None
    try:
        return normalise_project(raw, SOURCE_CLI, escaped=True)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ComposeFileError(
            f"Docker Compose {cli.version} printed a project cutover cannot read: {exc}",
            "Report this with the output of `docker compose config --format json`.",
        ) from None
