"""Env files as Compose reads them: the project's `.env` (for interpolation) and `env_file:`.

Syntax: `KEY=value` or `KEY: value`, optional `export `, `#` comment lines, blank lines.
Unquoted values end at ` #` (an inline comment) and are trimmed; `'single'` quotes are literal;
`"double"` quotes may span lines and understand `\\n`, `\\r`, `\\t`, `\\"`, `\\\\` and `\\$`.
Unquoted and double-quoted values are interpolated (`${VAR:-x}` etc.): a variable is looked up
in `lookup` first (the process environment wins), then among the keys defined above it in the
same file. A bare `KEY` takes its value from `lookup`, and is left out when that has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from wizard.compose.errors import ComposeFileError, MissingVariable, where
from wizard.compose.interpolate import InvalidTemplate, RequiredVariable, substitute

Lookup = Callable[[str], str | None]

_KEY = re.compile(r"[A-Za-z0-9_.\-\[\]]+")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "$": "$$"}


def read_env_file(path: Path, lookup: Lookup | None = None, raw: bool = False) -> dict[str, str]:
    """The variables of one env file, in file order; ComposeFileError names file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ComposeFileError(
            f"Env file {path} does not exist.",
            "Create it, fix the path, or mark the entry `required: false`.",
            file=path,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ComposeFileError(f"Env file {path} cannot be read ({reason}).", file=path) from None
    return parse_env(text, path, lookup, raw=raw)


def parse_env(
    text: str, path: Path, lookup: Lookup | None = None, raw: bool = False
) -> dict[str, str]:
    """Parse env-file `text` (from `path`, for messages). See the module docstring."""
    external = lookup or (lambda _name: None)
    values: dict[str, str] = {}

    def find(name: str) -> str | None:
        found = external(name)
        return found if found is not None else values.get(name)

    lines = text.replace("\r\n", "\n").split("\n")
    index = 0
    while index < len(lines):
        number = index + 1
        line = lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[len("export") :].lstrip()
        sep = min((p for p in (line.find("="), line.find(":")) if p >= 0), default=-1)
        key = (line if sep < 0 else line[:sep]).strip()
        if " " in key or "\t" in key:
            raise _error(path, number, f"key {key!r} cannot contain a space")
        if not _KEY.fullmatch(key):
            raise _error(path, number, f"{key!r} is not a valid variable name")
        if sep < 0:
            inherited = external(key)
            if inherited is not None:
                values[key] = inherited
            continue
        rest = line[sep + 1 :].lstrip()
        if raw:
            values[key] = rest
            continue
        try:
            if rest.startswith("'"):
                body, index = _quoted(rest, "'", lines, index, path, number)
                values[key] = body
            elif rest.startswith('"'):
                body, index = _quoted(rest, '"', lines, index, path, number)
                values[key] = substitute(_unescape(body), find)
            else:
                comment = re.search(r"\s#", rest)
                if comment is not None:
                    rest = rest[: comment.start()]
                values[key] = substitute(rest.rstrip(), find)
        except RequiredVariable as exc:
            raise MissingVariable(
                exc.name,
                exc.detail,
                f"{where(path, number)}: {exc}",
                f"Set {exc.name} in the environment or earlier in {path.name}.",
                file=path,
                line=number,
            ) from None
        except InvalidTemplate:
            raise _error(
                path, number, f"invalid interpolation format for {key}", "Escape a literal $ as $$."
            ) from None
    return values


def _quoted(
    rest: str, quote: str, lines: list[str], index: int, path: Path, number: int
) -> tuple[str, int]:
    """The text between `quote`s, following the value onto later lines if it spans them."""
    text = rest[1:]
    while True:
        end = _closing_quote(text, quote)
        if end >= 0:
            return text[:end], index
        if index >= len(lines):
            raise _error(path, number, f"unterminated quoted value {rest.splitlines()[0]!r}")
        text += "\n" + lines[index]
        index += 1


def _closing_quote(text: str, quote: str) -> int:
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "\\" and quote == '"':
            pos += 2
            continue
        if char == quote:
            return pos
        pos += 1
    return -1


def _unescape(body: str) -> str:
    """Backslash escapes of a double-quoted value; `\\$` becomes `$$` (a literal for substitute)."""
    out: list[str] = []
    pos = 0
    while pos < len(body):
        char = body[pos]
        if char == "\\" and pos + 1 < len(body):
            nxt = body[pos + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            pos += 2
            continue
        out.append(char)
        pos += 1
    return "".join(out)


def _error(path: Path, line: int, problem: str, fix: str = "") -> ComposeFileError:
    return ComposeFileError(
        f"{where(path, line)}: {problem}",
        fix or "Fix that line of the env file (KEY=value, one per line).",
        file=path,
        line=line,
    )
