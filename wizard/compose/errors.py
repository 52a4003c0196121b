"""Errors of the Compose loaders: each names the file (and line/column or key) and the fix."""

from __future__ import annotations

from pathlib import Path

from wizard.errors import ConfigError


class ComposeFileError(ConfigError):
    """A Compose file (or an env file it uses) that cannot be loaded as written."""

    def __init__(
        self,
        message: str,
        fix: str = "",
        *,
        file: Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message, fix)
        self.file = file
        self.line = line  # 1-based
        self.column = column  # 1-based


class MissingVariable(ComposeFileError):
    """`${VAR:?message}` / `${VAR?message}` with VAR unset (or empty, for `:?`)."""

    def __init__(
        self,
        variable: str,
        detail: str,
        message: str,
        fix: str = "",
        *,
        file: Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message, fix, file=file, line=line, column=column)
        self.variable = variable
        self.detail = detail


def where(file: Path | None, line: int | None = None, column: int | None = None) -> str:
    """`file:line:column` with whatever parts are known."""
    text = str(file) if file is not None else "<compose>"
    if line is not None:
        text += f":{line}"
        if column is not None:
            text += f":{column}"
    return text
