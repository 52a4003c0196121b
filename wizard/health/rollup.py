"""Per Compose service: the workload it became (as the one matcher says), its counters, and
its pods' worst statuses. The workload is found by kind and name; its pods by owner: a
controller's by name, a CronJob's through its runs (Jobs named `<cronjob>-<n>`), a bare Pod is
its own."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wizard.health.kinds import pod_health
from wizard.health.status import PodRow, WorkloadHealth


@dataclass(frozen=True, slots=True)
class ServiceHealth:
    """One Compose service's row: the workload it became, its counters and its pods' worst."""

    service: str
    workload: WorkloadHealth | None  # None: no workload of that name
    pods: int = 0
    unhealthy: tuple[str, ...] = ()  # pod statuses other than healthy, worst first, distinct

    @property
    def state(self) -> str:
        if self.workload is None:
            return "missing"
        return self.workload.state


def pods_of(kind: str, name: str, pods: Iterable[PodRow]) -> list[PodRow]:
    """The pods of workload `kind`/`name` (`kind` "" : any controller of that name)."""
    if kind == "Pod":
        return [p for p in pods if p.name == name and not p.workload]
    if kind == "CronJob":
        run = re.compile(rf"{re.escape(name)}-\d+")
        return [p for p in pods if run.fullmatch(p.workload)]
    return [p for p in pods if p.workload == name]


def rollup(
    services: Mapping[str, str],
    workloads: Iterable[WorkloadHealth],
    pods: Iterable[PodRow] = (),
    kinds: Mapping[str, str] | None = None,
) -> list[ServiceHealth]:
    """Per Compose service (service -> workload name; `kinds`: service -> its kind, when
    known), its workload's counters and pod problems."""
    kinds = kinds or {}
    by_key = {(w.kind, w.name): w for w in workloads}
    by_name: dict[str, WorkloadHealth] = {}
    for (_, name), w in by_key.items():
        by_name.setdefault(name, w)
    every_pod = list(pods)
    rows = []
    for service, name in sorted(services.items()):
        kind = kinds.get(service, "")
        mine = pods_of(kind, name, every_pod)
        if kind == "Pod":
            workload = pod_health(mine[0] if mine else None, name)
        else:
            workload = by_key.get((kind, name)) if kind else by_name.get(name)
        bad: list[str] = []
        for p in mine:
            if not p.healthy and p.status not in bad:
                bad.append(p.status)
        rows.append(ServiceHealth(service, workload, len(mine), tuple(bad)))
    return rows
