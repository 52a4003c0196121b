"""CPU and memory caps in every Compose form and unit, read alike by the real Compose v2 and the
built-in loader, and compared with the Kubernetes container's limits and requests: a cap
Compose sets is never 'neither side sets CPU or memory', and never ok against a manifest with
none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.mapping_builders import container, diff, service, workload
from tests.unit.test_compose_differential import HOME, assert_same, both, compose_bin  # noqa: F401
from wizard.checks import Severity
from wizard.compose import ComposeFileError, Resources, load_project
from wizard.config import CutoverConfig

MIB, GIB = 1 << 20, 1 << 30


def load_both(tmp_path: Path, service_yaml: str, compose: str) -> Resources:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    image: example/app:1.0\n" + service_yaml
    )
    config = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name="p"
    )
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": HOME}
    cli, builtin = both(config, environ, None, compose)
    assert_same(cli, builtin)
    return builtin.services["app"].resources


MEMORY_FORMS = [
    ("10000Mb", 10000 * MIB),
    ("1g", GIB),
    ("1G", GIB),
    ("512m", 512 * MIB),
    ("1.5g", 3 * GIB // 2),
    ("1GiB", GIB),
    ("2048k", 2 * MIB),
    ("100b", 100),
    ("'536870912'", 512 * MIB),
]


@pytest.mark.parametrize(("text", "size"), MEMORY_FORMS)
@pytest.mark.parametrize(
    ("template", "field"),
    [
        ("    mem_limit: {}\n", "memory_limit_bytes"),
        ("    deploy: {{resources: {{limits: {{memory: {}}}}}}}\n", "memory_limit_bytes"),
        ("    mem_reservation: {}\n", "memory_reservation_bytes"),
        (
            "    deploy: {{resources: {{reservations: {{memory: {}}}}}}}\n",
            "memory_reservation_bytes",
        ),
    ],
)
def test_every_memory_unit_in_every_key(
    compose_bin: str,  # noqa: F811
    tmp_path: Path,
    text: str,
    size: int,
    template: str,
    field: str,
) -> None:
    resources = load_both(tmp_path, template.format(text), compose_bin)
    assert getattr(resources, field) == size


@pytest.mark.parametrize(
    ("text", "cpus"), [("1.5", "1.5"), ("'0.5'", "0.5"), ("2", "2"), ("'0.25'", "0.25")]
)
@pytest.mark.parametrize(
    ("template", "field"),
    [
        ("    cpus: {}\n", "cpu_limit"),
        ("    deploy: {{resources: {{limits: {{cpus: {}}}}}}}\n", "cpu_limit"),
        ("    deploy: {{resources: {{reservations: {{cpus: {}}}}}}}\n", "cpu_reservation"),
    ],
)
def test_every_cpu_form_in_every_key(
    compose_bin: str,  # noqa: F811
    tmp_path: Path,
    text: str,
    cpus: str,
    template: str,
    field: str,
) -> None:
    resources = load_both(tmp_path, template.format(text), compose_bin)
    assert getattr(resources, field) == cpus


def test_the_same_cap_twice_is_fine_and_distinct_caps_are_refused_by_both(
    compose_bin: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    same = "    mem_limit: 1g\n    deploy: {resources: {limits: {memory: 1024m}}}\n"
    assert load_both(tmp_path, same, compose_bin).memory_limit_bytes == GIB
    for twice in (
        "    mem_limit: 1g\n    deploy: {resources: {limits: {memory: 512m}}}\n",
        "    mem_reservation: 1g\n    deploy: {resources: {reservations: {memory: 512m}}}\n",
        "    cpus: 2\n    deploy: {resources: {limits: {cpus: '0.5'}}}\n",
    ):
        (tmp_path / "compose.yaml").write_text(
            "services:\n  app:\n    image: example/app:1.0\n" + twice
        )
        config = CutoverConfig(
            compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name="p"
        )
        environ = {"PATH": "/usr/bin:/bin", "HOME": HOME}
        for loader in (compose_bin, None):
            with pytest.raises(ComposeFileError, match="distinct values"):
                load_project(config, loader, environ=environ)


# --- against the manifest --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "severity", "fix"),
    [
        # A memory cap the conversion dropped blocks: no exit 0 while it is unaccounted for.
        (Resources(memory_limit_bytes=10000 * MIB), Severity.BLOCK, "limits.memory: 10000Mi"),
        (Resources(memory_limit_bytes=GIB, cpu_limit="1.5"), Severity.BLOCK, "limits.cpu: 1500m"),
        (Resources(memory_limit_bytes=3 * GIB // 2), Severity.BLOCK, "limits.memory: 1536Mi"),
        # A CPU cap alone: throttling, not a node taken down.
        (Resources(cpu_limit="0.5"), Severity.WARN, "limits.cpu: 500m"),
    ],
)
def test_a_compose_cap_against_a_manifest_with_none_is_not_ok(
    resources: Resources, severity: Severity, fix: str
) -> None:
    row = diff(service("app", resources=resources), workload("app"))["resources"]
    assert row.finding.severity is severity
    assert "Neither side" not in row.finding.message
    assert "Kubernetes sets no" in row.finding.message
    assert fix in row.finding.fix


def test_a_memory_cap_with_only_a_memory_request_still_blocks() -> None:
    box = container("app", requests={"memory": "1Gi"})
    resources = Resources(memory_limit_bytes=GIB)
    row = diff(service("app", resources=resources), workload("app", box))["resources"]
    assert row.finding.severity is Severity.BLOCK


@pytest.mark.parametrize(
    ("resources", "limits", "requests"),
    [
        (Resources(memory_limit_bytes=10000 * MIB), {"memory": "10000Mi"}, {}),
        (Resources(memory_limit_bytes=GIB, cpu_limit="1.5"), {"memory": "1Gi", "cpu": "1500m"}, {}),
        (
            Resources(memory_reservation_bytes=512 * MIB, cpu_reservation="0.25"),
            {},
            {"memory": "512Mi", "cpu": "250m"},
        ),
    ],
)
def test_the_same_caps_in_kubernetes_units_are_ok(
    resources: Resources, limits: dict[str, str], requests: dict[str, str]
) -> None:
    box = container("app", limits=limits, requests=requests)
    row = diff(service("app", resources=resources), workload("app", box))["resources"]
    assert row.finding.severity is Severity.OK, row.finding.message


def test_a_reservation_kubernetes_does_not_request_is_said() -> None:
    resources = Resources(memory_reservation_bytes=512 * MIB)
    row = diff(service("app", resources=resources), workload("app"))["resources"]
    assert row.finding.severity is Severity.INFO
    assert "Compose reserves 512 MiB of memory" in row.finding.message
    assert "requests.memory: 512Mi" in row.finding.fix
