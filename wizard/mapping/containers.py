"""Which container of a workload runs a Compose service, and what a `services:` entry names.

A `services:` value in cutover.yaml is `workload`, `workload/container` (two Compose services
that became containers of one pod: a sidecar, `network_mode: service:x`) or
`Kind/workload[/container]` when several kinds share the name. The container is, in this order:
the one the entry names; the one named like the service or its `container_name`; the only one;
the one named like the workload; the only one running the Compose image. Otherwise which one is
not known, and the finding names the containers there are (a guess would diff the wrong one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.compose.model import ComposeService
from wizard.target.model import WORKLOAD_KINDS, ContainerSpec, TargetState, TargetWorkload

# How operators write kinds (kubectl's names and short names) -> the kind.
KIND_NAMES: dict[str, str] = {
    **{k.lower(): k for k in WORKLOAD_KINDS},
    **{f"{k.lower()}s": k for k in WORKLOAD_KINDS},
    "deploy": "Deployment",
    "sts": "StatefulSet",
    "ds": "DaemonSet",
    "rc": "ReplicationController",
    "cj": "CronJob",
    "po": "Pod",
}


def kube_name(name: str) -> str:
    """A Compose name as a Kubernetes object name would spell it: lower case, `_` as `-`."""
    return re.sub(r"[^a-z0-9.-]", "-", name.lower()).strip("-.")


@dataclass(frozen=True)
class TargetRef:
    """One reading of a `services:` value."""

    name: str
    container: str = ""
    kind: str = ""  # "" : any workload kind

    def __str__(self) -> str:
        text = f"{self.kind} {self.name}" if self.kind else self.name
        return f"{text}, container {self.container}" if self.container else text


def ref_problem(text: str) -> str:
    """Why `text` cannot be a `services:` value ("" when it can)."""
    parts = text.split("/")
    if not text.strip() or any(not p.strip() for p in parts):
        return "an empty name"
    if len(parts) > 3:
        return "more than three parts"
    if len(parts) == 3 and parts[0].lower() not in KIND_NAMES:
        return f"{parts[0]!r} is not a workload kind ({', '.join(WORKLOAD_KINDS)})"
    return ""


def readings(text: str) -> list[TargetRef]:
    """Every way `text` can be read, most specific first: `job/worker` is Job worker, or
    container worker of a workload named job."""
    parts = [p.strip() for p in text.split("/")]
    if len(parts) == 1:
        return [TargetRef(parts[0])]
    if len(parts) == 3:
        return [TargetRef(parts[1], parts[2], KIND_NAMES.get(parts[0].lower(), parts[0]))]
    found = []
    if parts[0].lower() in KIND_NAMES:
        found.append(TargetRef(parts[1], kind=KIND_NAMES[parts[0].lower()]))
    found.append(TargetRef(parts[0], parts[1]))
    return found


def resolve(text: str, target: TargetState) -> tuple[TargetWorkload | None, TargetRef]:
    """The workload a `services:` value names (None: none), and the reading that found it
    (the first reading when none did)."""
    options = readings(text)
    for ref in options:
        workload = target.workload(ref.name, ref.kind)
        if workload is not None:
            return workload, ref
    return None, options[-1]


@dataclass(frozen=True)
class Pick:
    """The container that runs the service (None: not known), how it was chosen, or why not."""

    container: ContainerSpec | None
    how: str = ""
    problem: str = ""
    fix: str = ""


def _names(service: ComposeService) -> set[str]:
    names = {service.name, kube_name(service.name)}
    if service.container_name:
        names |= {service.container_name, kube_name(service.container_name)}
    return names


def _repo(image: str) -> str:
    """`docker.io/library/redis:7@sha256:..` -> `redis`: what two references of one image share."""
    name = image.partition("@")[0]
    if name.rfind(":") > name.rfind("/"):
        name = name[: name.rfind(":")]
    for prefix in ("docker.io/", "index.docker.io/", "library/"):
        name = name.removeprefix(prefix)
    return name


def pick_container(
    service: ComposeService, workload: TargetWorkload, explicit: str = "", config: str = ""
) -> Pick:
    """The container of `workload` that runs `service` (see the module docstring for the order).
    `config` names cutover.yaml in the fix."""
    containers = workload.containers
    what = f"{workload.kind} {workload.name}"
    listed = ", ".join(c.name for c in containers) or "none"
    if not containers:
        return Pick(
            None,
            problem=f"{what} has no containers.",
            fix=f"Add the container to {workload.pod_path}.containers of {what}.",
        )
    if explicit:
        found = next((c for c in containers if c.name == explicit), None)
        if found is not None:
            return Pick(found, f"container {explicit}")
        return Pick(
            None,
            problem=f"{what} has no container {explicit} (it has: {listed}).",
            fix=f"Name one of its containers in {config or 'cutover.yaml'}: "
            f"`{service.name}: {workload.name}/<container>` ({listed}).",
        )
    names = _names(service)
    for container in containers:
        if container.name in names:
            return Pick(container, f"container {container.name}")
    if len(containers) == 1:
        return Pick(containers[0], f"its only container, {containers[0].name}")
    for container in containers:
        if container.name == workload.name:
            return Pick(container, f"container {container.name}, named like the workload")
    if service.image:
        same = [c for c in containers if _repo(c.image) == _repo(service.image)]
        if len(same) == 1:
            return Pick(
                same[0], f"container {same[0].name}, the only one running {_repo(service.image)}"
            )
    known = " or ".join(sorted(n for n in names if n))
    return Pick(
        None,
        problem=f"{what} has {len(containers)} containers ({listed}) and none is named {known}: "
        f"which one runs {service.name} is not known, so none was compared.",
        fix=f"Say which one in {config or 'cutover.yaml'}:\nservices:\n"
        f"  {service.name}: {workload.name}/<container>   # one of {listed}",
    )
