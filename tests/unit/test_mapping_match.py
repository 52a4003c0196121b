"""Which workload each Compose service became: cutover.yaml first, then name and label heuristics."""

from __future__ import annotations

from pathlib import Path

from tests.support.mapping_builders import (
    PROJECT,
    config,
    project,
    service,
    target,
    workload,
)
from wizard.checks import Severity
from wizard.mapping.diff import plan
from wizard.mapping.match import match_services
from wizard.target.model import TargetWorkload


def _names(matches: dict[str, TargetWorkload | None]) -> dict[str, str | None]:
    return {s: (w.name if w else None) for s, w in matches.items()}


def test_explicit_map_wins_over_the_name() -> None:
    proj = project(service("web"))
    tgt = target(workload("web"), workload("storefront"))
    matches, findings, _ = match_services(proj, tgt, {"web": "storefront"}, PROJECT)
    assert _names(matches) == {"web": "storefront"}
    ok = next(f for f in findings if f.check == "match:web")
    assert ok.severity is Severity.OK and "cutover.yaml" in ok.message
    # the other workload is reported, not silently dropped
    extra = next(f for f in findings if f.check == "match:Deployment/web")
    assert extra.severity is Severity.INFO and "<service>: web" in extra.fix


def test_exact_name_then_dashed_then_project_prefix() -> None:
    proj = project(service("web"), service("celery_worker"), service("api"))
    tgt = target(workload("web"), workload("celery-worker"), workload("shop-api"))
    matches, findings, _ = match_services(proj, tgt, {}, PROJECT)
    assert _names(matches) == {"web": "web", "celery_worker": "celery-worker", "api": "shop-api"}
    assert all(f.severity is Severity.OK for f in findings)


def test_labels_component_then_kubernetes_io_labels() -> None:
    proj = project(service("backend"), service("frontend"), service("worker"))
    tgt = target(
        workload("api-server", component="backend"),
        workload("ui", labels={"app.kubernetes.io/component": "frontend"}),
        workload("jobs", labels={"app.kubernetes.io/name": "worker"}),
    )
    matches, _, _ = match_services(proj, tgt, {}, PROJECT)
    assert _names(matches) == {"backend": "api-server", "frontend": "ui", "worker": "jobs"}


def test_a_looser_rule_never_takes_a_workload_a_stricter_one_gave_away() -> None:
    # `api` carries the label component=backend, but it is the `api` service's by name.
    proj = project(service("backend"), service("api"))
    tgt = target(workload("api", component="backend"), workload("shop-backend"))
    matches, _, _ = match_services(proj, tgt, {}, PROJECT)
    assert _names(matches) == {"backend": "shop-backend", "api": "api"}


def test_several_workloads_with_the_label_block() -> None:
    proj = project(service("backend"))
    tgt = target(workload("a", component="backend"), workload("b", component="backend"))
    matches, findings, _ = match_services(proj, tgt, {}, PROJECT)
    assert matches["backend"] is None
    block = next(f for f in findings if f.check == "match:backend")
    assert block.severity is Severity.BLOCK and "Deployment a, Deployment b" in block.message
    assert "services:\n  backend: <workload-name>" in block.fix


def test_unmatched_service_blocks_with_the_line_that_fixes_it() -> None:
    proj = project(service("celery"))
    tgt = target(workload("shop-celery-worker", component="worker"))
    matches, findings, _ = match_services(proj, tgt, {}, PROJECT)
    assert matches["celery"] is None
    block = next(f for f in findings if f.check == "match:celery")
    assert block.severity is Severity.BLOCK
    assert "Deployment shop-celery-worker" in block.message
    assert "services:\n  celery: shop-celery-worker" in block.fix


def test_unmatched_service_without_a_candidate() -> None:
    proj = project(service("mailer"))
    _, findings, _ = match_services(proj, target(workload("zzz")), {}, PROJECT)
    block = next(f for f in findings if f.check == "match:mailer")
    assert block.severity is Severity.BLOCK
    assert "services:\n  mailer: <workload-name>" in block.fix
    assert "namespace shop (manifests)" in block.message


def test_explicit_name_that_matches_nothing_names_the_cutover_yaml_line(tmp_path: Path) -> None:
    file = tmp_path / "cutover.yaml"
    file.write_text("project: shop\n\nservices:\n  web: shop-front\n  celery: shop-wrker\n")
    proj = project(service("web"), service("celery"))
    tgt = target(workload("shop-front"), workload("shop-worker"))
    matches, findings, _ = match_services(
        proj, tgt, {"web": "shop-front", "celery": "shop-wrker"}, PROJECT, file
    )
    assert matches["celery"] is None  # no fallback to heuristics when the map says otherwise
    block = next(f for f in findings if f.check == "match:celery")
    assert block.severity is Severity.BLOCK
    assert f"{file} line 5 `celery: shop-wrker`" in block.message
    assert "`  celery: shop-worker`" in block.fix


def test_unknown_service_in_cutover_yaml_blocks_clearly() -> None:
    proj = project(service("celery"))
    result = plan(proj, target(workload("celery")), config(services={"celeri": "celery"}))
    block = next(f for f in result.extra if f.check == "match:celeri")
    assert block.severity is Severity.BLOCK
    assert "has no service celeri" in block.message and "Did you mean celery?" in block.message
    assert "`  celery: celery`" in block.fix
    assert result.services[0].rows[0].finding.severity is Severity.OK


def test_every_service_gets_exactly_one_match_row() -> None:
    proj = project(service("web"), service("lost"))
    result = plan(proj, target(workload("web"), workload("extra-thing")), config())
    for plan_ in result.services:
        assert [r.field for r in plan_.rows].count("match") == 1
        assert plan_.rows[0].finding.check == "match"
    lost = next(s for s in result.services if s.service == "lost")
    assert lost.target is None and lost.severity is Severity.BLOCK
    assert [f.check for f in result.extra] == ["match:Deployment/extra-thing"]
