"""The fixes of the secret/config rows (diff_files.py): the Secret or ConfigMap to make, and the
pod volume and volumeMount that put its key at the file's path. Only names and paths: a fix
never holds what a secret holds (the model does not have it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.compose.model import FileGrant, ProjectFile
from wizard.mapping.common import Context

RERUN = "then run the Mapping diff step (4) again"


@dataclass(frozen=True)
class FileKind:
    """What a Compose secret or config is, in the words of each side."""

    compose: str  # secret | config
    kube: str  # Secret | ConfigMap


SECRET = FileKind("secret", "Secret")
CONFIG = FileKind("config", "ConfigMap")


def file_key(source: str) -> str:
    """A Secret/ConfigMap key for a Compose name (keys allow letters, digits, -, _ and .)."""
    return re.sub(r"[^-._a-zA-Z0-9]", "-", source) or "value"


def object_name(ctx: Context, kind: FileKind, grant: FileGrant) -> str:
    """The Secret/ConfigMap to use: one of the target's that has the key, else a new name."""
    objects = ctx.target.secrets if kind is SECRET else ctx.target.config_maps
    for name, keys in sorted(objects.items()):
        if file_key(grant.source) in keys:
            return name
    base = f"{ctx.config.project_name}-{grant.source}".lower()
    return re.sub(r"[^a-z0-9.-]", "-", base).strip("-.") or "compose-files"


def volume_source(ctx: Context, kind: FileKind, grant: FileGrant, path: str = "") -> str:
    """`secret: {secretName: x, items: [...]}`: the key put at `path` in the volume, when given."""
    name = object_name(ctx, kind, grant)
    items = f", items: [{{key: {file_key(grant.source)}, path: {path}}}]" if path else ""
    if kind is SECRET:
        return f"secret: {{secretName: {name}{items}}}"
    return f"configMap: {{name: {name}{items}}}"


def mount_snippet(
    ctx: Context, kind: FileKind, grant: FileGrant, *, only_volume: bool = False
) -> str:
    """The pod volume and the container's volumeMount that put the file at its path."""
    volume = re.sub(r"[^a-z0-9-]", "-", f"{kind.compose}-{grant.source}".lower())
    volume_text = f"`- name: {volume}` with `{volume_source(ctx, kind, grant)}`"
    if only_volume:
        return volume_text
    return (
        f"in {ctx.pod_spec('volumes')} add {volume_text}; in {ctx.spec('volumeMounts')} add "
        f"`- {{name: {volume}, mountPath: {grant.target}, subPath: {file_key(grant.source)}, "
        "readOnly: true}`"
    )


def source_step(ctx: Context, kind: FileKind, grant: FileGrant) -> str:
    """How to make the Secret/ConfigMap that holds the file (no value is ever in it)."""
    name = object_name(ctx, kind, grant)
    existing = ctx.target.secrets if kind is SECRET else ctx.target.config_maps
    if name in existing:
        return f"Mount {kind.kube} {name}, which has the key {file_key(grant.source)}"
    command = create_command(ctx, kind, grant, name, file_key(grant.source))
    return f"Create {kind.kube} {name} ({command}), then mount it"


def create_command(ctx: Context, kind: FileKind, grant: FileGrant, name: str, key: str) -> str:
    origin = declared(ctx, kind, grant)
    verb = "secret generic" if kind is SECRET else "configmap"
    ns = ns_flag(ctx)
    if origin is not None and origin.origin == "file" and origin.file:
        return f"`kubectl create {verb} {name}{ns} --from-file={key}={origin.file}`"
    if origin is not None and origin.origin == "environment" and origin.environment:
        return (
            f'`kubectl create {verb} {name}{ns} --from-literal={key}="${origin.environment}"` '
            f"(Compose reads it from the variable {origin.environment})"
        )
    if origin is not None and origin.origin == "content":
        return (
            f"`kubectl create {verb} {name}{ns} --from-file={key}=<a file holding the content of "
            f"configs.{grant.source}>`"
        )
    if origin is not None and origin.external:
        return (
            f"`kubectl create {verb} {name}{ns} --from-file={key}=<file>` with the value of "
            f"the external {kind.compose} {origin.name} (Compose does not manage it)"
        )
    return f"`kubectl create {verb} {name}{ns} --from-file={key}=<file>`"


def declared(ctx: Context, kind: FileKind, grant: FileGrant) -> ProjectFile | None:
    declared = ctx.project.secrets if kind is SECRET else ctx.project.configs
    return declared.get(grant.source)


def ns_flag(ctx: Context) -> str:
    return f" -n {ctx.namespace}" if ctx.namespace else ""
