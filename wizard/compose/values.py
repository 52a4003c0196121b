"""Shared by the canonical-form modules: a file's context, and value checks that name the key."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.compose.units import parse_duration, scalar_text, to_bool, to_int

Lookup = Callable[[str], str | None]


@dataclass(frozen=True)
class FileContext:
    """Where a file's relative paths start, and the variables its `${...}` see."""

    file: Path
    project_dir: Path
    lookup: Lookup
    home: str
    env_file: Path | None = None  # the interpolation env file, for the fix text


class Invalid(Exception):
    """A bad value at `path`; turned into ComposeFileError with the file by `canonical_file`."""

    def __init__(self, path: str, problem: str, fix: str = "") -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem
        self.fix = fix


def as_text(value: Any, path: str, _ctx: FileContext | None = None) -> str:
    if isinstance(value, dict | list) or value is None:
        raise Invalid(path, f"expected a string, found {kind_of(value)}")
    return scalar_text(value)


def host_path(path: str, ctx: FileContext) -> str:
    if path == "~" or path.startswith("~/"):
        path = ctx.home + path[1:]
    return os.path.normpath(os.path.join(ctx.project_dir, path))


def duration_text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise Invalid(path, f"must be a string such as 30s or 1m30s, found {value!r}")
    try:
        parse_duration(value)
    except ValueError as exc:
        raise Invalid(path, str(exc)) from None
    return value


def as_int(value: Any, path: str) -> int:
    try:
        return to_int(value, path)
    except ValueError as exc:
        raise Invalid(path, str(exc).partition(": ")[2] or str(exc)) from None


def as_bool(value: Any, path: str) -> bool:
    try:
        return to_bool(value, path)
    except ValueError as exc:
        raise Invalid(path, str(exc).partition(": ")[2] or str(exc)) from None


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )
