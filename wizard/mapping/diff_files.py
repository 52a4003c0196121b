"""Compose secrets and configs (files in the container) against Secret/ConfigMap volumes.

A service given `secrets: [db-password]` reads a file at /run/secrets/db-password; a database
told `MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db-password` will not start without it. So each
secret and config a service is given must be a file at the same path in the Kubernetes container:
a Secret, ConfigMap or projected volume mounted there with `subPath`, or mounted on a parent
folder with the key (or an item's path) as the file's name; a mode Compose sets is compared.
Two faithful conversions put it elsewhere: the value in the environment (`MYSQL_ROOT_PASSWORD`
from a Secret where Compose set the `_FILE` variable), or the file at another path the `_FILE`
variable now points at. Anything else blocks, with the volume and the mount to add.

And a `*_FILE` variable of the Kubernetes container that points at a path nothing mounts blocks
as well (when Compose mounts that path, or the name says it holds a secret): the program reads a
file that is not there. Only names and paths are shown, never what a secret holds (the model
does not hold it).
"""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass

from wizard.checks import Severity
from wizard.compose.model import FileGrant
from wizard.mapping.common import NONE, Context, row
from wizard.mapping.files_fix import (
    CONFIG,
    RERUN,
    SECRET,
    FileKind,
    create_command,
    file_key,
    mount_snippet,
    ns_flag,
    source_step,
    volume_source,
)
from wizard.mapping.model import DiffRow
from wizard.secrets.detect import is_secret_name
from wizard.target.model import PodVolume, VolumeMountSpec, VolumeSource

OK, INFO, WARN, BLOCK = Severity.OK, Severity.INFO, Severity.WARN, Severity.BLOCK


def file_rows(ctx: Context) -> list[DiffRow]:
    """One row per secret and config of the service, then one per `*_FILE` variable of the
    Kubernetes container that points at a file nothing mounts."""
    rows: list[DiffRow] = []
    for kind, grants in ((SECRET, ctx.service.secrets), (CONFIG, ctx.service.configs)):
        sources = [g.source for g in grants]
        for grant in grants:
            field = f"{kind.compose}s:{grant.source}"
            if sources.count(grant.source) > 1:
                field += f" {grant.target}"
            rows.append(_grant_row(ctx, kind, grant, field))
    rows += _file_variable_rows(ctx)
    return rows


