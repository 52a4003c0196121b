"""The key-level diff of the Secret, and writing it: create when absent, else one merge patch.

The diff compares sha256 digests of the wanted values with those the Secret has, so it never
needs (or shows) a value the cluster holds. Applying the same values twice writes nothing the
second time. Every write, and every write refused, goes to the audit log with key names only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from wizard.checks import Finding, Severity
from wizard.errors import CutoverError, Forbidden, GatewayError, ReadOnlyRefused
from wizard.gateways.protocols import Cluster
from wizard.model import SecretKeys
from wizard.secrets.spec import SecretSpec
from wizard.state.audit import AuditLog, record


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class SecretDiff:
    """What applying would change, by key name: never values."""

    name: str
    exists: bool
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # in the spec, no value here and none in the cluster

    @property
    def writes(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def lines(self) -> list[str]:
        """The preview, one line per kind of change."""
        verb = "patch" if self.exists else "create"
        if self.writes:
            head = f"{verb} Secret {self.name}"
        elif self.exists:
            head = f"Secret {self.name}: no change"
        else:
            head = f"Secret {self.name}: absent, no value to create it with yet"
        out = [head]
        for word, keys in (
            ("add", self.added),
            ("change", self.changed),
            ("remove", self.removed),
            ("unchanged", self.unchanged),
            ("no value yet", self.missing),
        ):
            if keys:
                out.append(f"  {word}: {', '.join(keys)}")
        return out


def diff_secret(
    spec: SecretSpec, values: Mapping[str, str], existing: SecretKeys | None, prune: bool = False
) -> SecretDiff:
    """`values`: the wanted value of each key that has one. `prune`: also remove keys the
    Secret has that are not in the spec (kept otherwise: someone else may have put them there)."""
    return diff_digests(spec, {k: digest(v) for k, v in values.items()}, existing, prune)


def diff_digests(
    spec: SecretSpec, wanted: Mapping[str, str], existing: SecretKeys | None, prune: bool = False
) -> SecretDiff:
    """As `diff_secret`, from the sha256 digest of each wanted value: what the screen's preview
    uses, so it needs no value it does not hold (the keyring's are kept as digests only)."""
    have = existing.digests if existing is not None else {}
    added, changed, unchanged, missing = [], [], [], []
    for key in spec.keys:
        if key in wanted:
            if key not in have:
                added.append(key)
            elif have[key] != wanted[key]:
                changed.append(key)
            else:
                unchanged.append(key)
        elif key in have:
            unchanged.append(key)
        else:
            missing.append(key)
    removed = sorted(set(have) - set(spec.keys)) if prune else []
    return SecretDiff(
        name=spec.name,
        exists=existing is not None,
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        unchanged=tuple(unchanged),
        missing=tuple(missing),
    )


@dataclass(frozen=True)
class Applied:
    diff: SecretDiff
    secret: SecretKeys | None  # what the cluster has now (None: still absent)
    wrote: bool


def apply_secret(
    cluster: Cluster,
    spec: SecretSpec,
    values: Mapping[str, str],
    audit: AuditLog,
    prune: bool = False,
) -> Applied:
    """Read the Secret, diff, and write only what differs; audit the write (or its refusal).

    Raises the gateway's error (Forbidden, ReadOnlyRefused, ...) after auditing it.
    """
    existing = cluster.read_secret_keys(spec.name)
    diff = diff_secret(spec, values, existing, prune)
    if not diff.writes:
        return Applied(diff, existing, wrote=False)
    who = cluster.identity
    keys = [*diff.added, *diff.changed, *diff.removed]
    action = "patch-secret" if diff.exists else "create-secret"
    obj = f"Secret/{who.namespace}/{spec.name}"
    secret_values = list(values.values())
    try:
        if existing is None:
            wanted = {k: values[k] for k in spec.keys if k in values}
            secret = cluster.create_secret(spec.name, wanted, spec.labels)
        else:
            changes = {k: values[k] for k in (*diff.added, *diff.changed)}
            secret = cluster.patch_secret(spec.name, changes, diff.removed, spec.labels)
    except GatewayError as exc:
        result = (
            "refused"
            if isinstance(exc, ReadOnlyRefused)
            else "forbidden"
            if isinstance(exc, Forbidden)
            else "failed"
        )
        audit.write(record(who.context, who.namespace, action, obj, keys, result), secret_values)
        raise
    audit.write(record(who.context, who.namespace, action, obj, keys, "ok"), secret_values)
    return Applied(diff, secret, wrote=True)


def failure_finding(exc: CutoverError) -> Finding:
    """A failed read or write of the Secret, as the screen shows it (messages carry no values)."""
    if isinstance(exc, ReadOnlyRefused):
        return Finding("secrets.apply", Severity.INFO, exc.message, exc.fix)
    return Finding(
        "secrets.apply", Severity.BLOCK, f"The Secret was not written: {exc.message}", exc.fix
    )
