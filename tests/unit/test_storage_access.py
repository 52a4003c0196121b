"""One rule for a claim several pods share (wizard.storage.access), and the same answer from the
Volumes step and the Mapping diff for the same target."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.mapping_builders import config, container, kube_service, pvc, service, target
from tests.support.mapping_builders import project as mapping_project
from tests.support.mapping_builders import rows as plan_rows
from tests.support.mapping_builders import workload as mapping_workload
from wizard.checks import Severity
from wizard.compose.model import Mount
from wizard.mapping.diff import plan
from wizard.model import Pvc
from wizard.storage.access import Sharer, claim_sharers, shared_access
from wizard.storage.claims import pvc_from_json
from wizard.storage.volumes import analyse_volumes
from wizard.target.model import Autoscaler, TargetClaim, TargetState, VolumeMountSpec
from wizard.target.parse import claim as parse_claim
from wizard.target.pods import pod_volume

RWO, RWX, ROX, RWOP = "ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"
TWO = [Sharer("Deployment backend", 1), Sharer("Deployment celery", 1)]


def test_one_pod_or_unknown_modes_or_read_write_many_requested_say_nothing() -> None:
    assert shared_access("c", [RWO], [RWO], [Sharer("Deployment backend", 1)]) is None
    assert shared_access("c", [], [], TWO) is None
    assert shared_access("c", [RWX], [RWX], TWO) is None
    assert shared_access("c", [RWX], [], TWO) is None  # not bound yet: binds to an RWX volume


def test_read_write_once_shared_blocks_bound_or_not() -> None:
    bound = shared_access("c", [RWO], [RWO], TWO)
    assert bound is not None and bound.severity is Severity.BLOCK
    assert (
        "PVC c requests ReadWriteOnce; its PersistentVolume offers ReadWriteOnce" in bound.message
    )
    assert "Deployment backend (1 pod) and Deployment celery (1 pod)" in bound.message
    assert "2 pods, which the scheduler may place on up to 2 nodes" in bound.message
    unbound = shared_access("c", [RWO], [], TWO)
    assert unbound is not None and unbound.severity is Severity.BLOCK
    assert "not bound to a PersistentVolume yet" in unbound.message
    # ReadOnlyMany does not let pods write from several nodes either.
    rox = shared_access("c", [ROX], [ROX], TWO)
    assert rox is not None and rox.severity is Severity.BLOCK


def test_read_write_many_only_on_the_bound_volume_warns() -> None:
    verdict = shared_access("c", [RWO], [RWO, RWX], TWO)
    assert verdict is not None and verdict.severity is Severity.WARN
    assert (
        "requests ReadWriteOnce, but its PersistentVolume offers ReadWriteOnce, ReadWriteMany"
        in verdict.message
    )
    assert "request ReadWriteMany" in verdict.fix


def test_read_write_once_pod_blocks_even_when_the_volume_offers_more() -> None:
    verdict = shared_access("c", [RWOP], [RWOP], [Sharer("Deployment web", 2)])
    assert verdict is not None and verdict.severity is Severity.BLOCK
    assert "even on one node" in verdict.message and "up to 2 pods" in verdict.message


def test_replicas_autoscalers_and_running_pods_count() -> None:
    web = mapping_workload("web", volumes=(pvc("data", "uploads"),), replicas=1)
    scaled = TargetState(
        "shop",
        workloads=(web,),
        autoscalers=(Autoscaler("HorizontalPodAutoscaler", "web", "Deployment", "web", 1, 5),),
    )
    [sharer] = claim_sharers("uploads", scaled)
    assert sharer == Sharer("Deployment web", 5)
    verdict = shared_access("uploads", [RWO], [RWO], [sharer])
    assert verdict is not None and "5 pods" in verdict.message
    # One replica, but three pods mount it now (a bare pod, a Job): the pods seen count.
    one = [Sharer("Deployment web", 1)]
    seen = shared_access("uploads", [RWO], [RWO], one, ["web-1", "backup", "debug"])
    assert seen is not None and "3 pods" in seen.message
    assert "pods backup, debug, web-1 mount it now" in seen.message


def test_compose_services_sharing_the_volume_count_once_per_workload() -> None:
    backend = mapping_workload("backend", volumes=(pvc("data", "uploads"),))
    celery = mapping_workload("celery")
    state = TargetState("shop", workloads=(backend, celery))
    sharers = claim_sharers("uploads", state, {"backend": backend, "celery": celery, "beat": None})
    assert sharers == [
        Sharer("Deployment backend", 1),
        Sharer("Compose service beat", 1, "no workload found for it yet"),
        Sharer("Compose service celery", 1, "Deployment celery does not mount it yet"),
    ]
    # Two Compose services that became one pod (a sidecar) are one sharer.
    assert claim_sharers("uploads", state, {"backend": backend, "sidecar": backend}) == [
        Sharer("Deployment backend", 1)
    ]


def test_bound_modes_are_read_only_from_a_bound_claim() -> None:
    obj = {
        "metadata": {"name": "uploads"},
        "spec": {"accessModes": [RWO]},
        "status": {"phase": "Bound", "accessModes": [RWO, RWX]},
    }
    assert parse_claim(obj) == TargetClaim("uploads", (RWO,), bound_modes=(RWO, RWX))
    assert parse_claim({**obj, "status": {"phase": "Pending"}}).bound_modes == ()
    live = pvc_from_json(obj)
    assert (live.requested_modes, live.access_modes) == ((RWO,), (RWO, RWX))


# --- the same answer in both steps -------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "bound", "severity"),
    [
        ((RWO,), (RWO,), Severity.BLOCK),
        ((RWO,), (RWO, RWX), Severity.WARN),  # the case the two steps used to disagree on
        ((RWO,), (), Severity.BLOCK),
        ((RWX,), (RWX,), None),
        ((RWOP,), (RWOP,), Severity.BLOCK),
        ((ROX,), (ROX,), Severity.BLOCK),  # both mount it writable
    ],
)
def test_volumes_and_mapping_give_the_same_answer(
    requested: tuple[str, ...], bound: tuple[str, ...], severity: Severity | None
) -> None:
    uploads = (Mount("volume", "upload_data", "/app/uploads"),)
    proj = mapping_project(
        service("backend", mounts=uploads),
        service("celery", mounts=uploads),
        volumes=("upload_data",),
    )
    mounted = {"volumes": (pvc("up", "upload-data"),)}
    at = (VolumeMountSpec("up", "/app/uploads"),)
    state = target(
        mapping_workload("backend", container("backend", mounts=at), **mounted),
        mapping_workload("celery", container("celery", mounts=at), **mounted),
        services=(kube_service("backend", "backend", 80),),
        claims=(TargetClaim("upload-data", requested, bound_modes=bound),),
    )
    result = plan(proj, state, config())
    mapping = [plan_rows(result, s)["volumes:upload_data"].finding for s in ("backend", "celery")]
    live = Pvc(
        "upload-data",
        "shop",
        "Bound" if bound else "Pending",
        "1Gi",
        "1Gi" if bound else "",
        bound or requested,
        "nfs",
        requested_modes=requested,
    )
    volumes = analyse_volumes(proj, state, [live])
    sharing = [f for f in volumes.findings if f.check == "volumes.rwo_shared:upload-data"]
    if severity is None:
        assert sharing == [] and all(f.severity is Severity.OK for f in mapping)
        return
    [finding] = sharing
    assert finding.severity is severity
    verdict = finding.message.split(": ", 1)[1]  # after "Compose volume upload_data (...)"
    for row in mapping:
        assert row.severity is severity and verdict in row.message
        assert finding.fix in row.fix


def test_a_daemonset_mounting_a_read_write_once_claim_runs_a_pod_on_every_node() -> None:
    agent = mapping_workload("agent", kind="DaemonSet", volumes=(pvc("data", "logs"),))
    [sharer] = claim_sharers("logs", TargetState("shop", workloads=(agent,)))
    verdict = shared_access("logs", [RWO], [RWO], [sharer])
    assert verdict is not None and verdict.severity is Severity.BLOCK
    assert "DaemonSet agent (a pod on every node)" in verdict.message
    assert "a pod on every node, and a ReadWriteOnce volume" in verdict.message


def test_mapping_says_when_the_shared_claim_was_not_read() -> None:
    uploads = (Mount("volume", "upload_data", "/app/uploads"),)
    proj = mapping_project(service("backend", mounts=uploads), volumes=("upload_data",))
    at = (VolumeMountSpec("up", "/app/uploads"),)
    state = target(
        mapping_workload(
            "backend",
            container("backend", mounts=at),
            volumes=(pvc("up", "upload-data"),),
            replicas=3,
        )
    )
    row = plan_rows(plan(proj, state, config()), "backend")["volumes:upload_data"].finding
    assert row.severity is Severity.INFO
    assert "PVC upload-data is not in the target read" in row.message and "3 pods" in row.message


READERS = [
    Sharer("Deployment web", 3, writes=False),
    Sharer("Deployment worker", 2, writes=False),
]


def test_read_only_many_read_by_every_pod_is_fine() -> None:
    assert shared_access("assets", [ROX], [ROX], READERS) is None
    assert shared_access("assets", [ROX], [], READERS) is None  # not bound yet


def test_read_only_many_with_a_writer_blocks_and_names_it_even_for_one_pod() -> None:
    mixed = [READERS[0], Sharer("Deployment uploader", 1)]
    verdict = shared_access("assets", [ROX], [ROX], mixed)
    assert verdict is not None and verdict.severity is Severity.BLOCK
    assert "Deployment uploader mounts it writable" in verdict.message
    assert "Deployment web" not in verdict.message.split("but", 1)[1]
    assert "readOnly: true" in verdict.fix
    one = shared_access("assets", [ROX], [ROX], [Sharer("Deployment uploader", 1)])
    assert one is not None and one.severity is Severity.BLOCK


def test_read_write_once_read_only_by_many_pods_still_blocks() -> None:
    # ReadWriteOnce attaches to one node, read-only mounts or not.
    verdict = shared_access("assets", [RWO], [RWO], READERS)
    assert verdict is not None and verdict.severity is Severity.BLOCK


@pytest.mark.parametrize(
    ("volume_read_only", "mount_read_only", "writes"),
    [(True, False, False), (False, True, False), (False, False, True), (True, True, False)],
)
def test_a_workload_reads_a_claim_when_its_volume_or_every_mount_is_read_only(
    volume_read_only: bool, mount_read_only: bool, writes: bool
) -> None:
    web = mapping_workload(
        "web",
        container("web", mounts=(VolumeMountSpec("data", "/srv", read_only=mount_read_only),)),
        volumes=(replace(pvc("data", "assets"), read_only=volume_read_only),),
        replicas=3,
    )
    [sharer] = claim_sharers("assets", TargetState("shop", workloads=(web,)))
    assert sharer.writes is writes


def test_a_claim_volume_keeps_its_read_only_flag() -> None:
    volume = pod_volume(
        {"name": "a", "persistentVolumeClaim": {"claimName": "x", "readOnly": True}}
    )
    assert volume.read_only and volume.ref == "x"
    assert not pod_volume({"name": "a", "persistentVolumeClaim": {"claimName": "x"}}).read_only
