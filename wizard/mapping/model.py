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
    (`env:SENTRY_DSN`, `volumes:media`, `ports:443`); `secrets:<name>` and `configs:<name>` for
    the files Compose gives a service, `files:<VAR>` for a `*_FILE` variable (diff_files.py). `compose` and `kubernetes` are display text,
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
        """Every problem once (see `by_problem`), then the findings about no one service."""
        return [f for _, f in self.by_problem()] + list(self.extra)

    def by_problem(self) -> list[tuple[tuple[str, ...], Finding]]:
        """Each service's findings with the services that report them, in plan order.

        A problem several services report word for word is about something they share (a
        claim both mount): each service's diff shows it, since an operator reading either one
        must see it, but it is one problem, so the step, the gate and `status` list it once,
        naming every service. Ok and info rows stay per service: alike words there ("Mounted at
        the same path.") are no shared thing."""
        found: list[tuple[list[str], Finding]] = []
        shared: dict[tuple[str, Severity, str, str], list[str]] = {}
        for service in self.services:
            for finding in service.findings:
                if not finding.severity.is_problem:
                    found.append(([service.service], finding))
                    continue
                key = (finding.check, finding.severity, finding.message, finding.fix)
                if key in shared:
                    shared[key].append(service.service)
                else:
                    shared[key] = [service.service]
                    found.append((shared[key], finding))
        return [(tuple(services), finding) for services, finding in found]
