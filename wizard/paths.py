"""Paths as an operator wants to read them: short, and the same on every machine."""

from __future__ import annotations

from pathlib import Path


def shown(path: Path) -> str:
    """Relative to the current folder when inside it, else from ~, else absolute."""
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        if path.is_relative_to(base):
            return prefix + str(path.relative_to(base))
    return str(path)
