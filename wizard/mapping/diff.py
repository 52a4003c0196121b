"""The per-service mapping diff: `plan(project, target, config) -> Plan`.

For each Compose service: the workload it became (see `match`) and one row per field: image,
replicas, command, each env variable, each port, each mount, healthcheck, resources, each
depends_on. Each row is a Finding whose check is the field (`env:SENTRY_DSN`, `ports:443`).
No secret value ever reaches the plan: env rows mask where they are built, and a redactor
replaces any secret value left in any text of any row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from wizard.checks import Finding
from wizard.compose.model import ComposeProject
from wizard.config import CutoverConfig
from wizard.mapping.common import NONE, Context
from wizard.mapping.diff_env import env_rows
from wizard.mapping.diff_files import file_rows
from wizard.mapping.diff_health import depends_rows, healthcheck_row
from wizard.mapping.diff_ports import port_rows
from wizard.mapping.diff_resources import resources_row
from wizard.mapping.diff_runtime import command_row, image_row, replicas_row
from wizard.mapping.diff_volumes import volume_rows
from wizard.mapping.hosts import Hostnames
from wizard.mapping.match import match_services
from wizard.mapping.model import DiffRow, Plan, ServicePlan
from wizard.mapping.redact import Redactor, secret_values
from wizard.target.model import ObjectRef, TargetState


def secret_env_names(config_secrets: Mapping[str, Any], target: TargetState) -> frozenset[str]:
    """Variables that are secrets whatever their name: listed under `secrets.keys` in
    cutover.yaml, or read from a Secret by any container of the target."""
    names: set[str] = set()
    keys = config_secrets.get("keys")
    if isinstance(keys, Mapping | list):
        names.update(str(k) for k in keys)
    for workload in target.workloads:
        for container in (*workload.containers, *workload.init_containers):
            names.update(n for n, env in container.env.items() if env.secret is not None)
    return frozenset(names)


def plan(project: ComposeProject, target: TargetState, config: CutoverConfig) -> Plan:
    namespace = config.namespace or target.namespace
    matching = match_services(
        project, target, config.services, config.project_name, config.config_file
    )
    by_service = {f.check.removeprefix("match:"): f for f in matching.findings}
    extra = [f for f in matching.findings if f.check.removeprefix("match:") not in project.services]
    # Offline from manifests with no -n, the namespace is a fallback: hostnames may name any.
    known = bool(config.namespace) or "cluster" in target.sources
    hosts = Hostnames(project.services, target, matching.workloads, namespace, known)
    secret_env = secret_env_names(config.secrets, target)
    public = [
        *project.services,
        *project.volumes,
        *(w.name for w in target.workloads),
        *(s.name for s in target.services),
        *target.config_maps,
        *target.secrets,
        config.project_name,
        namespace,
    ]
    redact = Redactor(secret_values(project, target, secret_env), public)

    services: list[ServicePlan] = []
    for name, service in project.services.items():
        workload = matching.workloads[name]
        found = by_service[name]
        match_row = DiffRow(
            field="match",
            compose=name,
            kubernetes=f"{workload.kind} {workload.name}" if workload is not None else NONE,
            finding=dataclasses.replace(found, check="match"),
        )
        if workload is None:
            services.append(ServicePlan(name, None, (redact.row(match_row),)))
            continue
        ref = ObjectRef(workload.kind, workload.name)
        container = matching.containers[name]
        if container is None:
            # Which container runs it is not known (or there is none): the match row says why.
            services.append(ServicePlan(name, ref, (redact.row(match_row),)))
            continue
        ctx = Context(
            project=project,
            target=target,
            config=config,
            namespace=namespace,
            workloads=matching.workloads,
            hosts=hosts,
            service=service,
            workload=workload,
            container=container,
            secret_env=secret_env,
            containers=matching.containers,
        )
        rows = [
            match_row,
            image_row(ctx),
            replicas_row(ctx),
            command_row(ctx),
            *env_rows(ctx),
            *port_rows(ctx),
            *volume_rows(ctx),
            *file_rows(ctx),
            healthcheck_row(ctx),
            resources_row(ctx),
            *depends_rows(ctx),
        ]
        services.append(ServicePlan(name, ref, tuple(redact.row(r) for r in rows)))

    sources = tuple(s for s in (project.source, *target.sources) if s)
    return Plan(
        services=tuple(services),
        extra=tuple(_redact_finding(redact, f) for f in extra),
        sources=sources,
    )


def _redact_finding(redact: Redactor, finding: Finding) -> Finding:
    return dataclasses.replace(
        finding,
        message=redact(finding.message),
        fix=redact(finding.fix),
        detail=redact(finding.detail),
    )
