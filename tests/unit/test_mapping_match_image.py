"""An unmatched Compose service's block names the workloads no service became that run its image,
even when their names are too unlike its own to count as similar (`notifier` ->
`notifications`)."""

from __future__ import annotations

from tests.support.mapping_builders import PROJECT, container, project, service, target, workload
from wizard.checks import Finding, Severity
from wizard.mapping.match import match_services
from wizard.target.model import TargetWorkload

IMAGE = "registry.example.com/fleet/notifier"


def _block(*workloads: TargetWorkload, image: str = f"{IMAGE}:2.1.0") -> Finding:
    proj = project(service("notifier", image=image), service("api", image=f"{IMAGE}:2.1.0"))
    _, findings, _ = match_services(proj, target(*workloads), {}, PROJECT)
    return next(f for f in findings if f.check == "match:notifier")


def test_a_workload_running_the_same_image_under_another_name_is_named() -> None:
    block = _block(workload("notifications", container("n", image=f"{IMAGE}:2.0.9")))
    assert block.severity is Severity.BLOCK
    assert f"Running the same image ({IMAGE}): Deployment notifications." in block.message
    assert "services:\n  notifier: notifications" in block.fix


def test_the_same_image_by_digest_or_with_docker_hubs_prefix() -> None:
    pinned = _block(workload("alerts", container("a", image=f"{IMAGE}@sha256:abc")))
    assert "Deployment alerts" in pinned.message
    hub = _block(
        workload("alerts", container("a", image="docker.io/library/redis:7")), image="redis:7.2"
    )
    assert "Running the same image (redis): Deployment alerts." in hub.message


def test_a_workload_another_service_became_is_not_offered() -> None:
    # api became Deployment api, which runs the same image: not a candidate for notifier.
    block = _block(workload("api", container("api", image=f"{IMAGE}:2.1.0")))
    assert "same image" not in block.message
    assert "notifier: <workload-name>" in block.fix


def test_another_image_is_not_named() -> None:
    block = _block(workload("mailer", container("m", image="registry.example.com/fleet/mail:1")))
    assert "same image" not in block.message and "mailer" not in block.message
