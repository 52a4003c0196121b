"""The demo cluster's live behaviour, as a function of time and of the Secret: demo only.

What it shows, in a fixed order so every run looks the same:

- pods come up one after another, `POD_STEP_S` apart (StatefulSets first, then Deployments,
  each by name), each `ContainerCreating` until its turn;
- a pod whose Secret key is missing stays in `CreateContainerConfigError`, as a kubelet keeps it;
  the celery worker instead crash-loops (`CrashLoopBackOff`, restarts counting) until the Secret
  `email-rag-secrets` has every key it reads: the demo's stand-in for a worker that starts and
  exits because its broker URL is empty. (A real kubelet would not start a container whose
  non-optional secretKeyRef is missing; a crash loop is what an *optional* reference, or a wrong
  value, looks like.) Once the keys are there, it runs, its restart count kept;
- data-postgres-0 stays `Pending`: the StatefulSet claims ask for no storage class and this
  cluster has no default one, so they bind to PersistentVolumes made by hand (NFS exports); there
  are exports for redis (2Gi) and rabbitmq (5Gi) but none of 20Gi for postgres. The PV controller
  says exactly that (`FailedBinding`), and the postgres pod waits unscheduled. What is true and
  worth knowing: a claim without a class binds only to a matching PV someone created; the fix is
  such a PV (`cutover demo --fixed` has one), or a class with a provisioner. The cluster decides
  which claims are unbound (wizard.demo.objects.bind_claims) and passes them in here.

`SETTLED_NOW`: a settled demo (tests, snapshots, `cutover status`) is this moment, the pods a
minute old and every time frozen; a live demo starts its clock when the cluster is built.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from wizard.health.status import EventRow, PodRow
from wizard.health.watch import OnChange, WatchState, WatchStatus, WatchUpdate

SETTLED_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z: the settled demo's clock
SETTLED_NOW = SETTLED_START + 60.0
POD_STEP_S = 0.6  # one pod comes up this long after the previous one
FIRST_POD_S = 1.0
CRASH_EVERY_S = 4.0  # a crash-looping container restarts this often (the real back-off is longer)
TICK_S = 0.5  # how often a live demo watch looks for changes
CRASHING = "email-rag-celery"  # the workload that crash-loops while its Secret keys are missing
UNBOUND = "data-postgres-0"  # the claim no PersistentVolume matches in the planted demo
UNSCHEDULABLE = "0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims."
NO_PV = "no persistent volumes available for this claim and no storage class is set"


@dataclass(frozen=True)
class DemoPod:
    """A pod the demo's controllers made, and what it waits for."""

    name: str
    workload: str
    node: str
    containers: int
    order: int  # its turn to come up
    claims: tuple[str, ...] = ()


def pod_state(
    pod: DemoPod,
    elapsed: float,
    missing_keys: Mapping[str, tuple[str, ...]],
    start: float,
    recovered: dict[str, int],
    unbound: Collection[str] = (UNBOUND,),
) -> PodRow:
    """The pod `elapsed` seconds after the demo started. `missing_keys`: per workload, the
    Secret keys (as `<secret>/<key>`, or `<secret>` when it is absent) its pods lack.
    `recovered` keeps a crash-looped pod's restart count once it runs (updated here).
    `unbound`: the claims no PersistentVolume is bound to (a pod mounting one is unschedulable)."""
    created = start
    up_at = FIRST_POD_S + POD_STEP_S * pod.order
    base = PodRow(
        name=pod.name,
        status="ContainerCreating",
        ready=0,
        total=pod.containers,
        restarts=0,
        node=pod.node,
        created=created,
        phase="Pending",
        workload=pod.workload,
        claims=pod.claims,
    )
    if any(claim in unbound for claim in pod.claims):
        return _with(base, status="Pending", node="", why=f"Unschedulable: {UNSCHEDULABLE}")
    if elapsed < up_at:
        return base
    missing = missing_keys.get(pod.workload, ())
    if pod.workload == CRASHING:
        crashes = 1 + int((elapsed - up_at) / CRASH_EVERY_S)
        if missing:
            last = start + up_at + (crashes - 1) * CRASH_EVERY_S
            return _with(
                base,
                status="CrashLoopBackOff",
                phase="Running",
                restarts=crashes,
                last_restart=last,
                why=f"back-off restarting failed container=celery pod={pod.name}",
            )
        restarts = recovered.setdefault(pod.name, crashes)
        last = start + up_at + (restarts - 1) * CRASH_EVERY_S
        return _with(
            base,
            status="Running",
            phase="Running",
            ready=pod.containers,
            restarts=restarts,
            last_restart=last,
        )
    if missing:
        secret, _, key = missing[0].partition("/")
        why = (
            f"couldn't find key {key} in Secret email-rag/{secret}"
            if key
            else f'secret "{secret}" not found'
        )
        return _with(base, status="CreateContainerConfigError", why=why)
    return _with(base, status="Running", phase="Running", ready=pod.containers)


