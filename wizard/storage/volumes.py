"""Every Compose named volume next to the PVC(s) that replace it, and what is wrong with them.

Which claim replaces a volume, first rule that finds one:

1. `cutover.yaml` `volumes:` maps the volume key to a claim name (or to a StatefulSet's claim
   template name, meaning every `<template>-<statefulset>-<ordinal>` claim of it);
2. a claim named like the key, `_` written `-` (`postgres_data` -> `postgres-data`);
3. the workload of a Compose service that mounts the volume (found by the one matcher,
   wizard.mapping.match, as every step finds it) mounts a claim at the same container path: a pod
   volume's `persistentVolumeClaim`, or a StatefulSet claim template, whose claims are
   `<template>-<statefulset>-<ordinal>` (`data-postgres-0`);
4. that workload is a StatefulSet with exactly one claim template: its claims.

A claim template stands for one claim per ordinal: those that exist, and those the StatefulSet's
replicas call for (`data-postgres-0` .. `-2` for 3 replicas), each reported on. One that does not
exist yet is named with the reason: scaled to 0, its pod not made yet (an ordered StatefulSet makes
pod N once pod N-1 is Running and Ready), or the StatefulSet has made no pod at all.

Findings (check ids `volumes.<what>:<name>`):
- no claim: warn, with the name expected and how to map another one;
- Pending: block, with the latest event's message (FailedBinding, ProvisioningFailed) and its fix;
  a claim waiting for its first consumer (WaitForFirstConsumer) only warns;
- Lost: block;
- a claim more than one pod may mount (several workloads, replicas, or a volume several Compose
  services share: uploads, chroma): wizard.storage.access decides, the same rule as the Mapping
  diff's (requested modes, the bound PersistentVolume's modes, who shares it);
- capacity (bound, else requested) smaller than the data in the Compose volume: warn, only when
  the size of that data is known;
- otherwise one ok finding per volume.

`analyse_volumes` is pure over plain dataclasses; `gather_volumes` fetches its inputs through the
Cluster gateway (raising the gateway's GatewayError when it cannot).

Over 400 lines on purpose: the matching, the claim views and the finding texts (with their
fixes) of one analysis; its step check (`check`) is a few lines at the end.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from wizard.checks import Finding, Severity
from wizard.compose.model import ComposeProject
from wizard.errors import CutoverError
from wizard.health.status import EventRow, latest_events
from wizard.mapping.match import match_services
from wizard.model import Pvc
from wizard.storage.access import AccessVerdict, claim_sharers, shared_access
from wizard.storage.claims import format_bytes, parse_quantity
from wizard.target.model import TargetState, TargetWorkload

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways
    from wizard.gateways.protocols import Cluster
    from wizard.steps import Round

_ORDINAL = re.compile(r"^\d+$")
_SHORT_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX"}


class MountsClaims(Protocol):
    """A pod as far as storage cares (wizard.model.Pod and wizard.health.status.PodRow are)."""

    @property
    def name(self) -> str: ...

    @property
    def claims(self) -> tuple[str, ...]: ...

    @property
    def phase(self) -> str: ...


@dataclass(frozen=True)
class ClaimView:
    """One claim replacing a volume: the claim (None when it does not exist) and its users."""

    name: str
    pvc: Pvc | None
    pods: tuple[str, ...] = ()
    workloads: tuple[str, ...] = ()
    event_reason: str = ""  # the latest event's, for a claim that is not Bound
    event_message: str = ""
    template: str = ""  # the StatefulSet claim template it comes from ("" for a plain claim)
    statefulset: str = ""
    not_made: str = ""  # why a template's claim does not exist yet
    sharing: AccessVerdict | None = None  # wizard.storage.access on the pods that share it

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
    matched = match_services(project, target, service_map, project.name).workloads
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
        rule, names = _match(key, project, target, by_name, volume_map, matched, services)
        users = {s: matched.get(s) for s in services}
        views = tuple(_view(n, by_name.get(n), target, pods, events, users) for n in names)
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
    matched: Mapping[str, TargetWorkload | None],
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
        if of_template:
            return "cutover.yaml", of_template
        templated = [
            c
            for w in target.workloads
            if w.kind == "StatefulSet" and name in w.claim_templates
            for c in _ordinal_claims(name, w, claims)
        ]
        return "cutover.yaml", templated or [name]
    for name in dict.fromkeys((key, claim_name_for(key))):
        if name in claims:
            return "name", [name]
    for service in services:
        workload = matched.get(service)
        if workload is None:
            continue
        paths = {
            _norm(m.target)
            for m in project.services[service].mounts
            if m.type == "volume" and m.source == key
        }
        volumes = {v.name: v for v in workload.volumes}
        for container in (*workload.containers, *workload.init_containers):
            for mount in container.mounts:
                if _norm(mount.path) not in paths:
                    continue
                pod_volume = volumes.get(mount.volume)
                if pod_volume is not None and pod_volume.kind == "persistentVolumeClaim":
                    return "mount path", [pod_volume.ref]
                if mount.volume in workload.claim_templates:
                    return "mount path", _ordinal_claims(mount.volume, workload, claims)
        if workload.kind == "StatefulSet" and len(workload.claim_templates) == 1:
            template = workload.claim_templates[0]
            return "statefulset", _ordinal_claims(template, workload, claims)
    return "", []


def _norm(path: str) -> str:
    return posixpath.normpath(path) if path else path


def _ordinal_claims(template: str, sts: TargetWorkload, claims: Iterable[str]) -> list[str]:
    """Every claim of the template: those that exist, and those its replicas call for (at least
    ordinal 0, so a StatefulSet scaled to 0 still names the claim it will make)."""
    found = _template_claims(template, sts, claims)
    wanted = [f"{template}-{sts.name}-{i}" for i in range(max(sts.replicas or 0, 1))]
    names = set(found) | set(wanted)
    return sorted(names, key=lambda c: int(c.rpartition("-")[2]))


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
    compose_users: Mapping[str, TargetWorkload | None],
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
    mounting = tuple(sorted(p.name for p in pods if name in p.claims))
    sts, template, ordinal = _template_of(name, target)
    sharing = None
    if pvc is not None:
        sharing = shared_access(
            name,
            pvc.requested_modes or pvc.access_modes,
            pvc.access_modes if pvc.phase == "Bound" else (),
            claim_sharers(name, target, compose_users),
            mounting,
        )
    return ClaimView(
        name=name,
        pvc=pvc,
        pods=mounting,
        workloads=workloads,
        event_reason=reason,
        event_message=message,
        template=template,
        statefulset=sts.name if sts is not None else "",
        not_made=_not_made(sts, ordinal, pods) if pvc is None and sts is not None else "",
        sharing=sharing,
    )


def _template_of(name: str, target: TargetState) -> tuple[TargetWorkload | None, str, int]:
    """(StatefulSet, template, ordinal) whose claim `name` is, or (None, "", -1)."""
    for w in target.workloads:
        if w.kind != "StatefulSet":
            continue
        for t in w.claim_templates:
            prefix = f"{t}-{w.name}-"
            rest = name[len(prefix) :]
            if name.startswith(prefix) and _ORDINAL.match(rest):
                return w, t, int(rest)
    return None, "", -1


def _not_made(sts: TargetWorkload, ordinal: int, pods: list[MountsClaims]) -> str:
    """Why the StatefulSet has not made the claim of `ordinal` yet: it makes the claim together
    with the pod of that ordinal, and (OrderedReady, the default) pod N only once N-1 is Ready."""
    if not sts.replicas:
        return (
            f"StatefulSet {sts.name} is scaled to 0 replicas: it makes the claim with pod "
            f"{sts.name}-{ordinal} when scaled up"
        )
    by_name = {p.name: p for p in pods}
    if f"{sts.name}-{ordinal}" in by_name:
        return f"pod {sts.name}-{ordinal} exists, but its claim not yet"
    own = [
        n
        for n in by_name
        if n.startswith(f"{sts.name}-") and _ORDINAL.match(n[len(sts.name) + 1 :])
    ]
    earlier = by_name.get(f"{sts.name}-{ordinal - 1}")
    if earlier is not None:
        return (
            f"StatefulSet {sts.name} makes pod {sts.name}-{ordinal} and its claim once pod "
            f"{sts.name}-{ordinal - 1} is Running and Ready; it is {earlier.phase or 'not ready'}"
        )
    if not own:
        return (
            f"StatefulSet {sts.name} has made no pod yet (just applied, or its pods cannot be "
            "created)"
        )
    return f"StatefulSet {sts.name} has not made pod {sts.name}-{ordinal} yet"


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
    if pvc is None and view.statefulset:
        return [
            Finding(
                f"volumes.missing:{view.name}",
                Severity.WARN,
                f"{what}: PVC {view.name} (claim template {view.template} of StatefulSet "
                f"{view.statefulset}) does not exist yet in namespace {ns!r}: {view.not_made}",
                fix=_not_made_fix(view, ns),
            )
        ]
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
    if view.sharing is not None:
        found.append(
            Finding(
                f"volumes.rwo_shared:{view.name}",
                view.sharing.severity,
                f"{what}: {view.sharing.message}",
                fix=view.sharing.fix,
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


def _not_made_fix(view: ClaimView, ns: str) -> str:
    sts = view.statefulset
    if "scaled to 0" in view.not_made:
        return (
            f"Nothing to create by hand: scale it up (`kubectl -n {ns} scale statefulset {sts} "
            "--replicas=1`) and the StatefulSet makes the claim from its template."
        )
    return (
        "Nothing to create by hand: the StatefulSet makes the claim with the pod. See why the "
        f"pods are not there or not Ready: `kubectl -n {ns} describe statefulset {sts}` and "
        f"`kubectl -n {ns} get pods`."
    )


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
