"""The per-service diff: image, replicas, command, healthcheck, resources, depends_on, JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.mapping_builders import (
    config,
    container,
    diff,
    kube_service,
    project,
    service,
    target,
    workload,
)
from tests.support.mapping_builders import rows as mapping_rows
from wizard.checks import Severity
from wizard.compose.model import Healthcheck, Resources
from wizard.mapping.diff import plan
from wizard.mapping.diff_resources import memory_bytes, millicores, show_bytes, show_cpu
from wizard.mapping.diff_runtime import parse_image
from wizard.plan_report import plan_json
from wizard.target.model import Autoscaler, Probe

OK, INFO, WARN, BLOCK = Severity.OK, Severity.INFO, Severity.WARN, Severity.BLOCK


def _severity(compose_image: str, kube_image: str, **fields: object) -> Severity:
    rows = diff(
        service("web", image=compose_image, **fields),
        workload("web", container("web", image=kube_image)),
    )
    return rows["image"].finding.severity


# --- image --------------------------------------------------------------------------------------


def test_parse_image_drops_docker_hubs_implicit_parts() -> None:
    assert parse_image("docker.io/library/redis:7") == parse_image("redis:7")
    assert parse_image("registry:5000/team/app:1.2@sha256:abc").repo == "registry:5000/team/app"
    assert parse_image("registry:5000/team/app").tag == ""


@pytest.mark.parametrize(
    ("compose", "kube", "severity"),
    [
        ("redis:7-alpine", "redis:7-alpine", OK),
        ("redis:7-alpine", "docker.io/library/redis:7-alpine", OK),
        ("redis:7-alpine", "redis:latest", WARN),  # latest in Kubernetes
        ("redis", "redis:7-alpine", WARN),  # no tag in Compose
        ("redis:7", "redis:6", WARN),  # different tags
        ("redis:7", "valkey/valkey:7", WARN),  # different repos
        ("app@sha256:aaa", "app@sha256:bbb", WARN),
        # Unpinned exactly as Compose runs it: unchanged by the cutover, said, not a warning.
        ("redis", "redis", INFO),
        ("redis:latest", "redis", INFO),
        ("redis:latest", "docker.io/library/redis:latest", INFO),
        ("redis:latest", "valkey/valkey:latest", WARN),  # another image, unpinned
        ("redis:latest", "redis:7", WARN),  # a version Compose may not run: said as such
        # Less pinned than Compose: a digest there, a movable tag here.
        ("app@sha256:aaa", "app:2.0", WARN),
        ("app:2.0@sha256:aaa", "app:2.0", WARN),
        ("app@sha256:aaa", "app", WARN),
        # As pinned, or more: fine.
        ("app:2.0@sha256:aaa", "app@sha256:aaa", OK),
        ("app:2.0", "app:2.0@sha256:aaa", OK),
    ],
)
def test_image_and_tag(compose: str, kube: str, severity: Severity) -> None:
    assert _severity(compose, kube) is severity


def test_a_movable_tag_where_compose_pins_a_digest_says_so_once() -> None:
    digest = "sha256:4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f"
    for kube, moving in (("tiles:2.0", "the tag 2.0"), ("tiles", "no tag (latest)")):
        finding = diff(
            service("tiles", image=f"tiles@{digest}"),
            workload("tiles", container("tiles", image=kube)),
        )["image"].finding
        assert f"Compose pins a digest (sha256:4f3c2b1a0e9d…); Kubernetes runs {moving}" in (
            finding.message
        )
        assert "no fixed version" not in finding.message  # one sentence for one fact
        assert finding.fix.endswith(f" to tiles@{digest}.")


def test_latest_says_to_pin_a_tag() -> None:
    rows = diff(service("web", image="app:1"), workload("web", container("web", image="app")))
    assert rows["image"].finding.severity is WARN
    assert "Pin a version tag" in rows["image"].finding.fix
    assert "containers[name=web].image" in rows["image"].finding.fix


def test_build_only_service_with_the_local_build_name_blocks() -> None:
    rows = diff(
        service("web", image="", build=True),
        workload("web", container("web", image="shop-web")),
    )
    assert rows["image"].finding.severity is BLOCK
    assert "docker push" in rows["image"].finding.fix


def test_build_only_service_with_a_registry_image_asks_to_verify_the_push() -> None:
    rows = diff(
        service("web", image="", build=True),
        workload("web", container("web", image="registry.example.com/shop/web:1.4.0")),
    )
    assert rows["image"].finding.severity is INFO
    assert "pushed" in rows["image"].finding.message
    assert (
        "docker manifest inspect registry.example.com/shop/web:1.4.0" in rows["image"].finding.fix
    )


def test_build_only_service_without_an_image_in_kubernetes_blocks() -> None:
    assert _severity("", "", build=True) is BLOCK


# --- replicas -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compose", "kube", "severity"),
    [(None, 1, OK), (3, 3, OK), (3, 1, WARN), (1, 3, INFO), (2, 0, BLOCK), (None, None, OK)],
)
def test_replicas(compose: int | None, kube: int | None, severity: Severity) -> None:
    rows = diff(service("web", replicas=compose), workload("web", replicas=kube))
    assert rows["replicas"].finding.severity is severity
    if severity is WARN:
        assert "spec.replicas" in rows["replicas"].finding.fix


def test_replicas_governed_by_an_hpa_is_info_with_its_bounds() -> None:
    hpa = Autoscaler("HorizontalPodAutoscaler", "web", "Deployment", "web", 2, 6)
    rows = diff(service("web", replicas=3), workload("web"), autoscalers=(hpa,))
    row = rows["replicas"]
    assert row.finding.severity is INFO and row.kubernetes == "2 to 6 (HPA web)"


def test_replicas_above_the_autoscalers_maximum_warns() -> None:
    hpa = Autoscaler("HorizontalPodAutoscaler", "web", "Deployment", "web", 1, 2)
    rows = diff(service("web", replicas=4), workload("web"), autoscalers=(hpa,))
    assert rows["replicas"].finding.severity is WARN
    assert "spec.maxReplicas" in rows["replicas"].finding.fix


def test_keda_may_scale_to_zero() -> None:
    keda = Autoscaler("ScaledObject", "worker", "", "worker", None, 10)
    rows = diff(service("worker"), workload("worker"), autoscalers=(keda,))
    assert rows["replicas"].finding.severity is INFO
    assert "scale to zero" in rows["replicas"].finding.message


# --- command ------------------------------------------------------------------------------------


def test_compose_entrypoint_is_kubernetes_command_and_command_is_args() -> None:
    rows = diff(
        service("web", entrypoint=("tini", "--"), command=("gunicorn", "app")),
        workload("web", container("web", command=("tini", "--"), args=("gunicorn", "app"))),
    )
    assert rows["command"].finding.severity is OK


def test_same_command_line_split_differently_is_info() -> None:
    rows = diff(
        service("w", command=("celery", "-A", "app", "worker")),
        workload("w", container("w", command=("celery", "-A", "app"), args=("worker",))),
    )
    assert rows["command"].finding.severity is INFO
    assert "ENTRYPOINT" in rows["command"].finding.message


@pytest.mark.parametrize(
    ("compose", "kube_command", "kube_args"),
    [
        (("celery", "worker"), None, None),  # Kubernetes runs the image default
        (None, None, ("--debug",)),  # Kubernetes overrides it
        (("celery", "worker"), None, ("celery", "beat")),
    ],
)
def test_different_commands_warn(
    compose: tuple[str, ...] | None,
    kube_command: tuple[str, ...] | None,
    kube_args: tuple[str, ...] | None,
) -> None:
    rows = diff(
        service("w", command=compose),
        workload("w", container("w", command=kube_command, args=kube_args)),
    )
    assert rows["command"].finding.severity is WARN
    assert "args" in rows["command"].finding.fix


def _command_against(compose: tuple[str, ...], kube: tuple[str, ...], entry: bool = False) -> Any:
    """The worker's command row, Compose service `redis` having become Deployment
    `tickets-redis` behind Service `tickets-redis`."""
    proj = project(
        service("worker", **{"entrypoint" if entry else "command": compose}),
        service("redis"),
    )
    state = target(
        workload(
            "tickets-worker",
            container("worker", **{"command" if entry else "args": kube}),
            component="worker",
        ),
        workload("tickets-redis", container("redis"), component="redis"),
        services=(kube_service("tickets-redis", "redis", 6379),),
    )
    return mapping_rows(plan(proj, state, config()), "worker")["command"].finding


@pytest.mark.parametrize(
    ("compose", "kube"),
    [
        (
            ("rq", "worker", "--url", "redis://redis:6379/0"),
            ("rq", "worker", "--url", "redis://tickets-redis:6379/0"),
        ),
        (("redis-cli", "-h", "redis", "ping"), ("redis-cli", "-h", "tickets-redis", "ping")),
        (
            ("celery", "--broker=redis://redis:6379"),
            ("celery", "--broker=redis://tickets-redis.shop.svc.cluster.local:6379"),
        ),
        (
            ("sh", "-c", "wait-for redis:6379 && rq worker -u redis://redis"),
            ("sh", "-c", "wait-for tickets-redis:6379 && rq worker -u redis://tickets-redis"),
        ),
    ],
)
def test_hostnames_in_a_command_are_read_through_the_service_names(
    compose: tuple[str, ...], kube: tuple[str, ...]
) -> None:
    for entry in (False, True):
        finding = _command_against(compose, kube, entry)
        assert finding.severity is OK, finding.message
        assert "Kubernetes Service" in finding.message


@pytest.mark.parametrize(
    "kube",
    [
        ("rq", "worker", "--url", "redis://cache:6379/0"),  # a host that is no Service of redis
        ("rq", "worker", "--url", "redis://tickets-redis:6380/0"),  # another port
        ("rq", "worker", "--url", "redis://tickets-redis:6379/1"),  # another database
        ("rq", "worker", "--url", "redis://tickets-redis.other.svc:6379/0"),  # another namespace
    ],
)
def test_a_command_differing_beyond_the_service_names_still_warns(kube: tuple[str, ...]) -> None:
    finding = _command_against(("rq", "worker", "--url", "redis://redis:6379/0"), kube)
    assert finding.severity is WARN


# --- healthcheck --------------------------------------------------------------------------------

CHECK = Healthcheck(test=("CMD", "curl", "-f", "http://localhost/health"), interval_s=30)
READY = Probe("httpGet", "/health:8000", period_s=10)


@pytest.mark.parametrize(
    ("check", "readiness", "liveness", "severity"),
    [
        (CHECK, None, None, WARN),
        (None, None, None, INFO),
        (CHECK, READY, None, OK),
        (CHECK, READY, READY, OK),
        (CHECK, None, READY, INFO),
        (None, READY, None, OK),
        (Healthcheck(test=("NONE",)), None, None, INFO),
    ],
)
def test_healthcheck_to_probes(
    check: Healthcheck | None, readiness: Probe | None, liveness: Probe | None, severity: Severity
) -> None:
    rows = diff(
        service("web", healthcheck=check),
        workload("web", container("web", readiness=readiness, liveness=liveness)),
    )
    assert rows["healthcheck"].finding.severity is severity
    if severity is WARN:
        assert "readinessProbe" in rows["healthcheck"].finding.fix
        assert '"curl", "-f"' in rows["healthcheck"].finding.fix


# --- resources ----------------------------------------------------------------------------------

GIB = 2**30


def test_quantities() -> None:
    assert memory_bytes("2Gi") == 2 * GIB and memory_bytes("1G") == 10**9
    assert memory_bytes("512Mi") == 512 * 2**20 and memory_bytes("bogus") is None
    assert millicores("500m") == 500 and millicores("2") == 2000 and millicores("0.25") == 250


def test_missing_limits_in_kubernetes_block_for_memory() -> None:
    rows = diff(
        service("web", resources=Resources(cpu_limit="2", memory_limit_bytes=2 * GIB)),
        workload("web", container("web", requests={"cpu": "500m"})),
    )
    row = rows["resources"]
    assert row.finding.severity is BLOCK  # the memory cap; the CPU one alone warns
    assert "limits.memory: 2Gi" in row.finding.fix and 'limits.cpu: "2"' in row.finding.fix


def test_differing_resources_are_info_with_both_values() -> None:
    rows = diff(
        service("web", resources=Resources(cpu_limit="2", memory_limit_bytes=2 * GIB)),
        workload("web", container("web", limits={"cpu": "1", "memory": "1Gi"})),
    )
    row = rows["resources"]
    assert row.finding.severity is INFO
    assert "Compose 2 GiB, Kubernetes limit 1 GiB" in row.finding.message
    assert "OOMKilled" in row.finding.message


@pytest.mark.parametrize(
    ("compose", "kube", "said"),
    [
        (
            Resources(memory_limit_bytes=8 * GIB),
            {"memory": "512Mi"},
            "memory to 0.5 GiB, far below Compose's cap of 8 GiB",
        ),
        (
            Resources(cpu_limit="4"),
            {"cpu": "500m"},
            "cpu to 0.5 CPU, far below Compose's cap of 4 CPU",
        ),
        (
            Resources(cpu_limit="1"),
            {"cpu": "250m"},
            "cpu to 0.25 CPU, far below Compose's cap of 1 CPU",
        ),
        (
            Resources(memory_limit_bytes=GIB),
            {"memory": "100Mi"},
            "memory to 100 MiB, far below Compose's cap of 1024 MiB",
        ),
    ],
)
def test_a_limit_far_below_the_compose_cap_warns_in_one_notation(
    compose: Resources, kube: dict[str, str], said: str
) -> None:
    row = diff(service("web", resources=compose), workload("web", container("web", limits=kube)))
    finding = row["resources"].finding
    assert finding.severity is WARN
    assert said in finding.message
    assert "limits." in finding.fix


def test_a_limit_at_least_half_the_compose_cap_is_info() -> None:
    row = diff(
        service("web", resources=Resources(cpu_limit="4", memory_limit_bytes=8 * GIB)),
        workload("web", container("web", limits={"cpu": "3", "memory": "6Gi"})),
    )["resources"]
    assert row.finding.severity is INFO
    # A limit above Compose's cap is never far below it.
    above = diff(
        service("web", resources=Resources(memory_limit_bytes=GIB)),
        workload("web", container("web", limits={"memory": "4Gi"})),
    )["resources"]
    assert above.finding.severity is INFO


def test_memory_is_shown_readably() -> None:
    assert show_bytes(10000 * 2**20) == "9.77 GiB"  # mem_limit: 10000Mb
    assert show_bytes(8 * GIB) == "8 GiB" and show_bytes(512 * 2**20) == "512 MiB"
    assert show_bytes(512 * 2**20, like=8 * GIB) == "0.5 GiB"
    # Two values that round alike are each shown exactly enough to tell apart.
    assert show_bytes(10000 * 2**20, like=10001 * 2**20) == "10000 MiB"
    assert show_bytes(10001 * 2**20, like=10000 * 2**20) == "10001 MiB"
    assert show_bytes(100 * 2**20, like=GIB) == "100 MiB"  # not 0.1 GiB: 2% off
    assert show_cpu(250) == "250m CPU" and show_cpu(250, like=4000) == "0.25 CPU"


def test_equal_resources_are_ok() -> None:
    rows = diff(
        service("web", resources=Resources(cpu_limit="0.5", memory_limit_bytes=GIB)),
        workload("web", container("web", limits={"cpu": "500m", "memory": "1Gi"})),
    )
    assert rows["resources"].finding.severity is OK


def test_no_resources_anywhere_is_info() -> None:
    rows = diff(service("web"), workload("web"))
    assert rows["resources"].finding.severity is INFO
    assert "requests" in rows["resources"].finding.fix


# --- depends_on ---------------------------------------------------------------------------------


def _depends(condition: str, db_readiness: Probe | None, *init: str) -> Severity:
    proj = project(service("web", depends_on={"db": condition}), service("db"))
    inits = tuple(
        container(n, command=("sh", "-c", "until nc -z db 5432; do sleep 1; done")) for n in init
    )
    tgt = target(
        workload("web", init_containers=inits),
        workload("db", container("db", readiness=db_readiness), kind="StatefulSet"),
    )
    result = plan(proj, tgt, config())
    row = next(r for r in result.services[0].rows if r.field == "depends_on:db")
    return row.finding.severity


def test_depends_on_healthy_without_a_readiness_probe_warns() -> None:
    assert _depends("service_healthy", None) is WARN


def test_depends_on_with_a_readiness_probe_is_info() -> None:
    assert _depends("service_healthy", READY) is INFO
    assert _depends("service_started", None) is INFO
    assert _depends("service_completed_successfully", None) is INFO


def test_depends_on_with_an_init_container_that_waits_is_ok() -> None:
    assert _depends("service_healthy", None, "wait-for-db") is OK


# --- the plan as a whole ------------------------------------------------------------------------


def test_every_row_is_a_finding_whose_check_is_its_field() -> None:
    result = plan(
        project(service("web", environment={"A": "1"})), target(workload("web")), config()
    )
    fields = [r.field for r in result.services[0].rows]
    assert fields[:4] == ["match", "image", "replicas", "command"]
    assert "env:A" in fields and "healthcheck" in fields and "resources" in fields
    for row in result.services[0].rows:
        assert row.finding.check == row.field


def test_plan_json_shape() -> None:
    result = plan(
        project(service("web"), service("gone")), target(workload("web"), workload("x")), config()
    )
    data = json.loads(json.dumps(plan_json(result)))
    assert set(data) >= {"services", "sources"}
    assert data["sources"] == ["built-in", "manifests"]
    web, gone = data["services"]
    assert web["service"] == "web" and web["target"] == {"kind": "Deployment", "name": "web"}
    assert gone["target"] is None
    finding = web["findings"][0]
    assert set(finding) == {"severity", "field", "message", "fix"}
    assert finding["field"] == "match" and finding["severity"] == "ok"
    assert {f["severity"] for s in data["services"] for f in s["findings"]} <= {
        "ok",
        "info",
        "warn",
        "block",
    }
    assert data["other"][0]["field"] == "match:Deployment/x"
