"""Mounts: named volumes against PVC mounts at the same path; bind mounts against ConfigMaps.

The claim that replaces a named volume is the one `cutover.yaml` names (`volumes:`), else one
named like the volume (`postgres_data` -> `postgres-data` or `<project>-postgres-data`), or a
StatefulSet claim template mounted at the same path (`data` -> PVC `data-postgres-0`).

A bind of a host system path (`/var/log`, `/var/lib/docker/containers`, `/proc`, ...) against a
hostPath of that very path reads the node's own files, as the container read the Docker host's:
ok for a DaemonSet (every node), info otherwise (the one node the pod lands on). Any other
hostPath holds what someone copied to the node: warn.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from wizard.checks import Severity
from wizard.compose.model import Mount
from wizard.mapping.common import NONE, Context, row
from wizard.mapping.match import kube_name
from wizard.mapping.model import DiffRow
from wizard.paths import shown
from wizard.storage.access import AccessVerdict, claim_sharers, shared_access
from wizard.target.model import PodVolume, VolumeMountSpec


def _norm(path: str) -> str:
    return posixpath.normpath(path) if path else path


def _mount_at(ctx: Context, path: str) -> VolumeMountSpec | None:
    return next((m for m in ctx.container.mounts if _norm(m.path) == _norm(path)), None)


def _parent_mount(ctx: Context, path: str) -> VolumeMountSpec | None:
    target = _norm(path)
    parents = [
        m for m in ctx.container.mounts if target.startswith(_norm(m.path).rstrip("/") + "/")
    ]
    return max(parents, key=lambda m: len(m.path)) if parents else None


def _pod_volume(ctx: Context, name: str) -> PodVolume | None:
    return next((v for v in ctx.workload.volumes if v.name == name), None)


def volume_rows(ctx: Context) -> list[DiffRow]:
    rows: list[DiffRow] = []
    for mount in ctx.service.mounts:
        if mount.type == "volume" and mount.source:
            rows.append(_named(ctx, mount))
        elif mount.type == "bind":
            rows.append(_bind(ctx, mount))
        else:
            rows.append(_scratch(ctx, mount))
    return rows


def _sharing(ctx: Context, key: str, claim_name: str) -> AccessVerdict | None:
    """wizard.storage.access on the claim: the same rule, and words, as the Volumes step's."""
    claim = next((c for c in ctx.target.claims if c.name == claim_name), None)
    users = {
        name: ctx.workload_of(name)
        for name, service in ctx.project.services.items()
        if any(m.type == "volume" and m.source == key for m in service.mounts)
    }
    sharers = claim_sharers(claim_name, ctx.target, users)
    if claim is not None:
        return shared_access(claim_name, claim.access_modes, claim.bound_modes, sharers)
    pods = sum(s.pods for s in sharers)
    if pods <= 1:
        return None
    # Not silent: several pods share a claim whose access modes were not read.
    return AccessVerdict(
        Severity.INFO,
        f"PVC {claim_name} is not in the target read (not in the manifests, or its labels do "
        f"not match the selector), so whether its {pods} pods may share it from several nodes "
        "is not known here.",
        f"Check its access modes: `kubectl -n {ctx.namespace} get pvc {claim_name} -o "
        "jsonpath='{.spec.accessModes} {.status.accessModes}'` (ReadWriteMany is needed); the "
        "Volumes step reads every claim of the namespace.",
    )


def _kube_text(ctx: Context, mount: VolumeMountSpec) -> str:
    if mount.volume in ctx.workload.claim_templates:
        what = f"claim template {mount.volume} (PVC {mount.volume}-{ctx.workload.name}-0)"
    else:
        volume = _pod_volume(ctx, mount.volume)
        if volume is None:
            what = f"undefined volume {mount.volume}"
        elif volume.kind == "persistentVolumeClaim":
            what = f"PVC {volume.ref}"
        elif volume.ref:
            what = f"{volume.kind} {volume.ref}"
        else:
            what = volume.kind
    ro = " (read-only)" if mount.read_only else ""
    sub = f" subPath {mount.sub_path}" if mount.sub_path else ""
    return f"{what} at {mount.path}{sub}{ro}"


