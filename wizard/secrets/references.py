"""Which workloads use which key of the Secret, and what that means for the cutover.

Three ways a pod reads a Secret: one key into an env variable (`secretKeyRef`), every key as
env variables (`envFrom.secretRef`), or every key as files (a `secret` volume). A key some pod
references that the Secret lacks keeps that pod from starting (CreateContainerConfigError), so
it blocks; a key nobody references is only worth knowing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wizard.checks import Finding, Severity
from wizard.model import SecretKeys
from wizard.secrets.spec import INIT_ONLY_WHY, URL_WHY, SecretSpec, init_only_service
from wizard.target.model import TargetState

WHOLE_SECRET = "*"  # the key of a reference to every key (envFrom, volume)


@dataclass(frozen=True)
class Reference:
    """One use of the Secret: `key` (or WHOLE_SECRET) by `workload`, and how."""

    key: str
    workload: str
    how: str  # "env DATABASE_PASSWORD", "envFrom", "volume secrets"
    optional: bool = False


@dataclass(frozen=True)
class KeyRow:
    """A line of the references table."""

    key: str
    in_cluster: bool | None  # None: this identity cannot read the Secret
    workloads: tuple[str, ...]
    how: tuple[str, ...]


def find_references(target: TargetState, secret: str) -> list[Reference]:
    refs: list[Reference] = []
    for workload in target.workloads:
        for container in (*workload.init_containers, *workload.containers):
            for env_name, env in container.env.items():
                if env.secret is not None and env.secret[0] == secret:
                    refs.append(Reference(env.secret[1], workload.name, f"env {env_name}"))
            for kind, name in container.env_from:
                if kind == "Secret" and name == secret:
                    refs.append(Reference(WHOLE_SECRET, workload.name, "envFrom"))
        for volume in workload.volumes:
            if volume.kind == "secret" and volume.ref == secret:
                refs.append(Reference(WHOLE_SECRET, workload.name, f"volume {volume.name}"))
    return refs


def key_rows(
    spec: SecretSpec, refs: Sequence[Reference], existing: SecretKeys | None, readable: bool
) -> list[KeyRow]:
    """One row per key (the spec's, then any other the cluster or the workloads have)."""
    keys = list(spec.keys)
    extra = {r.key for r in refs if r.key != WHOLE_SECRET}
    if existing is not None:
        extra |= set(existing.digests)
    keys += sorted(extra - set(keys))
    rows = []
    whole = [r for r in refs if r.key == WHOLE_SECRET]
    for key in keys:
        users = [r for r in refs if r.key == key] + whole
        present = None if not readable else existing is not None and key in existing.digests
        rows.append(
            KeyRow(
                key=key,
                in_cluster=present,
                workloads=tuple(dict.fromkeys(r.workload for r in users)),
                how=tuple(dict.fromkeys(f"{r.workload}: {r.how}" for r in users)),
            )
        )
    return rows


def reference_findings(
    spec: SecretSpec,
    refs: Sequence[Reference],
    existing: SecretKeys | None,
    readable: bool,
    context: str,
    namespace: str,
) -> list[Finding]:
    findings: list[Finding] = []
    if not readable:
        findings.append(
            Finding(
                "secrets.unreadable",
                Severity.WARN,
                f"Cannot read Secret keys with this identity: whether Secret {spec.name} has "
                "the keys the workloads reference is unknown.",
                fix=f"Run with an identity that may get secrets: `kubectl --context {context} "
                f"-n {namespace} auth can-i get secrets`.",
                inconclusive=True,
            )
        )
    else:
        have = set(existing.digests) if existing is not None else set()
        by_key: dict[str, list[str]] = {}
        for r in refs:
            if r.key != WHOLE_SECRET and not r.optional:
                by_key.setdefault(r.key, []).append(r.workload)
        for key, workloads in sorted(by_key.items()):
            if key not in have:
                users = ", ".join(dict.fromkeys(workloads))
                findings.append(
                    Finding(
                        "secrets.missing-key",
                        Severity.BLOCK,
                        f"Key {key} of Secret {spec.name} is referenced by {users} but absent: "
                        "those pods cannot start.",
                        fix=f"On the Secrets step (2), enter a value for {key} and apply the Secret (F6).",
                    )
                )
        if existing is None and any(r.key == WHOLE_SECRET for r in refs):
            users = ", ".join(dict.fromkeys(r.workload for r in refs if r.key == WHOLE_SECRET))
            findings.append(
                Finding(
                    "secrets.missing-secret",
                    Severity.BLOCK,
                    f"Secret {spec.name} is used whole by {users} but does not exist.",
                    fix="On the Secrets step (2), enter the values and apply the Secret (F6).",
                )
            )
        used = {r.key for r in refs}
        if WHOLE_SECRET not in used:
            for key in sorted(have - used):
                findings.append(
                    Finding(
                        "secrets.unused-key",
                        Severity.INFO,
                        f"Key {key} of Secret {spec.name} is not referenced by any workload.",
                    )
                )
    for entry in spec.entries:
        if entry.init_only:
            findings.append(
                Finding(
                    "secrets.init-only",
                    Severity.WARN,
                    INIT_ONLY_WHY.format(env=entry.env, service=init_only_service(entry.env)),
                    fix=f"Enter the value the running {init_only_service(entry.env)} uses for "
                    f"{entry.key} "
                    "(take it from .env); do not generate one.",
                )
            )
        if entry.url_embedded:
            findings.append(
                Finding(
                    "secrets.url-password",
                    Severity.WARN,
                    URL_WHY.format(env=entry.env or entry.key),
                    fix=f"Whenever the password inside it changes, update {entry.key} too.",
                )
            )
    return findings
