"""Findings: the one shape every check in every step reports in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How much a finding matters to the cutover, from harmless to stop-everything."""

    OK = "ok"
    INFO = "info"
    WARN = "warn"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def is_problem(self) -> bool:
        """Warn or block: something the operator has to read, fix or acknowledge."""
        return self.rank >= _RANK[Severity.WARN]


_RANK = {Severity.OK: 0, Severity.INFO: 1, Severity.WARN: 2, Severity.BLOCK: 3}


@dataclass(frozen=True)
class Finding:
    """One thing a check found: what it is, and what to do about it when it is not ok.

    `check` is a stable id such as ``docker.reachable``; the gate and acknowledgements key on it.
    `fix` is the exact command or file to change, written for a first-time operator.
    """

    check: str
    severity: Severity
    message: str
    fix: str = ""
    detail: str = ""
    # The check could not find out (service unreachable, bad config): not "blocked", "unknown".
    inconclusive: bool = False

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.BLOCK

    def as_json(self) -> dict[str, str]:
        """The shape `cutover status --json` and `cutover plan --json` print."""
        return {
            "check": self.check,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
        }


def worst(findings: Iterable[Finding]) -> Severity:
    """The most serious severity among the findings (ok when there are none)."""
    return max((f.severity for f in findings), key=lambda s: s.rank, default=Severity.OK)