def _mount_fix(ctx: Context, mount: Mount, claim: str) -> str:
    volume = kube_name(mount.source) or "data"
    fix = (
        f"Add to {ctx.spec('volumeMounts')}: {{name: {volume}, mountPath: {mount.target}}}, and to "
        f"{ctx.pod_spec('volumes')}: {{name: {volume}, persistentVolumeClaim: {{claimName: {claim}}}}}"
    )
    if ctx.workload.kind == "StatefulSet":
        fix += f" (or a volumeClaimTemplate named {volume})"
    return fix + "."


def _named(ctx: Context, mount: Mount) -> DiffRow:
    key = mount.source
    field = f"volumes:{key}"
    left = f"volume {key} at {mount.target}" + (" (read-only)" if mount.read_only else "")
    explicit = ctx.config.volumes.get(key)
    named = ctx.project.volumes.get(key)
    guesses = [kube_name(key), kube_name(f"{ctx.config.project_name}-{key}")]
    if named is not None:
        guesses.append(kube_name(named.name))
    claim_hint = explicit or guesses[0]
    where = shown(ctx.config.config_file) if ctx.config.config_file else "cutover.yaml"
    found = _mount_at(ctx, mount.target)

    if found is None:
        return row(
            field,
            left,
            NONE,
            Severity.BLOCK,
            f"Compose keeps volume {key} at {mount.target}; the container mounts nothing there. "
            "What the service writes there would be lost whenever the pod restarts, and the "
            "migrated data would not be seen.",
            _mount_fix(ctx, mount, claim_hint),
        )
    right = _kube_text(ctx, found)
    issues: list[tuple[Severity, str, str]] = []

    if found.volume in ctx.workload.claim_templates:
        pattern = re.compile(rf"^{re.escape(found.volume)}-{re.escape(ctx.workload.name)}-\d+$")
        if explicit and not pattern.match(explicit):
            issues.append(
                (
                    Severity.WARN,
                    f"{where} says {key} became PVC {explicit}, but the container mounts the "
                    f"claim template {found.volume} (PVCs {found.volume}-{ctx.workload.name}-N).",
                    f"If the claim template is right, change the line in {where} to "
                    f"`  {key}: {found.volume}-{ctx.workload.name}-0`; otherwise fix the mount.",
                )
            )
        else:
            issues.append(
                (
                    Severity.OK,
                    f"Mounted at the same path from the claim template {found.volume}.",
                    "",
                )
            )
    else:
        volume = _pod_volume(ctx, found.volume)
        if volume is None:
            issues.append(
                (
                    Severity.BLOCK,
                    f"The container mounts volume {found.volume}, which the pod does not define: "
                    "the manifest is invalid.",
                    f"Add {found.volume} to {ctx.pod_spec('volumes')} as a persistentVolumeClaim "
                    f"of {claim_hint}.",
                )
            )
        elif volume.kind == "persistentVolumeClaim":
            if explicit and volume.ref != explicit:
                issues.append(
                    (
                        Severity.WARN,
                        f"The container mounts PVC {volume.ref}, but {where} says {key} became "
                        f"PVC {explicit}.",
                        f"Fix whichever is wrong: claimName of volume {volume.name} in "
                        f"{ctx.pod_spec('volumes')}, or the line `  {key}: {explicit}` in {where}.",
                    )
                )
            elif explicit or volume.ref in guesses:
                issues.append((Severity.OK, f"PVC {volume.ref} is mounted at the same path.", ""))
            else:
                issues.append(
                    (
                        Severity.INFO,
                        f"PVC {volume.ref} is mounted at the same path; its name does not say it "
                        f"replaces {key}.",
                        f"If it does, add to {where}:\nvolumes:\n  {key}: {volume.ref}",
                    )
                )
            sharing = _sharing(ctx, key, volume.ref)
            if sharing is not None:
                issues.append((sharing.severity, sharing.message, sharing.fix))
        elif volume.kind == "emptyDir":
            issues.append(
                (
                    Severity.BLOCK,
                    f"An emptyDir is mounted there: it is deleted with the pod, so the data of "
                    f"{key} would not survive a restart.",
                    _mount_fix(ctx, mount, claim_hint),
                )
            )
        elif volume.kind == "hostPath":
            issues.append(
                (
                    Severity.WARN,
                    "A hostPath is mounted there: the data stays on one node, and a pod "
                    "scheduled elsewhere sees an empty folder.",
                    _mount_fix(ctx, mount, claim_hint),
                )
            )
        else:
            issues.append(
                (Severity.WARN, _not_for_data(volume, key), _mount_fix(ctx, mount, claim_hint))
            )

    if found.read_only and not mount.read_only:
        issues.append(
            (
                Severity.WARN,
                "Kubernetes mounts it read-only; Compose lets the service write to it.",
                f"Remove readOnly: true from the mount at {mount.target} in {ctx.spec('volumeMounts')}.",
            )
        )
    elif mount.read_only and not found.read_only:
        issues.append(
            (
                Severity.INFO,
                "Compose mounts it read-only; Kubernetes lets the service write to it.",
                f"Set readOnly: true on the mount at {mount.target} if the service should not write there.",
            )
        )
    return _combine(field, left, right, issues)


