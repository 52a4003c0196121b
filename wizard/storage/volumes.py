"""Every Compose named volume next to the PVC(s) that replace it, and what is wrong with them.

Which claim replaces a volume, first rule that finds one:

1. `cutover.yaml` `volumes:` maps the volume key to a claim name (or to a StatefulSet's claim
   template name, meaning every `<template>-<statefulset>-<ordinal>` claim of it);
2. a claim named like the key, `_` written `-` (`postgres_data` -> `postgres-data`);
3. the workload of a Compose service that mounts the volume mounts a claim at the same container
   path: a pod volume's `persistentVolumeClaim`, or a StatefulSet claim template, whose claims are
   `<template>-<statefulset>-<ordinal>` (`data-postgres-0`);
4. that workload is a StatefulSet with exactly one claim template: its claims.

Findings (check ids `volumes.<what>:<name>`):
- no claim: warn, with the name expected and how to map another one;
- Pending: block, with the latest event's message (FailedBinding, ProvisioningFailed) and its fix;
  a claim waiting for its first consumer (WaitForFirstConsumer) only warns;
- Lost: block;
- ReadWriteOnce mounted by more than one pod or workload, or replacing a volume several Compose
  services share (uploads, chroma): block, fix "use a ReadWriteMany class (NFS)";
- capacity (bound, else requested) smaller than the data in the Compose volume: warn, only when
  the size of that data is known;
- otherwise one ok finding per volume.

`analyse_volumes` is pure over plain dataclasses; `gather_volumes` fetches its inputs through the
Cluster gateway (raising the gateway's GatewayError when it cannot).

Over 400 lines on purpose: the matching, the claim views and the finding texts (with their
fixes) of one analysis; its step check (`check`) is a few lines at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from wizard.checks import Finding, Severity
from wizard.compose.model import ComposeProject
from wizard.errors import CutoverError
from wizard.health.status import EventRow, latest_events
from wizard.model import Pvc
from wizard.storage.claims import format_bytes, parse_quantity
from wizard.target.model import TargetState, TargetWorkload

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways
    from wizard.gateways.protocols import Cluster
    from wizard.steps import Round

RWX = "ReadWriteMany"
RWO = "ReadWriteOnce"
_ORDINAL = re.compile(r"^\d+$")
_SHORT_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX"}


class MountsClaims(Protocol):
    """A pod as far as storage cares (wizard.model.Pod and wizard.health.status.PodRow are)."""

    @property
    def name(self) -> str: ...

    @property
    def claims(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ClaimView:
    """One claim replacing a volume: the claim (None when it does not exist) and its users."""

    name: str
    pvc: Pvc | None
    pods: tuple[str, ...] = ()
    workloads: tuple[str, ...] = ()
    event_reason: str = ""  # the latest event's, for a claim that is not Bound
    event_message: str = ""

    @property
    def modes_text(self) -> str:
        return ",".join(_SHORT_MODES.get(m, m) for m in self.pvc.access_modes) if self.pvc else ""


@dataclass(frozen=True)
class VolumeRow:
    """A Compose named volume and the claim(s) that replace it."""

    volume: str  # the key under the Compose file's `volumes:`
    engine_name: str  # the Docker volume's name (`<project>_<key>` unless named)
    services: tuple[str, ...]  # Compose services that mount it
    rule: str  # how the claims were found: cutover.yaml | name | mount path | statefulset | ""
    claims: tuple[ClaimView, ...] = ()
    expected: str = ""  # the claim name looked for, when none was found
    data_bytes: int | None = None  # data in the Compose volume, when known


@dataclass(frozen=True)
class VolumesReport:
    namespace: str
    rows: tuple[VolumeRow, ...] = ()
    findings: tuple[Finding, ...] = field(default_factory=tuple)


def claim_name_for(volume: str) -> str:
    """The claim name a volume key suggests: `postgres_data` -> `postgres-data`."""
    name = re.sub(r"[^a-z0-9.-]+", "-", volume.lower()).strip("-.")
    return name or volume


def analyse_volumes(
    project: ComposeProject,
    target: TargetState,
    claims: Iterable[Pvc],
    pods: Iterable[MountsClaims] = (),
    events: Iterable[EventRow] = (),
    volume_map: Mapping[str, str] | None = None,
    service_map: Mapping[str, str] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> VolumesReport:
    """Rows and findings for every named volume of `project` (see the module doc)."""
    volume_map = volume_map or {}
    service_map = service_map or {}
    sizes = sizes or {}
    by_name = {c.name: c for c in claims}
    pods = list(pods)
    events = list(events)
    ns = target.namespace
    rows: list[VolumeRow] = []
    findings: list[Finding] = []
    for key in sorted(project.volumes):
        volume = project.volumes[key]
        services = tuple(
            sorted(
                name
                for name, svc in project.services.items()
                if any(m.type == "volume" and m.source == key for m in svc.mounts)
            )
        )
        rule, names = _match(key, project, target, by_name, volume_map, service_map, services)
        views = tuple(_view(n, by_name.get(n), target, pods, events) for n in names)
        row = VolumeRow(
            volume=key,
            engine_name=volume.name,
            services=services,
            rule=rule,
            claims=views,
            expected="" if names else volume_map.get(key, claim_name_for(key)),
            data_bytes=sizes.get(key),
        )
        rows.append(row)
        findings.extend(_findings(row, ns))
    return VolumesReport(ns, tuple(rows), tuple(findings))


def gather_volumes(
    cluster: Cluster,
    project: ComposeProject,
    volume_map: Mapping[str, str] | None = None,
    service_map: Mapping[str, str] | None = None,
    selector: str = "",
    sizes: Mapping[str, int] | None = None,
) -> VolumesReport:
    """Read what `analyse_volumes` needs from the cluster: the target's workloads (`selector`),
    every claim of the namespace (a StatefulSet's claims carry only its template's labels), the
    pods, and the claims' events. Raises the gateway's GatewayError when a read fails."""
    target = cluster.read_target(selector)
    return analyse_volumes(
        project,
        target,
        cluster.list_pvcs(),
        cluster.list_pods(selector),
        cluster.list_events("involvedObject.kind=PersistentVolumeClaim"),
        volume_map,
        service_map,
        sizes,
    )


def data_sizes(gateways: Gateways, project: str) -> dict[str, int]:
    """How much data each Compose volume holds, or {} when the engine cannot say (it walks every
    volume to answer, and a slow or refusing engine must not keep the claims from showing)."""
    try:
        return gateways.compose_host().volume_sizes(project)
    except CutoverError:
        return {}


# --- matching ------------------------------------------------------------------------------------


def _match(
    key: str,
    project: ComposeProject,
    target: TargetState,
    claims: Mapping[str, Pvc],
    volume_map: Mapping[str, str],
    service_map: Mapping[str, str],
    services: tuple[str, ...],
) -> tuple[str, list[str]]:
    if key in volume_map:
        name = volume_map[key]
        if name in claims:
            return "cutover.yaml", [name]
        of_template = [
            c
            for w in target.workloads
            if w.kind == "StatefulSet" and name in w.claim_templates
            for c in _template_claims(name, w, claims)
        ]
        return "cutover.yaml", of_template or [name]
    for name in dict.fromkeys((key, claim_name_for(key))):
        if name in claims:
            return "name", [name]
    for service in services:
        workload = target.workload(service_map.get(service, service))
        if workload is None:
            continue
        paths = {
            m.target
            for m in project.services[service].mounts
            if m.type == "volume" and m.source == key
        }
        volumes = {v.name: v for v in workload.volumes}
        for container in workload.containers:
            for mount in container.mounts:
                if mount.path not in paths:
                    continue
                pod_volume = volumes.get(mount.volume)
                if pod_volume is not None and pod_volume.kind == "persistentVolumeClaim":
                    return "mount path", [pod_volume.ref]
                if mount.volume in workload.claim_templates:
                    found = _template_claims(mount.volume, workload, claims)
                    return "mount path", found or [f"{mount.volume}-{workload.name}-0"]
        if workload.kind == "StatefulSet" and len(workload.claim_templates) == 1:
            template = workload.claim_templates[0]
            found = _template_claims(template, workload, claims)
            return "statefulset", found or [f"{template}-{workload.name}-0"]
    return "", []


def _template_claims(template: str, sts: TargetWorkload, claims: Iterable[str]) -> list[str]:
    prefix = f"{template}-{sts.name}-"
    found = [c for c in claims if c.startswith(prefix) and _ORDINAL.match(c[len(prefix) :])]
    return sorted(found, key=lambda c: int(c[len(prefix) :]))


def _view(
    name: str,
    pvc: Pvc | None,
    target: TargetState,
    pods: list[MountsClaims],
    events: list[EventRow],
) -> ClaimView:
    workloads = tuple(
        sorted(
            w.name
            for w in target.workloads
            if any(v.kind == "persistentVolumeClaim" and v.ref == name for v in w.volumes)
            or any(name in _template_claims(t, w, [name]) for t in w.claim_templates)
        )
    )
    reason = message = ""
    if pvc is not None and pvc.phase != "Bound":
        latest = latest_events(events, "PersistentVolumeClaim", name)
        if latest:
            reason, message = latest[0].reason, latest[0].message
    return ClaimView(
        name=name,
        pvc=pvc,
        pods=tuple(sorted(p.name for p in pods if name in p.claims)),
        workloads=workloads,
        event_reason=reason,
        event_message=message,
    )


# --- findings ------------------------------------------------------------------------------------


def _findings(row: VolumeRow, ns: str) -> list[Finding]:
    used_by = f" (used by {', '.join(row.services)})" if row.services else ""
    what = f"Compose volume {row.volume}{used_by}"
    if not row.claims:
        return [
            Finding(
                f"volumes.missing:{row.volume}",
                Severity.WARN,
                f"{what} has no PVC replacing it in namespace {ns!r}: expected a claim "
                f"named {row.expected!r}",
                fix=f"Create PVC {row.expected} (`kubectl -n {ns} apply -f <its manifest>`), or "
                f"name the claim that replaces it in cutover.yaml: `volumes: {{{row.volume}: "
                "<pvc-name>}`.",
            )
        ]
    findings: list[Finding] = []
    for view in row.claims:
        findings.extend(_claim_findings(row, view, what, ns))
    if not findings:
        shown = "; ".join(
            f"{v.name} {v.pvc.phase} {v.pvc.capacity or v.pvc.requested} {v.modes_text}"
            for v in row.claims
            if v.pvc is not None
        )
        findings.append(Finding(f"volumes.volume:{row.volume}", Severity.OK, f"{what} -> {shown}"))
    return findings


def _claim_findings(row: VolumeRow, view: ClaimView, what: str, ns: str) -> list[Finding]:
    pvc = view.pvc
    describe = f"`kubectl -n {ns} describe pvc {view.name}`"
    if pvc is None:
        return [
            Finding(
                f"volumes.missing:{view.name}",
                Severity.WARN,
                f"{what}: PVC {view.name} ({row.rule or 'expected'}) does not exist in "
                f"namespace {ns!r}",
                fix=f"Create it (`kubectl -n {ns} apply -f <its manifest>`), or correct "
                f"`volumes: {{{row.volume}: ...}}` in cutover.yaml.",
            )
        ]
    found: list[Finding] = []
    said = f": {view.event_reason}: {view.event_message}" if view.event_message else ""
    if pvc.phase == "Pending":
        waiting = view.event_reason == "WaitForFirstConsumer"
        found.append(
            Finding(
                f"volumes.pending:{view.name}",
                Severity.WARN if waiting else Severity.BLOCK,
                f"PVC {view.name} for {what} is Pending{said}",
                fix=_pending_fix(pvc, view, ns, describe),
            )
        )
    elif pvc.phase == "Lost":
        found.append(
            Finding(
                f"volumes.lost:{view.name}",
                Severity.BLOCK,
                f"PVC {view.name} for {what} is Lost: its PersistentVolume "
                f"{pvc.volume_name or '(unknown)'} is gone",
                fix=f"Restore PersistentVolume {pvc.volume_name or '<name>'} (`kubectl get pv`) "
                f"or delete and re-create the claim, then copy the data again; see {describe}.",
            )
        )
    users = max(len(view.pods), len(view.workloads))
    shared = len(row.services) > 1
    if RWX not in pvc.access_modes and (users > 1 or shared):
        who = (
            f"pods {', '.join(view.pods)}"
            if len(view.pods) > 1
            else f"workloads {', '.join(view.workloads)}"
            if len(view.workloads) > 1
            else f"Compose services {', '.join(row.services)}"
        )
        modes = ", ".join(pvc.access_modes) or "no access mode"
        found.append(
            Finding(
                f"volumes.rwo_shared:{view.name}",
                Severity.BLOCK,
                f"PVC {view.name} ({modes}) holds shared data for {who}: "
                "a ReadWriteOnce volume is mounted on one node only",
                fix="Use a ReadWriteMany class (NFS): re-create the claim with "
                f"`accessModes: [ReadWriteMany]` and a storageClassName that provides it "
                f"(`kubectl get storageclass`), then copy the data of {row.engine_name} into it.",
            )
        )
    size = parse_quantity(pvc.capacity or pvc.requested)
    if row.data_bytes is not None and size is not None and size < row.data_bytes:
        found.append(
            Finding(
                f"volumes.capacity:{view.name}",
                Severity.WARN,
                f"PVC {view.name} holds {pvc.capacity or pvc.requested}, but Compose volume "
                f"{row.engine_name} has {format_bytes(row.data_bytes)} of data",
                fix=f"Request at least {format_bytes(row.data_bytes)} (more, to grow): "
                f"`kubectl -n {ns} patch pvc {view.name} -p "
                f'\'{{"spec":{{"resources":{{"requests":{{"storage":"<size>"}}}}}}}}\'` '
                "when its StorageClass allows expansion, else re-create it larger.",
            )
        )
    return found


def _pending_fix(pvc: Pvc, view: ClaimView, ns: str, describe: str) -> str:
    modes = ", ".join(pvc.access_modes) or "the claim's access mode"
    if view.event_reason == "WaitForFirstConsumer":
        return (
            f"Nothing to do until a pod uses it: its StorageClass {pvc.storage_class} binds on "
            f"first use. If the workload's pods run and it stays Pending, see {describe}."
        )
    if not pvc.storage_class or view.event_reason == "FailedBinding":
        return (
            f"Create a PersistentVolume of at least {pvc.requested or 'the requested size'} with "
            f"access mode {modes} (e.g. an NFS export) for it to bind to, or set the claim's "
            "storageClassName to a class with a provisioner (`kubectl get storageclass`); "
            f"see {describe}."
        )
    return (
        f"Check StorageClass {pvc.storage_class!r} and its provisioner "
        f"(`kubectl get storageclass {pvc.storage_class}`); see {describe}."
    )


def check(round: Round) -> list[Finding]:
    """The Volumes step (wizard.steps): every Compose named volume next to its PVC, read once."""
    from wizard.compose.loader import load_project

    return list(read_volumes(round.config, round.gateways, load_project(round.config)).findings)


def read_volumes(
    config: CutoverConfig, gateways: Gateways, project: ComposeProject
) -> VolumesReport:
    """`gather_volumes` as the configuration says: its maps, its selector, the engine's sizes."""
    return gather_volumes(
        gateways.cluster(),
        project,
        config.volumes,
        config.services,
        config.selector,
        data_sizes(gateways, project.name),
    )
