"""The per-service mapping diff: each Compose service, the workload it became, field by field."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.checks import Finding, Severity, worst
from wizard.target.model import ObjectRef


@dataclass(frozen=True)
class DiffRow:
    """One field of one service, side by side.

    `field` is `image`, `replicas`, `command`, `env`, `ports`, `volumes`, `healthcheck`,
    `resources`, `depends_on` or `match`, followed by `:<item>` when the row is about one item
    (`env:SENTRY_DSN`, `volumes:media`, `ports:443`). `compose` and `kubernetes` are display text,
    already masked: a secret's value is never in them (`••••••`, `from Secret name/key`).
    `finding.check` equals `field`.
    """

    field: str
    compose: str
    kubernetes: str
    finding: Finding


@dataclass(frozen=True)
class ServicePlan:
    service: str
    target: ObjectRef | None
    rows: tuple[DiffRow, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        return [row.finding for row in self.rows]

    @property
    def severity(self) -> Severity:
        return worst(self.findings)


@dataclass(frozen=True)
class Plan:
    """The whole diff. `extra` holds findings about no one service (unmatched workloads, drift)."""

    services: tuple[ServicePlan, ...]
    extra: tuple[Finding, ...] = ()
    sources: tuple[str, ...] = ()  # e.g. ("compose-cli", "cluster", "manifests")

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.services for f in s.findings] + list(self.extra)