def _not_for_data(volume: PodVolume, key: str) -> str:
    """Why a configMap, secret or a source this tool does not read is no place for the data."""
    if volume.kind == "other":
        # A source this tool does not read (nfs, csi, ephemeral, ...): named, not guessed at.
        return (
            f"A {volume.ref or 'volume'} volume is mounted there, which cutover does not "
            f"compare: check by hand that it keeps the data of {key}."
        )
    return (
        f"A {volume.kind} is mounted there: read-only configuration, not a place for "
        f"the data of {key}."
    )


def _combine(field: str, left: str, right: str, issues: list[tuple[Severity, str, str]]) -> DiffRow:
    ranked = sorted(issues, key=lambda issue: -issue[0].rank)
    severity = ranked[0][0]
    message = " ".join(m for _, m, _ in ranked)
    fix = " ".join(f for s, _, f in ranked if f and s is not Severity.OK)
    return row(field, left, right, severity, message, fix)


def _show_source(ctx: Context, source: str) -> str:
    try:
        relative = Path(source).relative_to(ctx.config.project_dir)
    except ValueError:
        return source
    return f"./{relative.as_posix()}"


def _bind(ctx: Context, mount: Mount) -> DiffRow:
    source = _show_source(ctx, mount.source)
    field = f"volumes:{mount.target}"
    left = f"{source} at {mount.target}" + (" (read-only)" if mount.read_only else "")
    found = _mount_at(ctx, mount.target)
    base = posixpath.basename(_norm(mount.target)) or "config"
    configmap = f"{ctx.workload.name}-{kube_name(base) or 'config'}"
    ship = (
        f"Either verify the image contains it (kubectl exec {ctx.workload.kind.lower()}/"
        f"{ctx.workload.name} -n {ctx.namespace} -- ls -l {mount.target}), or ship it as a "
        f"ConfigMap: kubectl create configmap {configmap} --from-file={source} -n "
        f"{ctx.namespace}, mounted at {mount.target} (subPath {base} for a single file)."
    )
    if mount.source.endswith("docker.sock"):
        return row(
            field,
            left,
            _kube_text(ctx, found) if found else NONE,
            Severity.WARN,
            "Compose gives the service the Docker socket; Kubernetes nodes usually have no Docker "
            "daemon to share.",
            "Find another way for what the service does with Docker (the Kubernetes API, a Job).",
        )
    if found is not None:
        right = _kube_text(ctx, found)
        volume = _pod_volume(ctx, found.volume)
        kind = volume.kind if volume is not None else ""
        if kind in ("configMap", "secret"):
            return row(
                field,
                left,
                right,
                Severity.OK,
                f"A {kind} is mounted at the same path in place of the host file.",
            )
        if kind == "hostPath" and volume is not None and _same_host_files(mount, volume):
            return _node_files(ctx, field, left, right, mount)
        if kind == "hostPath":
            return row(
                field,
                left,
                right,
                Severity.WARN,
                "A hostPath is mounted there: it reads the node's files, which must then be "
                "copied to every node.",
                ship,
            )
        if kind == "emptyDir":
            return row(
                field,
                left,
                right,
                Severity.WARN,
                f"An empty folder is mounted there: what Compose mounts from {source} is not in it.",
                ship,
            )
        return row(
            field,
            left,
            right,
            Severity.INFO,
            f"Something is mounted at the same path ({right}): make sure it holds what {source} holds.",
        )
    parent = _parent_mount(ctx, mount.target)
    if parent is not None:
        volume = _pod_volume(ctx, parent.volume)
        if volume is not None and volume.kind in ("configMap", "secret"):
            right = _kube_text(ctx, parent)
            return row(
                field,
                left,
                right,
                Severity.INFO,
                f"{volume.kind} {volume.ref} is mounted at {parent.path}: verify it has "
                f"{posixpath.relpath(mount.target, parent.path)}.",
                f"kubectl get {volume.kind.lower()} {volume.ref} -n {ctx.namespace} -o yaml",
            )
    return row(
        field,
        left,
        NONE,
        Severity.WARN,
        f"Compose mounts {source} from the host at {mount.target}; Kubernetes mounts nothing "
        "there, so the file must be baked into the image. Verify it is.",
        ship,
    )


