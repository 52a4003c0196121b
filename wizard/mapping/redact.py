"""The last line of defence: no secret value leaves `plan`, wherever it may have slipped in.

Env rows mask secrets where they are built. A secret can still turn up elsewhere: in a command
(`redis-server --requirepass ...`), a healthcheck, a probe. The redactor knows every secret
value of both sides and replaces it, in every text of every row, with the mask.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from wizard.compose.model import ComposeProject
from wizard.mapping.model import DiffRow
from wizard.secrets.detect import (
    MASK,
    is_flag,
    is_reference,
    is_secret_name,
    looks_like_token,
    url_password_value,
)
from wizard.target.model import TargetState

# Shorter values would garble ordinary text; a secret that short is no secret anyway.
MIN_LENGTH = 4


class Redactor:
    def __init__(self, secrets: Iterable[str], public: Iterable[str] = ()) -> None:
        # Values that are also names shown everywhere (a password "postgres" for the postgres
        # service) would blank the whole plan out; the value is no secret if it is everyone's name.
        known = {p.lower() for p in public}
        values = {s for s in secrets if len(s) >= MIN_LENGTH and s.lower() not in known}
        # Whole values only, never a piece of another word: the password "postgres" must not
        # turn /var/lib/postgresql/data into /var/lib/••••••ql/data.
        self._patterns = [
            (value, re.compile(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])"))
            for value in sorted(values, key=len, reverse=True)
        ]
        self._values = [value for value, _ in self._patterns]

    def __call__(self, text: str) -> str:
        for value, pattern in self._patterns:
            if value in text:
                text = pattern.sub(MASK, text)
        return text

    def row(self, row: DiffRow) -> DiffRow:
        if not self._values:
            return row
        finding = dataclasses.replace(
            row.finding,
            message=self(row.finding.message),
            fix=self(row.finding.fix),
            detail=self(row.finding.detail),
        )
        return dataclasses.replace(
            row, compose=self(row.compose), kubernetes=self(row.kubernetes), finding=finding
        )


def secret_values(
    project: ComposeProject, target: TargetState, secret_env: Iterable[str] = ()
) -> set[str]:
    """Every secret value in sight: Compose values of secret variables (by name, by
    `cutover.yaml`, or because Kubernetes reads that variable from a Secret), passwords inside
    URLs, and plain-text secrets in the manifests."""
    by_config = set(secret_env)
    from_secret: set[str] = set()
    literals: list[tuple[str, str]] = []
    for workload in target.workloads:
        for container in (*workload.containers, *workload.init_containers):
            for name, env in container.env.items():
                if env.secret is not None:
                    from_secret.add(name)
                elif env.value:
                    literals.append((name, env.value))
    found: set[str] = set()

    def consider(name: str, value: str) -> None:
        named = is_secret_name(name) or name in by_config or name in from_secret
        if (named and not is_reference(value) and not is_flag(value)) or looks_like_token(value):
            found.add(value)
        password = url_password_value(value)
        if password and not is_reference(password):
            found.add(password)

    for service in project.services.values():
        for name, value in service.environment.items():
            if value:
                consider(name, value)
    for name, value in literals:
        consider(name, value)
    for data in target.config_map_values.values():
        for name, value in data.items():
            consider(name, value)
    return found
