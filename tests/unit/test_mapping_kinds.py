"""The one matcher over every workload kind, other namespaces, and pods of several containers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.mapping_builders import (
    PROJECT,
    config,
    container,
    project,
    rows,
    service,
    target,
    workload,
)
from wizard.checks import Severity
from wizard.config import load_cutover_file
from wizard.errors import ConfigError
from wizard.mapping.containers import TargetRef, pick_container, readings, ref_problem
from wizard.mapping.diff import plan
from wizard.mapping.match import match_services
from wizard.target.model import ElsewhereRef, ObjectRef


def _finding(findings: list, check: str):  # type: ignore[no-untyped-def]
    return next(f for f in findings if f.check == check)


# --- kinds ----------------------------------------------------------------------------------------


def test_every_kind_named_after_a_service_is_its_target() -> None:
    proj = project(
        service("agent"),
        service("migrate"),
        service("report"),
        service("oneoff"),
        service("legacy"),
    )
    tgt = target(
        workload("agent", kind="DaemonSet", replicas=None),
        workload("migrate", kind="Job", replicas=None),
        workload("shop-report", kind="CronJob", replicas=None, schedule="0 3 * * *"),
        workload("oneoff", kind="Pod"),
        workload("legacy", kind="ReplicationController"),
    )
    matched, findings, containers = match_services(proj, tgt, {}, PROJECT)
    assert {s: (w.kind if w else None) for s, w in matched.items()} == {
        "agent": "DaemonSet",
        "migrate": "Job",
        "report": "CronJob",
        "oneoff": "Pod",
        "legacy": "ReplicationController",
    }
    assert all(c is not None for c in containers.values())
    assert all(f.severity is Severity.OK for f in findings)
    assert "became CronJob shop-report" in _finding(findings, "match:report").message


def test_explicit_mapping_finds_every_kind_and_a_kind_prefix() -> None:
    proj = project(service("web"), service("cron"))
    tgt = target(
        workload("front", kind="Job"),
        workload("front", kind="DaemonSet"),
        workload("nightly", kind="CronJob"),
    )
    matched, findings, _ = match_services(
        proj, tgt, {"web": "job/front", "cron": "nightly"}, PROJECT
    )
    assert all(f.severity is not Severity.BLOCK for f in findings)
    assert (matched["web"].kind, matched["cron"].kind) == ("Job", "CronJob")  # type: ignore[union-attr]
    # without the prefix the long-running kind wins
    matched, _, _ = match_services(proj, tgt, {"web": "front"}, PROJECT)
    assert matched["web"].kind == "DaemonSet"  # type: ignore[union-attr]


def test_a_missing_service_names_similar_workloads_with_their_kind() -> None:
    proj = project(service("worker"))
    tgt = target(workload("workers", kind="DaemonSet"), workload("db", kind="StatefulSet"))
    _, findings, _ = match_services(proj, tgt, {}, PROJECT)
    block = _finding(findings, "match:worker")
    assert block.severity is Severity.BLOCK
    assert "Similar names: DaemonSet workers" in block.message
    assert "StatefulSet db" not in block.message
    for kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"):
        assert kind in block.message
    assert "worker: workers" in block.fix


def test_an_unsupported_kind_named_like_the_service_is_named() -> None:
    proj = project(service("web"))
    tgt = target(ignored=(ObjectRef("Rollout", "web"),))
    _, findings, _ = match_services(proj, tgt, {}, PROJECT)
    block = _finding(findings, "match:web")
    assert "Found Rollout web: a kind cutover does not compare" in block.message


def test_explicit_mapping_to_nothing_names_similar() -> None:
    proj = project(service("web"))
    tgt = target(workload("web-frontend", kind="Pod"))
    _, findings, _ = match_services(proj, tgt, {"web": "web-fronted"}, PROJECT)
    block = _finding(findings, "match:web")
    assert block.severity is Severity.BLOCK
    assert "Pod web-frontend" in block.message and "web: web-frontend" in block.fix


def test_a_bad_mapping_value_blocks_with_the_forms() -> None:
    proj = project(service("web"))
    _, findings, _ = match_services(proj, target(workload("web")), {"web": "a/b/c/d"}, PROJECT)
    block = _finding(findings, "match:web")
    assert block.severity is Severity.BLOCK and "<workload>/<container>" in block.fix
    assert ref_problem("web") == "" and ref_problem("deploy/web/app") == ""
    assert "not a workload kind" in ref_problem("thing/web/app")
    assert ref_problem("web//x") == "an empty name"


def test_readings_of_a_two_part_value() -> None:
    assert readings("job/worker") == [TargetRef("worker", kind="Job"), TargetRef("job", "worker")]
    assert readings("app/proxy") == [TargetRef("app", "proxy")]
    assert readings("sts/db/postgres") == [TargetRef("db", "postgres", "StatefulSet")]


def test_job_replicas_row_is_a_note_not_a_mismatch() -> None:
    proj = project(service("migrate"), service("agent", replicas=3), service("batch", replicas=2))
    tgt = target(
        workload("migrate", kind="Job", replicas=None),
        workload("agent", kind="DaemonSet", replicas=None),
        workload("batch", kind="Pod"),
    )
    result = plan(proj, tgt, config())
    assert rows(result, "migrate")["replicas"].finding.severity is Severity.INFO
    assert rows(result, "agent")["replicas"].finding.severity is Severity.INFO
    batch = rows(result, "batch")["replicas"].finding
    assert batch.severity is Severity.WARN and "bare Pod" in batch.message


def test_fix_paths_follow_the_kind() -> None:
    svc = service("report", image="registry.example.com/report:2.0.0")
    tgt = target(workload("report", kind="CronJob", replicas=None))
    image = rows(plan(project(svc), tgt, config()), "report")["image"].finding
    assert image.severity is Severity.BLOCK or image.severity is Severity.WARN
    assert "spec.jobTemplate.spec.template.spec.containers[name=report]" in image.fix


# --- other namespaces -------------------------------------------------------------------------------


def test_workloads_in_another_namespace_are_said() -> None:
    proj = project(service("web"), service("api"))
    tgt = target(
        workload("api"),
        elsewhere=(
            ElsewhereRef("staging", "Deployment", "web"),
            ElsewhereRef("staging", "Service", "web"),
            ElsewhereRef("monitoring", "ConfigMap", "dashboards"),
        ),
    )
    _, findings, _ = match_services(proj, tgt, {}, PROJECT)
    block = _finding(findings, "match:web")
    assert "Deployment web in namespace staging exists" in block.message
    assert "--namespace staging" in block.fix
    staging = _finding(findings, "match:namespace:staging")
    assert staging.severity is Severity.WARN
    assert (
        "Deployment web, Service web" in staging.message
        and "unmatched here: web" in staging.message
    )
    monitoring = _finding(findings, "match:namespace:monitoring")
    assert monitoring.severity is Severity.INFO  # no workload there: only a note


def test_other_namespace_findings_reach_the_plan() -> None:
    proj = project(service("web"))
    tgt = target(workload("web"), elsewhere=(ElsewhereRef("b", "Deployment", "worker"),))
    result = plan(proj, tgt, config())
    assert any(f.check == "match:namespace:b" for f in result.extra)


# --- containers -------------------------------------------------------------------------------------


def test_container_name_picks_the_container() -> None:
    svc = service("db", container_name="shop-postgres", image="postgres:16")
    wl = workload(
        "db",
        container("exporter", image="exporter:1"),
        container("shop-postgres", image="postgres:16"),
    )
    pick = pick_container(svc, wl)
    assert pick.container is not None and pick.container.name == "shop-postgres"


def test_container_order_of_rules() -> None:
    svc = service("web", image="shop/web:1")
    assert pick_container(svc, workload("x", container("only"))).container.name == "only"  # type: ignore[union-attr]
    named_like_workload = workload("x", container("side"), container("x"))
    assert pick_container(svc, named_like_workload).container.name == "x"  # type: ignore[union-attr]
    by_image = workload(
        "y", container("a", image="nginx:1"), container("b", image="docker.io/shop/web:2")
    )
    assert pick_container(svc, by_image).container.name == "b"  # type: ignore[union-attr]
    unknown = pick_container(svc, workload("z", container("a"), container("b")))
    assert unknown.container is None
    assert "(a, b)" in unknown.problem and "web: z/<container>" in unknown.fix


def test_explicit_container_that_is_not_there_blocks() -> None:
    proj = project(service("web"))
    tgt = target(workload("app", container("main"), container("proxy")))
    _, findings, containers = match_services(proj, tgt, {"web": "app/nginx"}, PROJECT)
    block = _finding(findings, "match:web")
    assert block.severity is Severity.BLOCK
    assert "no container nginx (it has: main, proxy)" in block.message
    assert containers["web"] is None


def test_the_wrong_container_is_never_diffed() -> None:
    svc = service("web", image="shop/web:1")
    wl = workload(
        "web-app", container("istio-init", image="istio:1"), container("main", image="other:1")
    )
    result = plan(project(svc), target(wl), config({"web": "web-app"}))
    found = rows(result, "web")
    assert set(found) == {"match"}  # no image/env rows against a guessed container
    assert found["match"].finding.severity is Severity.BLOCK


def test_two_services_in_one_pod_by_mapping() -> None:
    proj = project(service("app"), service("proxy", image="nginx:1.27"))
    pod = workload("app", container("app"), container("nginx", image="nginx:1.27"))
    matched, findings, containers = match_services(
        proj, target(pod), {"app": "app/app", "proxy": "app/nginx"}, PROJECT
    )
    assert matched["app"] is matched["proxy"] is pod
    assert containers["proxy"].name == "nginx"  # type: ignore[union-attr]
    assert all(f.severity is Severity.OK for f in findings)
    result = plan(proj, target(pod), config({"app": "app/app", "proxy": "app/nginx"}))
    assert rows(result, "proxy")["image"].kubernetes == "nginx:1.27"


def test_mapping_only_the_sidecar_leaves_the_main_service_matched_by_name() -> None:
    proj = project(service("app"), service("proxy", image="nginx:1.27"))
    pod = workload("app", container("app"), container("nginx", image="nginx:1.27"))
    matched, findings, containers = match_services(
        proj, target(pod), {"proxy": "app/nginx"}, PROJECT
    )
    assert matched["app"] is pod and containers["app"].name == "app"  # type: ignore[union-attr]
    assert containers["proxy"].name == "nginx"  # type: ignore[union-attr]
    assert [f.severity for f in findings] == [Severity.OK, Severity.OK]


def test_a_whole_workload_mapping_still_takes_it_from_the_name_rule() -> None:
    proj = project(service("web"), service("storefront"))
    tgt = target(workload("storefront"))
    matched, findings, _ = match_services(proj, tgt, {"web": "storefront"}, PROJECT)
    assert matched["web"] is not None and matched["storefront"] is None
    assert _finding(findings, "match:storefront").severity is Severity.BLOCK


def test_two_services_on_one_container_warn() -> None:
    proj = project(service("web"), service("api"))
    tgt = target(workload("app", container("app"), container("side")))
    _, findings, _ = match_services(proj, tgt, {"web": "app/app", "api": "app/app"}, PROJECT)
    shared = _finding(findings, "match:Deployment/app/app")
    assert shared.severity is Severity.WARN and "web and api" in shared.message


def test_a_sidecar_is_found_by_its_container_name_without_mapping() -> None:
    proj = project(service("app"), service("log-shipper", image="fluent/fluent-bit:3"))
    pod = workload("app", container("app"), container("log-shipper", image="fluent/fluent-bit:3"))
    matched, findings, containers = match_services(proj, target(pod), {}, PROJECT)
    assert matched["log-shipper"] is pod and containers["log-shipper"].name == "log-shipper"  # type: ignore[union-attr]
    assert "as container log-shipper of its pod" in _finding(findings, "match:log-shipper").message
    assert not any(f.check == "match:Deployment/app" for f in findings)


def test_network_mode_service_prefers_the_hosts_pod() -> None:
    proj = project(
        service("vpn"),
        service("client", network_mode="service:vpn"),
    )
    tgt = target(
        workload("vpn", container("vpn"), container("client")),
        workload("other", container("other"), container("client")),
    )
    matched, _, _ = match_services(proj, tgt, {}, PROJECT)
    assert matched["client"].name == "vpn"  # type: ignore[union-attr]


def test_network_mode_service_unmatched_says_how_to_map_a_container() -> None:
    proj = project(service("vpn"), service("client", network_mode="service:vpn"))
    _, findings, _ = match_services(proj, target(workload("vpn")), {}, PROJECT)
    block = _finding(findings, "match:client")
    assert "network_mode: service:vpn" in block.message
    assert "client: <workload>/<container>" in block.fix


def test_two_workloads_with_the_container_is_ambiguous() -> None:
    proj = project(service("redis"))
    tgt = target(
        workload("a", container("a"), container("redis")),
        workload("b", container("b"), container("redis")),
    )
    _, findings, _ = match_services(proj, tgt, {}, PROJECT)
    block = _finding(findings, "match:redis")
    assert (
        block.severity is Severity.BLOCK
        and "2 workloads have a container named redis" in block.message
    )


# --- cutover.yaml -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["web", "web/nginx", "deploy/web", "StatefulSet/db/postgres"])
def test_cutover_yaml_takes_every_mapping_form(tmp_path: Path, value: str) -> None:
    path = tmp_path / "cutover.yaml"
    path.write_text(f"services:\n  web: {value}\n", encoding="utf-8")
    assert load_cutover_file(path).services == {"web": value}


@pytest.mark.parametrize("value", ["web//nginx", "a/b/c/d", "/web"])
def test_cutover_yaml_refuses_a_malformed_mapping(tmp_path: Path, value: str) -> None:
    path = tmp_path / "cutover.yaml"
    path.write_text(f"services:\n  web: '{value}'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_cutover_file(path)
    assert "services" in caught.value.message and "<workload>/<container>" in caught.value.message
