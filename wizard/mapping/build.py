"""Put the mapping diff together from the real sources: Compose files, cluster and/or manifests.

This is the one entry point the Mapping screen, `cutover plan` and `cutover status` call.
The diff is made against what runs in the cluster when it answers (that is what Compose will be
replaced by); with `--manifests` and no reachable cluster it is made offline from the files, so
a migration can be reviewed before anything is deployed. When both are there, where they differ
is reported too (manifest not applied, drift).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from wizard.checks import Finding, Severity
from wizard.compose.loader import load_project
from wizard.config import CutoverConfig
from wizard.errors import (
    ConfigError,
    Forbidden,
    GatewayError,
    NoKubeconfig,
    NotFound,
    Unreachable,
)
from wizard.gateways import Gateways
from wizard.mapping.diff import plan
from wizard.mapping.model import Plan
from wizard.paths import shown
from wizard.steps import Round
from wizard.target.compare import compare_sources
from wizard.target.manifests import load_manifests
from wizard.target.model import TargetState


def build_plan(config: CutoverConfig, gateways: Gateways) -> Plan:
    """Load the Compose project, read the target, match and diff. Blocking I/O.

    Raises a CutoverError (with message and fix) when no source of the target can be read.
    """
    project = load_project(config)
    target, live, from_files = read_targets(config, gateways)
    result = plan(project, target, config)
    _refuse_unknown_services(config, project.services, result)
    sources = [project.source]
    extra = list(result.extra)
    if live is not None:
        sources.append(f"cluster (namespace {live.namespace})")
    if from_files is not None and config.manifests_dir is not None:
        sources.append(
            f"manifests ({shown(config.manifests_dir)})"
            + ("" if live else ", cluster not reachable")
        )
    if live is not None and from_files is not None:
        extra.extend(compare_sources(live, from_files))
    if not project.services:
        # Nothing compared is not "ready": an empty plan must never pass.
        extra.append(
            Finding(
                "plan.empty",
                Severity.BLOCK,
                f"The Compose project {project.name} has no service to compare: every service "
                "is behind a profile that is not active, or the file has no `services:` (a "
                "Compose v1 file, which Compose v2 does not read either)",
                fix="Name the profiles with --profile NAME (as `docker compose --profile` does), "
                "or point -f at the Compose file that defines the services.",
            )
        )
    return replace(result, extra=tuple(extra), sources=tuple(sources))


def read_targets(
    config: CutoverConfig, gateways: Gateways
) -> tuple[TargetState, TargetState | None, TargetState | None]:
    """(the target to compare with, the live read, the manifests' read): the cluster when it
    answers, else the manifests alone. Raises the gateway's error when neither can be read."""
    from_files: TargetState | None = None
    if config.manifests_dir is not None:
        from_files = load_manifests(
            config.manifests_dir, _namespace(config, gateways), config.selector
        )
    try:
        live: TargetState | None = gateways.cluster().read_target(config.selector)
    except (Unreachable, NoKubeconfig):
        # Offline review from the files alone. A 401/403 is not "offline": it is raised, so the
        # operator fixes the identity instead of reading a plan of the wrong thing.
        if from_files is None:
            raise  # nothing to compare with: the caller shows the gateway's message and fix
        live = None

    if live is not None and not live.workloads:
        _require_namespace(gateways, live.namespace)
    target = live if live is not None else from_files
    assert target is not None
    return target, live, from_files


def read_target_for(config: CutoverConfig, gateways: Gateways) -> TargetState:
    """The target as Mapping reads it (live, else the manifests), for the steps after it."""
    return read_targets(config, gateways)[0]


def _refuse_unknown_services(
    config: CutoverConfig, services: Mapping[str, object], result: Plan
) -> None:
    """A `services:` entry naming no Compose service is bad configuration, not a finding:
    the whole plan would be read against a mapping the operator did not mean."""
    for name in config.services:
        if name not in services:
            finding = next(f for f in result.extra if f.check == f"match:{name}")
            raise ConfigError(finding.message, finding.fix)


def _require_namespace(gateways: Gateways, namespace: str) -> None:
    """An empty target in a namespace that does not exist is a typo, not a finding per service."""
    cluster = gateways.cluster()
    try:
        exists = cluster.namespace_exists(namespace)
    except Forbidden:
        return  # a namespace-scoped identity: the per-service findings will say what is missing
    if not exists:
        raise NotFound(
            f"Namespace '{namespace}' does not exist in context {cluster.identity.context}.",
            "Pass -n with the namespace the manifests were applied to (kubectl get namespaces).",
        )


def _namespace(config: CutoverConfig, gateways: Gateways) -> str:
    """The target namespace: as configured, else the context's (when the cluster answers)."""
    if config.namespace:
        return config.namespace
    try:
        return gateways.cluster().identity.namespace
    except GatewayError:
        return "default"


def check(round: Round) -> list[Finding]:
    """The Mapping step (wizard.steps): the diff as findings named `<service>/<field>`, a
    problem services share once as `<service>+<service>/<field>` (Plan.by_problem)."""
    built = build_plan(round.config, round.gateways)
    named = [replace(f, check=f"{'+'.join(s)}/{f.check}") for s, f in built.by_problem()]
    return named + list(built.extra)
