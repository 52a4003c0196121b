"""What every field family of the diff shares: the service's context and how a row is made."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wizard.checks import Finding, Severity
from wizard.compose.model import ComposeProject, ComposeService
from wizard.config import CutoverConfig
from wizard.mapping.hosts import Hostnames
from wizard.mapping.model import DiffRow
from wizard.target.model import ContainerSpec, TargetState, TargetWorkload

NONE = "—"  # shown for "nothing on this side"


@dataclass(frozen=True)
class Context:
    """One Compose service and the workload (and its main container) it became."""

    project: ComposeProject
    target: TargetState
    config: CutoverConfig
    namespace: str
    workloads: Mapping[str, TargetWorkload | None]
    hosts: Hostnames
    service: ComposeService
    workload: TargetWorkload
    container: ContainerSpec
    secret_env: frozenset[str] = field(default_factory=frozenset)  # secret by cutover.yaml
    # Service -> the container that runs it, as the matcher chose (None: not known).
    containers: Mapping[str, ContainerSpec | None] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """`Deployment email-rag-backend, container backend`, for messages."""
        return f"{self.workload.kind} {self.workload.name}, container {self.container.name}"

    def spec(self, path: str) -> str:
        """The manifest field of the main container, for fixes:
        `spec.template.spec.containers[name=backend].image of Deployment email-rag-backend`."""
        return (
            f"{self.workload.pod_path}.containers[name={self.container.name}].{path} of "
            f"{self.workload.kind} {self.workload.name}"
        )

    def pod_spec(self, path: str) -> str:
        return f"{self.workload.pod_path}.{path} of {self.workload.kind} {self.workload.name}"

    def workload_of(self, service: str) -> TargetWorkload | None:
        return self.workloads.get(service)


def row(
    name: str,
    compose: str,
    kubernetes: str,
    severity: Severity,
    message: str,
    fix: str = "",
) -> DiffRow:
    """One diff row; its finding's check is the field name."""
    return DiffRow(
        field=name,
        compose=compose,
        kubernetes=kubernetes,
        finding=Finding(check=name, severity=severity, message=message, fix=fix),
    )


_PLAIN_WORD = re.compile(r"[\w@%+=:,./$()-]+")


def argv(words: Sequence[str] | None, default: str = "(image default)") -> str:
    """A command as a shell would show it (`$(VAR)` references as written); `default` when
    not set."""
    if words is None:
        return default
    return " ".join(w if _PLAIN_WORD.fullmatch(w) else shlex.quote(w) for w in words)


def main_container(service: str, workload: TargetWorkload) -> ContainerSpec | None:
    """The container that runs the Compose service when the matcher's choice is not at hand:
    the one named like the service or the workload, else the only one (None: not known)."""
    for container in workload.containers:
        if container.name in (service, workload.name):
            return container
    return workload.containers[0] if len(workload.containers) == 1 else None
