"""Preflight: before anything else, prove that everything the later steps touch is reachable.

Each check is blocking I/O and is run in its own worker thread by the UI (or in turn by
`cutover status`). A check never raises: a gateway error becomes a block finding carrying the
gateway's own message and fix, so the operator sees what failed and what to do, not a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wizard.checks import Finding, Severity
from wizard.config import CutoverConfig
from wizard.data.record import stopped_for_copies_of
from wizard.errors import CutoverError, Forbidden
from wizard.gateways import Gateways
from wizard.gateways.protocols import Cluster
from wizard.paths import shown
from wizard.steps import Round

CheckFn = Callable[[CutoverConfig, Gateways], list[Finding]]


@dataclass(frozen=True)
class PreflightCheck:
    id: str
    title: str
    run: CheckFn


@dataclass(frozen=True)
class Need:
    """One permission a later step needs: which step, the verb, and the resource."""

    step: str
    verb: str
    resource: str
    group: str = ""
    write: bool = False
    subresource: str = ""

    @property
    def what(self) -> str:
        resource = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        return f"{self.verb} {resource}"


# What each later step asks of the API server. Writes are few (DESIGN): the Secret, and the Data
# step's copies (exec into the pod that mounts a claim, a helper pod when none does, Redis's
# StatefulSet scaled to 0 and back).
NEEDS: tuple[Need, ...] = (
    Need("secrets", "get", "secrets"),
    Need("secrets", "create", "secrets", write=True),
    Need("secrets", "patch", "secrets", write=True),
    Need("volumes", "list", "persistentvolumeclaims"),
    Need("volumes", "watch", "persistentvolumeclaims"),
    Need("mapping", "list", "deployments", "apps"),
    Need("mapping", "list", "statefulsets", "apps"),
    Need("mapping", "list", "services"),
    Need("mapping", "list", "ingresses", "networking.k8s.io"),
    Need("mapping", "list", "configmaps"),
    Need("mapping", "list", "horizontalpodautoscalers", "autoscaling"),
    Need("health", "list", "pods"),
    Need("health", "watch", "pods"),
    Need("health", "list", "events"),
    Need("data", "create", "pods", "", True, "exec"),
    Need("data", "create", "pods", write=True),
    Need("data", "delete", "pods", write=True),
    Need("data", "patch", "statefulsets", "apps", True, "scale"),
)


def check_compose(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """The Compose files exist and parse, and say which project this is."""
    findings = []
    for path in config.compose_files:
        # The Compose loader's own reader: Compose's scalar rules, its merge tags (!reset,
        # !override), duplicate keys, and the same message with line and column.
        from wizard.compose.errors import ComposeFileError
        from wizard.compose.yamlfile import read_yaml_file

        try:
            raw = read_yaml_file(path)
        except ComposeFileError as exc:
            return [_block("compose.file", exc.message, exc.fix)]
        services = raw.get("services") if isinstance(raw, dict) else None
        if path == config.compose_files[0] and not isinstance(services, dict):
            return [
                _block(
                    "compose.file",
                    f"{path} has no `services:` section.",
                    "Point -f at the project's Compose file.",
                )
            ]
    names = ", ".join(shown(p) for p in config.compose_files)
    findings.append(
        Finding(
            "compose.project", Severity.OK, f"Compose project '{config.project_name}' from {names}"
        )
    )
    if config.env_file is not None:
        findings.append(
            Finding("compose.env", Severity.INFO, f"Variables from {config.env_file.name}")
        )
    if config.config_file is not None:
        findings.append(
            Finding(
                "compose.cutover_yaml", Severity.INFO, f"Settings from {config.config_file.name}"
            )
        )
    return findings


def check_docker(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """The Docker host answers, and runs this project's containers."""
    host = gateways.compose_host()
    engine = host.ping()
    findings = [
        Finding("docker.reachable", Severity.OK, f"Docker Engine {engine.version} at {engine.host}")
    ]
    containers = [c for c in host.project_containers(config.project_name) if not c.one_off]
    if not containers and (gone := removed_by_down(config)):
        return [*findings, gone]  # not a wrong DOCKER_HOST: cutover's own down removed them
    if not containers:
        others = host.project_names()
        hint = (
            f"Projects on this host: {', '.join(others)}. Pass -p NAME."
            if others
            else "No Compose project runs on this host; check DOCKER_HOST."
        )
        findings.append(
            _block(
                "docker.project",
                f"No containers of project '{config.project_name}' on {engine.host}.",
                hint,
            )
        )
        return findings
    running = [c for c in containers if c.state == "running"]
    services = sorted({c.service for c in containers})
    findings.append(
        Finding(
            "docker.project",
            Severity.OK,
            f"{len(running)} of {len(containers)} containers running for {len(services)} services: {', '.join(services)}",
        )
    )
    for_copy = stopped_for_copies_of(config)
    frozen = sorted(c.name for c in containers if c.state != "running" and c.name in for_copy)
    if frozen:
        findings.append(
            Finding(
                "docker.stopped-for-copy",
                Severity.INFO,
                f"Stopped for the Data step's copies: {', '.join(frozen)}",
                "The Data step's u starts them again (their volumes' copies then go stale).",
            )
        )
    stopped = sorted(
        f"{c.name} ({c.state})"
        for c in containers
        if c.state != "running" and c.name not in for_copy
    )
    if stopped:
        findings.append(
            Finding(
                "docker.stopped",
                Severity.WARN,
                f"Not running: {', '.join(stopped)}",
                f"Check why with `docker compose -p {config.project_name} ps -a` and `docker compose logs SERVICE`.",
            )
        )
    # A stopped container's last health is history (the Data step may have stopped it).
    unhealthy = sorted(
        c.name for c in containers if c.health == "unhealthy" and c.state == "running"
    )
    if unhealthy:
        findings.append(
            Finding(
                "docker.unhealthy",
                Severity.WARN,
                f"Unhealthy: {', '.join(unhealthy)}",
                f"See why: docker inspect --format '{{{{json .State.Health}}}}' {unhealthy[0]}. "
                "Fix it or know it before comparing with Kubernetes.",
            )
        )
    return findings