# --- where a file comes from in the container ---------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """The mount that puts something at a path, and the path inside the volume ("" when the
    volume itself is mounted there, i.e. a folder)."""

    mount: VolumeMountSpec
    volume: PodVolume | None
    inside: str


def _provider(ctx: Context, path: str) -> _Found | None:
    """The most specific mount of the main container at `path` or on a folder above it."""
    best: _Found | None = None
    best_len = -1
    for mount in ctx.container.mounts:
        base = mount.path.rstrip("/") or "/"
        if path == base:
            inside = mount.sub_path
        elif path.startswith(base.rstrip("/") + "/"):
            rest = path[len(base.rstrip("/")) + 1 :]
            inside = f"{mount.sub_path.rstrip('/')}/{rest}" if mount.sub_path else rest
        else:
            continue
        if len(base) > best_len:
            volume = next((v for v in ctx.workload.volumes if v.name == mount.volume), None)
            best, best_len = _Found(mount, volume, inside), len(base)
    return best


def _entry(volume: PodVolume, inside: str) -> tuple[VolumeSource, str] | None:
    """The Secret/ConfigMap and key whose file is at `inside` in `volume`, or None."""
    for source in volume.sources:
        if source.items:
            key = next((k for k, p in source.items if posixpath.normpath(p) == inside), None)
            if key is not None:
                return source, key
        elif "/" not in inside and inside:
            return source, inside
    return None


def _keys(ctx: Context, source: VolumeSource) -> tuple[str, ...] | None:
    """The keys of the Secret or ConfigMap, or None when it is not known."""
    objects = ctx.target.secrets if source.kind == "Secret" else ctx.target.config_maps
    return objects.get(source.name)


# --- one secret or config ------------------------------------------------------------------------


def _grant_row(ctx: Context, kind: FileKind, grant: FileGrant, field: str) -> DiffRow:
    compose = f"{grant.source} at {grant.target}"
    found = _provider(ctx, grant.target)
    if found is None:
        return _not_mounted(ctx, kind, grant, field, compose)
    volume, inside = found.volume, found.inside
    where = f"volume {found.mount.volume} mounted at {found.mount.path}"
    if volume is None:
        return row(
            field,
            compose,
            where,
            BLOCK,
            f"{ctx.where} mounts volume {found.mount.volume!r}, which the pod does not define.",
            f"Add volume {found.mount.volume} to {ctx.pod_spec('volumes')} "
            f"({mount_snippet(ctx, kind, grant, only_volume=True)}), {RERUN}.",
        )
    if not inside:
        return row(
            field,
            compose,
            f"{_volume_text(volume)}, a folder at {grant.target}",
            BLOCK,
            f"The {kind.compose} {grant.source!r} is a file at {grant.target}, but "
            f"{ctx.where} mounts the whole {_volume_text(volume)} there: a folder, not a file.",
            f"Mount one key as that file: add `subPath: <key>` to the volumeMount at "
            f"{grant.target} in {ctx.spec('volumeMounts')}, {RERUN}.",
        )
    if volume.kind in ("secret", "configMap") or volume.sources:
        return _from_object(ctx, kind, grant, field, compose, volume, inside)
    shown = f"{_volume_text(volume)} at {found.mount.path}"
    if volume.kind == "emptyDir":
        filled = any(
            m.volume == volume.name for c in ctx.workload.init_containers for m in c.mounts
        )
        if not filled:
            return row(
                field,
                compose,
                shown,
                BLOCK,
                f"{ctx.where} has an empty folder (emptyDir) at {found.mount.path}: nothing "
                f"puts the {kind.compose} {grant.source!r} at {grant.target}.",
                f"In volume {volume.name} of {ctx.pod_spec('volumes')}, replace `emptyDir` "
                f"with `{volume_source(ctx, kind, grant, inside)}`; {RERUN}.",
            )
        return row(
            field,
            compose,
            shown,
            WARN,
            f"An init container fills the emptyDir at {found.mount.path}; cutover cannot see "
            f"whether it writes {grant.target}.",
            f"Check that the init container writes {grant.target}, or mount it from a "
            f"{kind.kube}: {mount_snippet(ctx, kind, grant)}.",
        )
    return row(
        field,
        compose,
        shown,
        WARN,
        f"{grant.target} comes from {_volume_text(volume)}; cutover cannot see whether it holds "
        f"the {kind.compose} {grant.source!r}.",
        f"Check that the file is there (kubectl exec ... -- ls -l {grant.target}), or mount it "
        f"from a {kind.kube}: {mount_snippet(ctx, kind, grant)}.",
    )


def _from_object(
    ctx: Context,
    kind: FileKind,
    grant: FileGrant,
    field: str,
    compose: str,
    volume: PodVolume,
    inside: str,
) -> DiffRow:
    entry = _entry(volume, inside)
    if entry is None:
        return row(
            field,
            compose,
            f"{_volume_text(volume)}: no {inside}",
            BLOCK,
            f"{_volume_text(volume)} lists `items`, and none of them is {inside!r}: "
            f"{grant.target} is not there.",
            f"Add `- {{key: <key>, path: {inside}}}` to the items of volume {volume.name} in "
            f"{ctx.pod_spec('volumes')}, {RERUN}.",
        )
    source, key = entry
    shown = f"{source.kind} {source.name}/{key}"
    keys = _keys(ctx, source)
    if keys is None:
        unreadable = source.kind == "Secret" and not ctx.target.secrets_readable
        if unreadable:
            return row(
                field,
                compose,
                shown,
                INFO,
                f"Mounted at {grant.target} from {shown}; this identity may not read Secrets, "
                "so the key is not checked.",
            )
        # Secrets are often made apart from the manifests (and unlabelled in the cluster), as
        # the env diff reads a secretKeyRef: said, not blocked; a ConfigMap is a warning there.
        return row(
            field,
            compose,
            shown,
            INFO if source.kind == "Secret" else WARN,
            f"{grant.target} is mounted from {shown}, but cutover did not find {source.kind} "
            f"{source.name} in {_where_read(ctx)}, so the key is not checked; the pod does not "
            "start until it exists.",
            f"If it is not there (`kubectl get {source.kind.lower()} {source.name}"
            f"{ns_flag(ctx)}`), create it: "
            f"{create_command(ctx, kind, grant, source.name, key)}; {RERUN}.",
        )
    if key not in keys:
        return row(
            field,
            compose,
            shown,
            BLOCK,
            f"{source.kind} {source.name} has no key {key!r} (it has "
            f"{', '.join(sorted(keys)) or 'none'}): {grant.target} is not there.",
            f"Add the key: {create_command(ctx, kind, grant, source.name, key)} "
            f"(or point the volume at the key that holds it); {RERUN}.",
        )
    if kind is SECRET and source.kind == "ConfigMap":
        return row(
            field,
            compose,
            shown,
            WARN,
            f"The secret {grant.source!r} is mounted from {shown}: anyone who may read "
            "ConfigMaps reads it.",
            f"Move it into a Secret and mount that instead: {mount_snippet(ctx, kind, grant)}.",
        )
    mode = source.mode_of(inside)
    if grant.mode is not None and mode != grant.mode:
        # A key file readable by others is refused by PostgreSQL, ssh and others; one the
        # program cannot read stops it: either way the mode Compose chose mattered.
        where = f"`items[].mode` of key {key}" if source.items else "`defaultMode`"
        return row(
            field,
            compose,
            f"{shown}, mode {mode:04o}",
            WARN,
            f"Mounted at {grant.target} from {shown}, but with mode {mode:04o} where Compose "
            f"gives {grant.mode:04o}.",
            f"Set {where}: 0{grant.mode:o} on volume {volume.name} in "
            f"{ctx.pod_spec('volumes')}, {RERUN}.",
        )
    return row(field, compose, shown, OK, f"Mounted at {grant.target} from {shown}.")


# --- nothing mounted: the environment instead, or the fix ---------------------------------------


def _not_mounted(
    ctx: Context, kind: FileKind, grant: FileGrant, field: str, compose: str
) -> DiffRow:
    readers = sorted(
        name
        for name, value in ctx.service.environment.items()
        if name.endswith("_FILE") and value == grant.target
    )
    moved = _moved(ctx, kind, grant, field, readers)
    if moved is not None:
        return moved
    instead = [_from_env(ctx, kind, name) for name in readers]
    if readers and all(instead):
        shown = "; ".join(text for text in instead if text)
        plain = [
            name[: -len("_FILE")]
            for name in readers
            if kind is SECRET
            and name[: -len("_FILE")] in ctx.container.env
            and ctx.container.env[name[: -len("_FILE")]].secret is None
        ]
        if plain:
            return row(
                field,
                compose,
                shown,
                WARN,
                f"Compose gives the secret {grant.source!r} as a file; Kubernetes sets "
                f"{', '.join(plain)} in the manifest instead: the value is in plain text there.",
                f"Take it from a Secret: `valueFrom: {{secretKeyRef: {{name: <secret>, key: "
                f"{file_key(grant.source)}}}}}` in {ctx.spec('env')}.",
            )
        unsure = _UNREAD in shown
        return row(
            field,
            compose,
            shown,
            INFO if unsure else OK,
            f"Compose reads the {kind.compose} as a file ({', '.join(readers)}); Kubernetes "
            f"gives it in the environment instead ({shown}).",
        )
    why = (
        f" {', '.join(readers)} point{'s' if len(readers) == 1 else ''} there, and nothing else "
        "sets the value."
        if readers
        else ""
    )
    return row(
        field,
        compose,
        NONE,
        BLOCK,
        f"Compose gives {ctx.service.name} the {kind.compose} {grant.source!r} as the file "
        f"{grant.target}; {ctx.where} mounts nothing there.{why}",
        f"{source_step(ctx, kind, grant)}: {mount_snippet(ctx, kind, grant)}; {RERUN}.",
    )


def _moved(
    ctx: Context, kind: FileKind, grant: FileGrant, field: str, readers: list[str]
) -> DiffRow | None:
    """When Kubernetes points every `*_FILE` variable that reads the file at another path, and
    mounts something there: the row for the file at that path (None when it does not)."""
    paths = {}
    for name in readers:
        value = ctx.container.env.get(name)
        path = (value.value or "") if value is not None else ""
        if not path.startswith("/") or path == grant.target or _provider(ctx, path) is None:
            return None
        paths[name] = path
    if not paths:
        return None
    worst: DiffRow | None = None
    for path in paths.values():
        found = _grant_row(ctx, kind, dataclasses.replace(grant, target=path), field)
        if worst is None or found.finding.severity.rank > worst.finding.severity.rank:
            worst = found
    assert worst is not None
    pointed = ", ".join(f"{name}={path}" for name, path in paths.items())
    finding = dataclasses.replace(
        worst.finding,
        message=f"Kubernetes moves the file ({pointed}): {worst.finding.message}",
    )
    return dataclasses.replace(worst, compose=f"{grant.source} at {grant.target}", finding=finding)


def _from_env(ctx: Context, kind: FileKind, file_variable: str) -> str:
    """How Kubernetes sets the value `file_variable` would read from a file ("" when it does
    not, or when it still sets `file_variable` itself)."""
    if file_variable in ctx.container.env:
        return ""
    name = file_variable[: -len("_FILE")]
    value = ctx.container.env.get(name)
    if value is None:
        return _from_env_from(ctx, name)
    if value.secret is not None:
        return f"{name} from Secret {value.secret[0]}/{value.secret[1]}"
    if value.config_map is not None:
        return f"{name} from ConfigMap {value.config_map[0]}/{value.config_map[1]}"
    if kind is SECRET:
        return f"{name} in the manifest"
    return f"{name} set in the manifest"


_UNREAD = "(envFrom; its keys were not read)"


def _from_env_from(ctx: Context, name: str) -> str:
    """`name` from a whole Secret or ConfigMap (`envFrom`): the one whose keys have it, or,
    when the keys of one are not known, that one as a maybe ("" when none can hold it)."""
    unknown = []
    for kind, obj in ctx.container.env_from:
        keys = (ctx.target.secrets if kind == "Secret" else ctx.target.config_maps).get(obj)
        if keys is None:
            unknown.append(f"{kind} {obj}")
        elif name in keys:
            return f"{name} from {kind} {obj} (envFrom)"
    if unknown:
        return f"{name} perhaps from {' or '.join(unknown)} {_UNREAD}"
    return ""


# --- *_FILE variables of the Kubernetes container -----------------------------------------------


def _file_variable_rows(ctx: Context) -> list[DiffRow]:
    granted = {g.target for g in (*ctx.service.secrets, *ctx.service.configs)}
    rows: list[DiffRow] = []
    for name, value in sorted(ctx.container.env.items()):
        path = value.value or ""
        if not name.endswith("_FILE") or not path.startswith("/") or path in granted:
            continue
        if _provider(ctx, path) is not None:
            continue
        compose_mounts = _compose_provides(ctx, path)
        same_in_compose = ctx.service.environment.get(name) == path
        if not compose_mounts and same_in_compose:
            continue  # in the image, or written at run time: the same on both sides
        secretish = is_secret_name(name[: -len("_FILE")])
        # A log file only Kubernetes names may be one the program writes: ask, do not block.
        severity = BLOCK if compose_mounts or secretish else WARN
        because = f"Compose mounts {compose_mounts} there" if compose_mounts else ""
        rows.append(
            row(
                f"files:{name}",
                f"{name}={ctx.service.environment[name]}"
                if ctx.service.environment.get(name)
                else NONE,
                f"{name}={path}, nothing mounted",
                severity,
                f"{ctx.where} sets {name}={path}, but nothing is mounted at {path}"
                + (f" ({because})" if because else "")
                + ": the program reads a file that is not there.",
                f"Mount the file there from a Secret or ConfigMap (a volume in "
                f"{ctx.pod_spec('volumes')} and a volumeMount at {path} with `subPath: <key>` "
                f"in {ctx.spec('volumeMounts')}), or set {name} to a path that is mounted; "
                f"{RERUN}.",
            )
        )
    return rows


def _compose_provides(ctx: Context, path: str) -> str:
    """What Compose mounts at `path` or on a folder above it, in words ("" when nothing)."""
    for mount in ctx.service.mounts:
        base = mount.target.rstrip("/")
        if path == mount.target or path.startswith(base + "/"):
            what = f"the {mount.type} {mount.source}" if mount.source else f"a {mount.type}"
            return f"{what} at {mount.target}"
    return ""


def _volume_text(volume: PodVolume) -> str:
    if volume.kind == "secret":
        return f"Secret {volume.ref} (volume {volume.name})"
    if volume.kind == "configMap":
        return f"ConfigMap {volume.ref} (volume {volume.name})"
    if volume.sources:
        return f"projected volume {volume.name}"
    if volume.kind == "persistentVolumeClaim":
        return f"claim {volume.ref} (volume {volume.name})"
    return f"{volume.kind} volume {volume.name}"


def _where_read(ctx: Context) -> str:
    if "cluster" not in ctx.target.sources:
        return "the manifests"
    labels = f" with labels {ctx.target.selector}" if ctx.target.selector else ""
    return f"namespace {ctx.namespace}{labels}"
