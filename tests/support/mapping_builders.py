"""Hand-built Compose projects and Kubernetes targets for the mapping tests (pure, no services)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wizard.compose.model import ComposeProject, ComposeService, NamedVolume
from wizard.config import CutoverConfig
from wizard.mapping.diff import plan
from wizard.mapping.model import DiffRow, Plan
from wizard.target.model import (
    ContainerSpec,
    PodVolume,
    ServicePort,
    TargetService,
    TargetState,
    TargetWorkload,
)

PROJECT = "shop"
NAMESPACE = "shop"
PROJECT_DIR = Path("/srv/shop")


def project(*services: ComposeService, volumes: tuple[str, ...] = ()) -> ComposeProject:
    return ComposeProject(
        name=PROJECT,
        services={s.name: s for s in services},
        volumes={v: NamedVolume(key=v, name=f"{PROJECT}_{v}") for v in volumes},
        source="built-in",
    )


def service(name: str, **fields: Any) -> ComposeService:
    fields.setdefault("image", f"registry.example.com/{name}:1.0.0")
    return ComposeService(name=name, **fields)


def container(name: str, **fields: Any) -> ContainerSpec:
    fields.setdefault("image", f"registry.example.com/{name}:1.0.0")
    return ContainerSpec(name=name, **fields)


def workload(
    name: str,
    *containers: ContainerSpec,
    kind: str = "Deployment",
    component: str | None = None,
    **fields: Any,
) -> TargetWorkload:
    labels = {"app": PROJECT, "component": component or name}
    fields.setdefault("labels", labels)
    fields.setdefault("pod_labels", labels)
    fields.setdefault("replicas", 1)
    return TargetWorkload(
        kind=kind, name=name, containers=containers or (container(name),), **fields
    )


def kube_service(
    name: str, component: str, *ports: int | ServicePort, **fields: Any
) -> TargetService:
    return TargetService(
        name=name,
        selector={"app": PROJECT, "component": component},
        ports=tuple(p if isinstance(p, ServicePort) else ServicePort(p, str(p)) for p in ports),
        **fields,
    )


def target(*workloads: TargetWorkload, **fields: Any) -> TargetState:
    fields.setdefault("sources", ("manifests",))
    return TargetState(namespace=NAMESPACE, workloads=workloads, **fields)


def config(
    services: Mapping[str, str] | None = None,
    volumes: Mapping[str, str] | None = None,
    secrets: Mapping[str, Any] | None = None,
    config_file: Path | None = None,
) -> CutoverConfig:
    return CutoverConfig(
        compose_files=(PROJECT_DIR / "compose.yaml",),
        project_dir=PROJECT_DIR,
        project_name=PROJECT,
        namespace=NAMESPACE,
        config_file=config_file,
        services=services or {},
        volumes=volumes or {},
        secrets=secrets or {},
    )


def pvc(name: str, claim: str) -> PodVolume:
    return PodVolume(name=name, kind="persistentVolumeClaim", ref=claim)


def rows(result: Plan, name: str) -> dict[str, DiffRow]:
    found = next(s for s in result.services if s.service == name)
    return {r.field: r for r in found.rows}


def diff(
    compose: ComposeService | ComposeProject,
    *workloads: TargetWorkload,
    cfg: CutoverConfig | None = None,
    **target_fields: Any,
) -> dict[str, DiffRow]:
    """The rows of the first Compose service against the given workloads."""
    proj = compose if isinstance(compose, ComposeProject) else project(compose)
    result = plan(proj, target(*workloads, **target_fields), cfg or config())
    return rows(result, next(iter(proj.services)))
