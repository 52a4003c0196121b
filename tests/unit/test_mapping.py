"""The per-service diff: image, replicas, command, healthcheck, resources, depends_on, JSON."""

from __future__ import annotations

import json

import pytest

from tests.support.mapping_builders import (
    config,
    container,
    diff,
    project,
    service,
    target,
    workload,
)
from wizard.checks import Severity
from wizard.compose.model import Healthcheck, Resources
from wizard.mapping.diff import plan
from wizard.mapping.diff_resources import memory_bytes, millicores
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
    ],
)
def test_image_and_tag(compose: str, kube: str, severity: Severity) -> None:
    assert _severity(compose, kube) is severity


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


def test_missing_limits_in_kubernetes_warn() -> None:
    rows = diff(
        service("web", resources=Resources(cpu_limit="2", memory_limit_bytes=2 * GIB)),
        workload("web", container("web", requests={"cpu": "500m"})),
    )
    row = rows["resources"]
    assert row.finding.severity is WARN
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