def removed_by_down(config: CutoverConfig) -> Finding | None:
    """After cutover's own finished down, no container left is what down did, not a wrong
    DOCKER_HOST: say that, and how to roll back (issue 15, item 7). None when no down finished."""
    from wizard.gate.down import rollback
    from wizard.state.down_record import load_down
    from wizard.state.progress import when_shown
    from wizard.state.store import state_file_for

    down = load_down(state_file_for(config), config.project_name)
    if down is None or not down.finished_ok:
        return None
    by = f" by {down.by}" if down.by else ""
    return _block(
        "docker.project",
        f"No containers of project '{config.project_name}': cutover's down removed them "
        f"({when_shown(down.finished)}{by}); its volumes are kept.",
        f"Nothing is left to take down. To roll back: {rollback(config).command}",
    )


def check_cluster(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """The kube context answers, and its namespace exists."""
    cluster = gateways.cluster()
    who = cluster.identity
    version = cluster.server_version()
    findings = [
        Finding(
            "cluster.reachable",
            Severity.OK,
            f"Kubernetes {version} at {who.server} (context {who.context}, user {who.user})",
        )
    ]
    try:
        exists = cluster.namespace_exists(who.namespace)
    except Forbidden:
        # A namespace-scoped identity may not read Namespace objects; the later steps will tell.
        findings.append(
            Finding(
                "cluster.namespace",
                Severity.INFO,
                f"Namespace '{who.namespace}' (this identity may not read Namespace objects)",
            )
        )
        return findings
    if exists:
        findings.append(
            Finding("cluster.namespace", Severity.OK, f"Namespace '{who.namespace}' exists")
        )
    else:
        findings.append(
            _block(
                "cluster.namespace",
                f"Namespace '{who.namespace}' does not exist in context {who.context}.",
                f"Create it and deploy the manifests (`kubectl create namespace {who.namespace}`), or pass -n NAME.",
            )
        )
    return findings


def check_access(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """What this identity may do: one SelfSubjectAccessReview per verb a later step needs."""
    if config.read_only:
        return [
            Finding(
                "access",
                Severity.INFO,
                "Read-only: no access reviews sent (each is a POST); "
                "a step that may not read something says so",
            )
        ]
    cluster = gateways.cluster()
    namespace = cluster.identity.namespace
    denied: dict[str, list[Need]] = {}
    for need in NEEDS:
        verdict = cluster.can_i(need.verb, need.resource, need.group, need.subresource)
        if not verdict.allowed:
            denied.setdefault(need.step, []).append(need)
    findings = []
    for step in dict.fromkeys(n.step for n in NEEDS):
        missing = denied.get(step, [])
        if not missing:
            findings.append(
                Finding(f"access.{step}", Severity.OK, f"{step}: every permission it needs")
            )
            continue
        verbs = ", ".join(n.what for n in missing)
        writes = [n for n in missing if n.write]
        if step == "secrets" and missing == [n for n in missing if n.resource == "secrets"]:
            # `view` excludes Secrets by design: the step can still show which keys workloads reference.
            severity = Severity.WARN
            message = f"{step}: may not {verbs} in '{namespace}'"
            fix = (
                f"Ask for: kubectl -n {namespace} create role cutover-secrets --verb=get,create,patch "
                f"--resource=secrets, bound to you; or run with --read-only to only watch."
                if writes
                else "The Secrets step will show which keys workloads reference, not which exist."
            )
        elif step == "data" and missing == writes:
            # The plan and each copy's state read fine; only the copies need these.
            severity = Severity.WARN
            message = f"{step}: may not {verbs} in '{namespace}': it cannot copy the volumes"
            fix = (
                f"Ask for: kubectl -n {namespace} create role cutover-data "
                "--verb=create,delete,patch --resource=pods,pods/exec,statefulsets/scale, bound "
                "to you; or have someone who may run `cutover data copy`."
            )
        else:
            severity = Severity.BLOCK
            message = f"{step}: may not {verbs} in '{namespace}'"
            fix = f"Ask for the `view` ClusterRole in '{namespace}': kubectl -n {namespace} create rolebinding cutover-view --clusterrole=view --user=YOU"
        findings.append(Finding(f"access.{step}", severity, message, fix))
    return findings


def why_read_only(cluster: Cluster) -> str:
    """Why this identity can only watch ("" when it may make the wizard's writes): it may not
    make any of them. One access review per write; raises the cluster's GatewayError."""
    writes = [need for need in NEEDS if need.write]
    denied = [
        n for n in writes if not cluster.can_i(n.verb, n.resource, n.group, n.subresource).allowed
    ]
    if len(denied) < len(writes):
        return ""
    who = cluster.identity
    # Named by the Secret's writes, the first a newcomer meets; the Data step's follow.
    first = [n for n in denied if n.step == denied[0].step]
    resources = {n.what.split(" ", 1)[1] for n in first}
    if len(resources) == 1:  # "create or patch secrets"
        verbs = " or ".join(n.verb for n in first) + f" {resources.pop()}"
    else:
        verbs = " or ".join(n.what for n in first)
    return f"{who.user} may not {verbs} in '{who.namespace}'"


def check_keyring(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """An OS keyring to keep the operator's copy of the secrets in."""
    if config.read_only:
        return [
            Finding(
                "keyring", Severity.INFO, "Not needed in read-only mode (no secrets are entered)"
            )
        ]
    status = gateways.vault().status()
    if status.usable:
        # After a dash, not in brackets: a backend's or a reason's words may have their own.
        return [Finding("keyring", Severity.OK, f"OS keyring usable — {status.backend}")]
    return [
        Finding(
            "keyring",
            Severity.WARN,
            f"No usable OS keyring — {status.why_not}. Secrets can still go straight to the "
            "cluster, kept nowhere else.",
            status.fix,
        )
    ]


def _block(check: str, message: str, fix: str = "") -> Finding:
    return Finding(check, Severity.BLOCK, message, fix)


def _guarded(check_id: str, title: str, fn: CheckFn) -> PreflightCheck:
    """Wrap a check so that it never raises: errors become one block finding with the fix."""

    def run(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
        try:
            return fn(config, gateways)
        except CutoverError as exc:
            message = f"{title}: {exc.message}"
            return [Finding(check_id, Severity.BLOCK, message, exc.fix, inconclusive=True)]
        except Exception as exc:  # a bug of ours: still no traceback on the operator's screen
            message = f"{title}: unexpected {type(exc).__name__}: {exc}"
            return [
                Finding(check_id, Severity.BLOCK, message, "Please report this.", inconclusive=True)
            ]

    return PreflightCheck(check_id, title, run)


PREFLIGHT_CHECKS: tuple[PreflightCheck, ...] = (
    _guarded("compose", "Compose project", check_compose),
    _guarded("docker", "Docker host", check_docker),
    _guarded("cluster", "Kubernetes", check_cluster),
    _guarded("access", "Permissions", check_access),
    _guarded("keyring", "OS keyring", check_keyring),
)


def run_preflight(config: CutoverConfig, gateways: Gateways) -> list[Finding]:
    """Every preflight check in order (for `cutover status` and tests; the UI runs them in parallel)."""
    return [finding for check in PREFLIGHT_CHECKS for finding in check.run(config, gateways)]


def check(round: Round) -> list[Finding]:
    """The Preflight step (wizard.steps): every preflight check, in turn."""
    return run_preflight(round.config, round.gateways)