def _with(row: PodRow, **changes: Any) -> PodRow:
    return replace(row, **changes)


def events_for(
    pods: Mapping[str, PodRow], now: float, start: float, unbound: Collection[str] = (UNBOUND,)
) -> dict[str, EventRow]:
    """The Warning events the demo's pods and claims (`unbound`: those still Pending) would
    have by `now`."""
    events: dict[str, EventRow] = {}

    def add(kind: str, name: str, reason: str, message: str, count: int) -> None:
        key = f"{name}.{reason.lower()}"
        events[key] = EventRow(key, "Warning", reason, message, kind, name, count, now)

    for row in pods.values():
        if row.status == "CrashLoopBackOff":
            message = f"Back-off restarting failed container celery in pod {row.name}"
            add("Pod", row.name, "BackOff", message, row.restarts)
        elif row.status == "CreateContainerConfigError":
            add("Pod", row.name, "Failed", f"Error: {row.why}", 1)
        elif row.status == "Pending" and row.why:
            add("Pod", row.name, "FailedScheduling", UNSCHEDULABLE, 1)
    # The PV controller retries (and says so again) every 15 s.
    for claim in sorted(unbound):
        add("PersistentVolumeClaim", claim, "FailedBinding", NO_PV, 1 + int((now - start) / 15))
    return events


def matches_fields(event: EventRow, field_selector: str) -> bool:
    """The few event field selectors the screens use: involvedObject.kind/name, type (a=b,...)."""
    fields = {
        "involvedObject.kind": event.object_kind,
        "involvedObject.name": event.object_name,
        "type": event.type,
    }
    for term in filter(None, (t.strip() for t in field_selector.split(","))):
        key, _, value = term.partition("=")
        if fields.get(key.strip()) != value.strip().lstrip("="):
            return False
    return True


class DemoWatch:
    """A `WatchHandle` over the demo: the rows at once, then (live demo only) every change the
    clock or the Secret brings, found by looking every `TICK_S` on a daemon thread of its own."""

    def __init__(
        self,
        kind: str,
        rows: Callable[[], dict[str, Any]],
        on_change: OnChange,
        live: bool,
    ) -> None:
        self._kind = kind
        self._rows = rows
        self._on_change = on_change
        self._status = WatchStatus(WatchState.LIVE)
        self._items = rows()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        on_change(WatchUpdate(kind, self._status, reset=True, items=MappingProxyType(self._items)))
        self._thread: threading.Thread | None = None
        if live:
            self._thread = threading.Thread(target=self._run, name=f"demo-{kind}", daemon=True)
            self._thread.start()

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def status(self) -> WatchStatus:
        return self._status

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._items)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._status = WatchStatus(WatchState.STOPPED)

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            new = self._rows()
            with self._lock:
                old, self._items = self._items, new
            changed: dict[str, Any] = {k: v for k, v in new.items() if old.get(k) != v}
            changed.update({k: None for k in old if k not in new})
            if changed and not self._stop.is_set():
                self._on_change(
                    WatchUpdate(self._kind, self._status, changed=MappingProxyType(changed))
                )


def clock(settled: bool) -> tuple[float, Callable[[], float]]:
    """The demo's start and its `now`: frozen when settled, else the wall clock from here."""
    if settled:
        return SETTLED_START, lambda: SETTLED_NOW
    return time.time(), time.time