# The host's own system files: a container binding them reads the machine it runs on (logs, the
# container runtime's files, kernel views, the clock), which a node has as the Docker host had.
_HOST_SYSTEM = (
    "/var/log",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/kubelet",
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/var/run",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/machine-id",
    "/etc/os-release",
    "/lib/modules",
    "/usr/lib/os-release",
    "/",
)


def host_system_path(path: str) -> bool:
    """Is `path` (absolute, on the host) one of the machine's own system files or under one?"""
    path = _norm(path)
    return any(
        path == root or (root != "/" and path.startswith(root + "/")) for root in _HOST_SYSTEM
    )


def _same_host_files(mount: Mount, volume: PodVolume) -> bool:
    """A hostPath at the very host path Compose binds, a system path: the same files, read from
    the node as Compose read them from the Docker host."""
    return _norm(volume.ref) == _norm(mount.source) and host_system_path(mount.source)


def _node_files(ctx: Context, field: str, left: str, right: str, mount: Mount) -> DiffRow:
    if ctx.workload.kind == "DaemonSet":
        return row(
            field,
            left,
            right,
            Severity.OK,
            f"A hostPath of the same host path: the DaemonSet's pod on every node reads that "
            f"node's own {mount.source}, as the Compose container read the Docker host's.",
        )
    return row(
        field,
        left,
        right,
        Severity.INFO,
        f"A hostPath of the same host path: the pod reads {mount.source} of the one node it "
        f"lands on, as the Compose container read its one Docker host's.",
        f"If it must see every node's {mount.source} (a log or metrics agent), run it as a "
        "DaemonSet.",
    )


def _scratch(ctx: Context, mount: Mount) -> DiffRow:
    """tmpfs and anonymous volumes: scratch space; an emptyDir is the equivalent."""
    field = f"volumes:{mount.target}"
    what = "tmpfs" if mount.type == "tmpfs" else "anonymous volume"
    left = f"{what} at {mount.target}"
    found = _mount_at(ctx, mount.target)
    if found is not None:
        return row(field, left, _kube_text(ctx, found), Severity.OK, "Mounted at the same path.")
    return row(
        field,
        left,
        NONE,
        Severity.INFO,
        f"Compose gives the service a {what} at {mount.target}; in Kubernetes it writes to the "
        "container's own filesystem there (lost on restart, as with Compose).",
        f"For the same behaviour, mount an emptyDir at {mount.target}"
        + (" with medium: Memory." if mount.type == "tmpfs" else "."),
    )
