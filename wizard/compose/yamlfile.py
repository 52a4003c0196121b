"""Reading one Compose file as Compose reads YAML: YAML 1.2 scalars, anchors, `<<`, `!reset`.

PyYAML speaks YAML 1.1, where `yes` is a boolean and `22:22` is the number 1342 (base 60);
Compose reads `yes` as text and `22:22` as a port mapping. So the loader below resolves plain
scalars its own way: only true/false are booleans, integers are decimal, 0x, 0o, 0b or the old
0755 octal (underscores allowed), floats are decimal or .inf/.nan, and dates stay text.
Duplicate keys are errors (as in Compose), and every error names the file, line and column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wizard.compose.errors import ComposeFileError, where

_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INF_NAN = {
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "+.Inf": float("inf"),
    "+.INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}
_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")

_STR = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class Reset:
    """`!reset`: in an override file, removes the key from what the earlier files set."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Reset({self.value!r})"


class Override:
    """`!override`: in an override file, replaces the value instead of merging into it."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Override({self.value!r})"


class MarkedStr(str):
    """A string that remembers where it was written (1-based), for interpolation errors."""

    line: int
    column: int

    def __new__(cls, value: str, line: int, column: int) -> MarkedStr:
        self = super().__new__(cls, value)
        self.line = line
        self.column = column
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> MarkedStr:
        return self  # immutable

    def __reduce__(self) -> tuple[Any, ...]:
        return (MarkedStr, (str(self), self.line, self.column))


def _int_value(text: str) -> int | None:
    plain = text.replace("_", "")
    if not _INT.fullmatch(plain):
        return None
    body = plain.lstrip("+-")
    sign = -1 if plain.startswith("-") else 1
    if len(body) > 1 and body[0] == "0" and body[1].isdigit():
        if not all(c in "01234567" for c in body):
            return None  # 08, 09...: Go reads these as floats
        return sign * int(body, 8)  # the old 0755 octal Compose still accepts
    return sign * int(body, 0)


def _plain_tag(value: str) -> str:
    if value in _NULL:
        return _NULL_TAG
    if value in _BOOL:
        return _BOOL_TAG
    if value == "<<":
        return _MERGE_TAG
    if value in _INF_NAN:
        return _FLOAT_TAG
    if value[:1] in "0123456789+-.":
        if _int_value(value) is not None:
            return _INT_TAG
        if _FLOAT.fullmatch(value.replace("_", "")):
            return _FLOAT_TAG
    return _STR


class _Loader(yaml.SafeLoader):
    """SafeLoader with Compose's scalar rules, duplicate-key errors and the override tags."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0]:
            return _plain_tag(value)
        return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        node = super().compose_node(parent, index)
        if isinstance(node, MappingNode):
            seen: dict[str, Node] = {}
            for key, _ in node.value:
                if not isinstance(key, ScalarNode) or key.tag == _MERGE_TAG:
                    continue
                if key.value in seen:
                    first = seen[key.value].start_mark.line + 1
                    raise _DuplicateKey(
                        key, f"key {key.value!r} is already defined at line {first}"
                    )
                seen[key.value] = key
        return node


class _DuplicateKey(Exception):
    def __init__(self, node: Node, problem: str) -> None:
        super().__init__(problem)
        self.node = node
        self.problem = problem


def _construct_str(loader: _Loader, node: Node) -> str:
    assert isinstance(node, ScalarNode)
    value = loader.construct_scalar(node)
    if "$" in value:
        return MarkedStr(value, node.start_mark.line + 1, node.start_mark.column + 1)
    return str(value)


def _construct_int(loader: _Loader, node: Node) -> int | float | str:
    assert isinstance(node, ScalarNode)
    text = str(loader.construct_scalar(node))
    number = _int_value(text)
    if number is not None:
        return number
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return text  # an explicit !!int on something that is not one: keep the text


def _construct_float(loader: _Loader, node: Node) -> float | str:
    assert isinstance(node, ScalarNode)
    text = str(loader.construct_scalar(node))
    if text in _INF_NAN:
        return _INF_NAN[text]
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return text


def _construct_bool(loader: _Loader, node: Node) -> bool:
    assert isinstance(node, ScalarNode)
    return _BOOL.get(str(loader.construct_scalar(node)), False)


def _construct_tagged(wrapper: type[Reset] | type[Override]) -> Any:
    def construct(loader: _Loader, node: Node) -> Reset | Override:
        if isinstance(node, MappingNode):
            return wrapper(loader.construct_mapping(node, deep=True))
        if isinstance(node, SequenceNode):
            return wrapper(loader.construct_sequence(node, deep=True))
        assert isinstance(node, ScalarNode)
        text = loader.construct_scalar(node)
        tag = _plain_tag(text) if node.style is None else _STR
        value: Any = text
        if tag == _NULL_TAG:
            value = None
        elif tag == _BOOL_TAG:
            value = _BOOL[text]
        elif tag == _INT_TAG:
            value = _construct_int(loader, node)
        elif tag == _FLOAT_TAG:
            value = _construct_float(loader, node)
        return wrapper(value)

    return construct


_Loader.add_constructor(_STR, _construct_str)
_Loader.add_constructor(_INT_TAG, _construct_int)
_Loader.add_constructor(_FLOAT_TAG, _construct_float)
_Loader.add_constructor(_BOOL_TAG, _construct_bool)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)
_Loader.add_constructor("!reset", _construct_tagged(Reset))
_Loader.add_constructor("!override", _construct_tagged(Override))


def parse_yaml(text: str, file: Path) -> Any:
    """The YAML document in `text` (from `file`), or ComposeFileError with line and column."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except _DuplicateKey as exc:
        mark = exc.node.start_mark
        raise ComposeFileError(
            f"{where(file, mark.line + 1, mark.column + 1)}: invalid Compose file: {exc.problem}",
            "Remove or rename one of the two keys.",
            file=file,
            line=mark.line + 1,
            column=mark.column + 1,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        problem = exc.problem or "cannot be parsed"
        context = f" ({exc.context})" if exc.context else ""
        raise ComposeFileError(
            f"{where(file, line, column)}: invalid YAML: {problem}{context}",
            "Fix the YAML syntax at that line and column (indentation, a missing ':' or quote).",
            file=file,
            line=line,
            column=column,
        ) from None
    except yaml.YAMLError as exc:
        raise ComposeFileError(
            f"{file}: invalid YAML: {exc}", "Fix the YAML syntax.", file=file
        ) from None


def read_yaml_file(file: Path) -> Any:
    """Read and parse one Compose file; a missing or unreadable file is a clear error."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ComposeFileError(
            f"Compose file {file} does not exist.",
            "Check the -f paths (or COMPOSE_FILE) and run again.",
            file=file,
        ) from None
    except UnicodeDecodeError as exc:
        raise ComposeFileError(
            f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start}).",
            "Save the file as UTF-8.",
            file=file,
        ) from None
    except OSError as exc:
        raise ComposeFileError(
            f"Compose file {file} cannot be read ({exc.strerror}).",
            "Check the file's permissions.",
            file=file,
        ) from None
    return parse_yaml(text, file)
