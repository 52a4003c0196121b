"""Compose's variable substitution, written from the Compose specification.

Supported: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
`${VAR:?message}` / `${VAR?message}` (an error naming VAR), `${VAR:+alt}` / `${VAR+alt}`, and
`$$` for a literal `$`. Defaults, messages and alternatives may themselves contain variables;
as in Compose they are substituted even when not used (so a `:?` inside a default that is not
taken still fails); braces inside them nest (`${X:-{a}}` gives `{a}`). A `$` that starts
none of these is kept as it is. An unset variable without a default becomes "" (Compose warns).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Lookup = Callable[[str], str | None]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", re.DOTALL)


class TemplateError(Exception):
    """Base: the template cannot be substituted."""


class InvalidTemplate(TemplateError):
    """`${` without its `}`, or a `${...}` that is not one of the forms above."""

    def __init__(self, template: str) -> None:
        super().__init__(f"invalid interpolation format in {template!r}")
        self.template = template


class RequiredVariable(TemplateError):
    """`${VAR:?msg}` or `${VAR?msg}` met an unset (or, for `:?`, empty) VAR."""

    def __init__(self, name: str, detail: str) -> None:
        text = f"required variable {name} is missing a value"
        super().__init__(f"{text}: {detail}" if detail else text)
        self.name = name
        self.detail = detail


@dataclass
class Substitution:
    """What a substitution used: every variable it read and those that were unset."""

    used: set[str]
    unset: set[str]


def mapping_lookup(values: Mapping[str, str]) -> Lookup:
    return values.get


def substitute(template: str, lookup: Lookup, seen: Substitution | None = None) -> str:
    """`template` with every variable replaced; raises InvalidTemplate or RequiredVariable."""
    if "$" not in template:
        return str(template)
    out: list[str] = []
    pos = 0
    size = len(template)
    while pos < size:
        dollar = template.find("$", pos)
        if dollar < 0:
            out.append(template[pos:])
            break
        out.append(template[pos:dollar])
        nxt = template[dollar + 1 : dollar + 2]
        if nxt == "$":
            out.append("$")
            pos = dollar + 2
        elif nxt == "{":
            end = _closing_brace(template, dollar + 2)
            if end < 0:
                raise InvalidTemplate(template)
            out.append(_braced(template[dollar + 2 : end], template, lookup, seen))
            pos = end + 1
        else:
            match = _NAME.match(template, dollar + 1)
            if match is None:
                out.append("$")  # "cost $5", "a $ b", "end$": a literal dollar
                pos = dollar + 1
            else:
                out.append(_get(match.group(), lookup, seen) or "")
                pos = match.end()
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    for index in range(start, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _get(name: str, lookup: Lookup, seen: Substitution | None) -> str | None:
    value = lookup(name)
    if seen is not None:
        seen.used.add(name)
        if value is None:
            seen.unset.add(name)
    return value


def _braced(expr: str, template: str, lookup: Lookup, seen: Substitution | None) -> str:
    match = _BRACED.fullmatch(expr)
    if match is None:
        raise InvalidTemplate(template)
    name, op, arg = match.group(1), match.group(2), match.group(3) or ""
    if op is None:
        return _get(name, lookup, seen) or ""
    value = lookup(name)
    if seen is not None:
        seen.used.add(name)
    missing = value is None or (op.startswith(":") and value == "")
    text = substitute(arg, lookup, seen)  # eagerly, as Compose does
    kind = op[-1]
    if kind == "-":
        return text if missing else str(value)
    if kind == "?":
        if missing:
            raise RequiredVariable(name, text)
        return str(value)
    # "+": the alternative when set (and, for ":+", not empty)
    return "" if missing else text
