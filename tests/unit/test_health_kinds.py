"""Pod health over every workload kind, and one answer with Mapping on which workload it is."""

from __future__ import annotations

from tests.support.mapping_builders import (
    PROJECT,
    config,
    container,
    project,
    service,
    target,
    workload,
)
from wizard.checks import Severity
from wizard.health.kinds import (
    cronjob_health,
    daemonset_health,
    job_health,
    replication_controller_health,
)
from wizard.health.report import health_targets, service_findings
from wizard.health.rollup import rollup
from wizard.health.status import PodRow, WorkloadHealth
from wizard.mapping.diff import plan


def _pod(name: str, owner: str, status: str = "Running", ready: int = 1) -> PodRow:
    return PodRow(name=name, status=status, ready=ready, total=1, restarts=0, workload=owner)


def test_daemonset_counts_nodes() -> None:
    ds = daemonset_health(
        {
            "metadata": {"name": "agent", "generation": 2},
            "status": {
                "desiredNumberScheduled": 3,
                "numberReady": 2,
                "numberAvailable": 2,
                "updatedNumberScheduled": 3,
                "observedGeneration": 2,
            },
        }
    )
    assert (ds.kind, ds.desired, ds.ready, ds.state) == ("DaemonSet", 3, 2, "not ready")
    none = daemonset_health({"metadata": {"name": "agent"}, "status": {}})
    assert none.state == "scaled to 0"


def test_job_is_ready_when_done_and_failed_when_it_failed() -> None:
    done = job_health({"metadata": {"name": "m"}, "status": {"succeeded": 1}})
    assert done.is_ready
    running = job_health(
        {"metadata": {"name": "m"}, "spec": {"completions": 2}, "status": {"active": 1}}
    )
    assert (running.desired, running.ready, running.is_ready) == (2, 0, False)
    failed = job_health(
        {
            "metadata": {"name": "m"},
            "status": {
                "conditions": [
                    {"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}
                ]
            },
        }
    )
    assert failed.state == "failed" and "BackoffLimitExceeded" in failed.stalled


def test_cronjob_and_replication_controller() -> None:
    assert cronjob_health(workload("c", kind="CronJob")).is_ready
    assert cronjob_health(workload("c", kind="CronJob", suspended=True)).state == "scaled to 0"
    rc = replication_controller_health(
        {
            "metadata": {"name": "r"},
            "spec": {"replicas": 2},
            "status": {"readyReplicas": 2, "availableReplicas": 2},
        }
    )
    assert rc.is_ready and rc.kind == "ReplicationController"


def test_rollup_by_kind_finds_cronjob_runs_and_bare_pods() -> None:
    job = WorkloadHealth("Job", "web", 1, 1, 1, 1)
    deployment = WorkloadHealth("Deployment", "web", 1, 0, 0, 1)
    cron = WorkloadHealth("CronJob", "report", 1, 1, 1, 1)
    pods = [
        _pod("report-2900-abc", "report-2900", "Error", 0),
        _pod("reporting-1-x", "reporting-1"),  # another CronJob's run
        _pod("debug", ""),
        _pod("web-5d-x", "web"),
    ]
    rows = rollup(
        {"web": "web", "report": "report", "shell": "debug"},
        [deployment, job, cron],
        pods,
        {"web": "Job", "report": "CronJob", "shell": "Pod"},
    )
    by = {r.service: r for r in rows}
    assert by["web"].workload is job  # the kind decides, not whichever came first
    assert by["report"].pods == 1 and by["report"].unhealthy == ("Error",)
    assert by["shell"].workload is not None and by["shell"].workload.kind == "Pod"
    assert by["shell"].workload.is_ready
    gone = rollup({"shell": "debug"}, [], [], {"shell": "Pod"})
    assert gone[0].workload is None


def test_project_prefixed_names_match_in_health_as_in_mapping() -> None:
    names = ("web", "worker", "db", "cache", "mail")
    proj = project(*(service(n) for n in names))
    tgt = target(*(workload(f"{PROJECT}-{n}", container(n)) for n in names))
    cfg = config()
    mapping = plan(proj, tgt, cfg)
    assert all(s.target is not None for s in mapping.services)
    targets = health_targets(proj, tgt, cfg)
    assert targets.names == {n: f"{PROJECT}-{n}" for n in names}
    assert targets.missing == {}
    ready = [WorkloadHealth("Deployment", f"{PROJECT}-{n}", 1, 1, 1, 1) for n in names]
    findings = service_findings(
        targets.rows(ready, []), {}, targets.names, "shop", [], targets.missing
    )
    assert [f.severity for f in findings] == [Severity.OK] * 5


def test_health_says_what_mapping_says_when_nothing_matches() -> None:
    proj = project(service("web"), service("api"))
    tgt = target(workload("api"), workload("web-frontend", kind="DaemonSet"))
    cfg = config()
    targets = health_targets(proj, tgt, cfg)
    assert targets.names == {"api": "api"}
    web_plan = next(s for s in plan(proj, tgt, cfg).services if s.service == "web")
    [mapping_block] = web_plan.findings
    [web, api] = sorted(
        service_findings(
            targets.rows([WorkloadHealth("Deployment", "api", 1, 1, 1, 1)], []),
            {},
            targets.names,
            "shop",
            [],
            targets.missing,
        ),
        key=lambda f: f.check,
    )[::-1]
    assert web.check == "health.web" and web.severity is Severity.BLOCK
    assert web.message == mapping_block.message and "DaemonSet web-frontend" in web.message
    assert api.severity is Severity.OK


def test_explicit_container_mapping_counts_for_health_too() -> None:
    proj = project(service("app"), service("proxy"))
    pod = workload("app", container("app"), container("nginx"))
    targets = health_targets(proj, target(pod), config({"app": "app/app", "proxy": "app/nginx"}))
    assert targets.names == {"app": "app", "proxy": "app"}
    rows = targets.rows([WorkloadHealth("Deployment", "app", 1, 1, 1, 1)], [])
    assert [r.state for r in rows] == ["ready", "ready"]


def test_a_cronjob_needs_no_watch_its_health_comes_with_the_target() -> None:
    proj = project(service("report"), service("nightly"))
    tgt = target(
        workload("shop-report", kind="CronJob", replicas=None),
        workload("nightly", kind="CronJob", replicas=None, suspended=True),
    )
    targets = health_targets(proj, tgt, config())
    assert targets.watches() == []
    by = {
        r.service: r for r in targets.rows([], [_pod("shop-report-29001-x", "shop-report-29001")])
    }
    assert by["report"].state == "ready" and by["report"].pods == 1
    assert by["nightly"].state == "scaled to 0"


def test_idle_kinds_get_their_own_fix() -> None:
    targets = {"report": "report", "agent": "agent"}
    rows = rollup(
        targets,
        [
            WorkloadHealth("CronJob", "report", 0, 0, 0, 0),
            WorkloadHealth("DaemonSet", "agent", 0, 0, 0, 0),
        ],
        [],
        {"report": "CronJob", "agent": "DaemonSet"},
    )
    found = {f.check: f for f in service_findings(rows, {}, targets, "ns")}
    assert "suspend" in found["health.report"].fix and "scale" not in found["health.report"].fix
    assert "nodeSelector" in found["health.agent"].fix
