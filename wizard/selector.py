"""Kubernetes label selectors (`app=email-rag,component!=celery`, `tier in (a,b)`, `!canary`).

The demo cluster and a manifests folder filter their objects with them the way the API server
does, so a wrong `-l` shows the same empty result there as on a real cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from wizard.errors import Invalid

Labels = Mapping[str, str]

_TERM = re.compile(
    r"""^\s*(?:
        (?P<key>[\w./-]+)\s*(?P<op>==|=|!=)\s*(?P<value>[\w.-]*)
      | (?P<set_key>[\w./-]+)\s+(?P<set_op>in|notin)\s*\((?P<values>[^)]*)\)
      | (?P<neg>!?)\s*(?P<exists>[\w./-]+)
    )\s*$""",
    re.VERBOSE,
)


def parse_selector(selector: str) -> Callable[[Labels], bool]:
    """A predicate on labels; raises Invalid for a selector the API server would reject."""
    terms = [_parse_term(t) for t in _split(selector) if t.strip()]
    return lambda labels: all(term(labels) for term in terms)


def _split(selector: str) -> list[str]:
    """Split on the commas between terms, not the ones inside `in (a,b)`."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(selector):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(selector[start:i])
            start = i + 1
    parts.append(selector[start:])
    return parts


def _parse_term(term: str) -> Callable[[Labels], bool]:
    match = _TERM.match(term)
    if match is None:
        raise Invalid(
            f"Label selector term {term.strip()!r} is not valid.",
            "Use key=value, key!=value, key in (a,b), key or !key, joined by commas.",
        )
    if match["key"]:
        key, value, equal = match["key"], match["value"], match["op"] != "!="
        return lambda labels: (labels.get(key) == value) is equal
    if match["set_key"]:
        key = match["set_key"]
        values = {v.strip() for v in match["values"].split(",")}
        inside = match["set_op"] == "in"
        return lambda labels: (key in labels and labels[key] in values) is inside
    key, present = match["exists"], not match["neg"]
    return lambda labels: (key in labels) is present
