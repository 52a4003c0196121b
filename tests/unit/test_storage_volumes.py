"""Compose named volumes next to the PVCs that replace them, and the findings about them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from wizard.checks import Severity
from wizard.compose.model import ComposeProject, ComposeService, Mount, NamedVolume
from wizard.health.status import EventRow, PodRow
from wizard.model import Pvc
from wizard.storage.claims import format_bytes, parse_quantity, pvc_from_json
from wizard.storage.volumes import analyse_volumes, claim_name_for
from wizard.target.model import (
    ContainerSpec,
    PodVolume,
    TargetState,
    TargetWorkload,
    VolumeMountSpec,
)

NS = "email-rag"
GI = 2**30


def project(**mounts: list[tuple[str, str]]) -> ComposeProject:
    """services -> [(volume key, container path)]."""
    keys = sorted({k for ms in mounts.values() for k, _ in ms})
    return ComposeProject(
        name="email-rag",
        services={
            name: ComposeService(
                name=name, mounts=tuple(Mount("volume", key, path) for key, path in ms)
            )
            for name, ms in mounts.items()
        },
        volumes={k: NamedVolume(k, f"email-rag_{k}") for k in keys},
    )


def sts(name: str, template: str, path: str, replicas: int = 1) -> TargetWorkload:
    return TargetWorkload(
        kind="StatefulSet",
        name=name,
        replicas=replicas,
        containers=(ContainerSpec(name, mounts=(VolumeMountSpec(template, path),)),),
        claim_templates=(template,),
    )


def deployment(name: str, claim: str, path: str, replicas: int = 1) -> TargetWorkload:
    return TargetWorkload(
        kind="Deployment",
        name=name,
        replicas=replicas,
        containers=(ContainerSpec(name, mounts=(VolumeMountSpec("data", path),)),),
        volumes=(PodVolume("data", "persistentVolumeClaim", claim),),
    )


def claim(
    name: str,
    phase: str = "Bound",
    size: str = "10Gi",
    modes: tuple[str, ...] = ("ReadWriteOnce",),
    cls: str = "standard",
) -> Pvc:
    return Pvc(
        name=name,
        namespace=NS,
        phase=phase,
        requested=size,
        capacity=size if phase == "Bound" else "",
        access_modes=modes,
        storage_class=cls,
        volume_name=f"pvc-{name}" if phase != "Pending" else "",
    )


def pod(name: str, *claims: str, workload: str = "") -> PodRow:
    return PodRow(name, "Running", 1, 1, 0, workload=workload, claims=claims)


def by_check(findings: Any) -> dict[str, Any]:
    return {f.check: f for f in findings}


def test_matching_rules() -> None:
    proj = project(
        postgres=[("postgres_data", "/var/lib/postgresql/data")],
        redis=[("redis_data", "/data")],
        rabbitmq=[("rabbitmq_data", "/var/lib/rabbitmq")],
        backend=[("upload_data", "/app/uploads")],
        chroma=[("chroma_data", "/chroma")],
        cache=[("cache_data", "/cache")],
    )
    target = TargetState(
        NS,
        workloads=(
            sts("redis", "data", "/data"),  # the template mounted where Compose mounted it
            sts("rabbitmq", "storage", "/elsewhere"),  # one template, another path
            deployment("backend", "uploads-pvc", "/app/uploads"),
        ),
    )
    claims = [
        claim("pg-claim"),
        claim("data-redis-0"),
        claim("storage-rabbitmq-0"),
        claim("uploads-pvc", modes=("ReadWriteMany",)),
        claim("chroma-data", modes=("ReadWriteMany",)),
    ]
    report = analyse_volumes(proj, target, claims, volume_map={"postgres_data": "pg-claim"})
    rows = {r.volume: r for r in report.rows}
    assert {k: (r.rule, [c.name for c in r.claims]) for k, r in rows.items()} == {
        "postgres_data": ("cutover.yaml", ["pg-claim"]),
        "redis_data": ("mount path", ["data-redis-0"]),
        "rabbitmq_data": ("statefulset", ["storage-rabbitmq-0"]),
        "upload_data": ("mount path", ["uploads-pvc"]),
        "chroma_data": ("name", ["chroma-data"]),
        "cache_data": ("", []),
    }
    assert rows["upload_data"].claims[0].workloads == ("backend",)
    assert rows["redis_data"].claims[0].workloads == ("redis",)
    assert rows["postgres_data"].engine_name == "email-rag_postgres_data"
    found = by_check(report.findings)
    missing = found["volumes.missing:cache_data"]
    assert missing.severity is Severity.WARN and "'cache-data'" in missing.message
    assert "cutover.yaml" in missing.fix
    assert found["volumes.volume:redis_data"].severity is Severity.OK
    assert "data-redis-0 Bound 10Gi RWO" in found["volumes.volume:redis_data"].message
    assert [f.severity for f in report.findings].count(Severity.OK) == 5


def test_a_mapped_template_means_all_its_claims_in_order() -> None:
    proj = project(postgres=[("postgres_data", "/pg")])
    target = TargetState(NS, workloads=(sts("postgres", "data", "/x", replicas=3),))
    claims = [claim(f"data-postgres-{i}") for i in (10, 2, 0, 1)] + [claim("data-postgres-x")]
    report = analyse_volumes(proj, target, claims, volume_map={"postgres_data": "data"})
    assert [c.name for c in report.rows[0].claims] == [
        "data-postgres-0",
        "data-postgres-1",
        "data-postgres-2",
        "data-postgres-10",
    ]


def test_statefulset_claim_not_made_yet_is_named() -> None:
    proj = project(postgres=[("postgres_data", "/var/lib/postgresql/data")])
    target = TargetState(NS, workloads=(sts("postgres", "data", "/var/lib/postgresql/data"),))
    report = analyse_volumes(proj, target, [])
    [row] = report.rows
    assert [(c.name, c.pvc) for c in row.claims] == [("data-postgres-0", None)]
    [finding] = report.findings
    assert finding.check == "volumes.missing:data-postgres-0"
    assert finding.severity is Severity.WARN


def test_pending_blocks_with_the_latest_event_and_a_fix() -> None:
    proj = project(backend=[("upload_data", "/app/uploads")])
    events = [
        EventRow(
            "e1",
            "Normal",
            "FailedBinding",
            "old message",
            "PersistentVolumeClaim",
            "upload-data",
            5,
            100.0,
        ),
        EventRow(
            "e2",
            "Normal",
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set",
            "PersistentVolumeClaim",
            "upload-data",
            9,
            200.0,
        ),
        EventRow("e3", "Warning", "Other", "not mine", "PersistentVolumeClaim", "other", 1, 300.0),
    ]
    pending = claim("upload-data", "Pending", "5Gi", ("ReadWriteMany",), cls="")
    report = analyse_volumes(proj, TargetState(NS), [pending], events=events)
    [finding] = report.findings
    assert finding.check == "volumes.pending:upload-data" and finding.blocks
    assert finding.message.endswith(
        "Pending: FailedBinding: no persistent volumes available for this claim and no "
        "storage class is set"
    )
    assert "PersistentVolume of at least 5Gi with access mode ReadWriteMany" in finding.fix
    assert report.rows[0].claims[0].event_reason == "FailedBinding"


def test_pending_with_a_provisioner_and_waiting_for_first_consumer() -> None:
    proj = project(redis=[("redis_data", "/data")])
    pending = claim("redis-data", "Pending", cls="fast")
    [f] = analyse_volumes(proj, TargetState(NS), [pending]).findings
    assert f.blocks and "StorageClass 'fast'" in f.fix
    waiting = EventRow(
        "e",
        "Normal",
        "WaitForFirstConsumer",
        "waiting for first consumer to be created before binding",
        "PersistentVolumeClaim",
        "redis-data",
        1,
        1.0,
    )
    [f] = analyse_volumes(proj, TargetState(NS), [pending], events=[waiting]).findings
    assert f.severity is Severity.WARN and "first use" in f.fix


def test_lost_blocks() -> None:
    proj = project(redis=[("redis_data", "/data")])
    [f] = analyse_volumes(proj, TargetState(NS), [claim("redis-data", "Lost")]).findings
    assert f.check == "volumes.lost:redis-data" and f.blocks
    assert "pvc-redis-data" in f.message


def test_read_write_once_shared_blocks() -> None:
    # Two pods of one Deployment mount the RWO claim.
    proj = project(backend=[("upload_data", "/app/uploads")])
    target = TargetState(NS, workloads=(deployment("backend", "upload-data", "/app/uploads", 2),))
    pods = [pod("backend-1", "upload-data"), pod("backend-2", "upload-data"), pod("x")]
    report = analyse_volumes(proj, target, [claim("upload-data")], pods)
    [f] = report.findings
    assert f.check == "volumes.rwo_shared:upload-data" and f.blocks
    assert "Deployment backend (up to 2 pods)" in f.message
    assert "mount it now" not in f.message  # the replicas account for both pods
    assert "requests ReadWriteOnce; its PersistentVolume offers ReadWriteOnce" in f.message
    assert "up to 2 nodes" in f.message
    assert f.fix.startswith("Use a ReadWriteMany class (NFS)")
    assert report.rows[0].claims[0].pods == ("backend-1", "backend-2")

    # Two workloads mount it.
    target = TargetState(
        NS,
        workloads=(
            deployment("backend", "upload-data", "/app/uploads"),
            deployment("celery", "upload-data", "/app/uploads"),
        ),
    )
    [f] = analyse_volumes(proj, target, [claim("upload-data")]).findings
    assert f.blocks and "Deployment backend (1 pod) and Deployment celery (1 pod)" in f.message

    # Two Compose services share the volume (uploads, chroma): shared data, even before pods run.
    shared = project(
        backend=[("upload_data", "/app/uploads")], celery=[("upload_data", "/app/uploads")]
    )
    [f] = analyse_volumes(shared, TargetState(NS), [claim("upload-data")]).findings
    assert f.blocks and "Compose service backend (1 pod, no workload found" in f.message
    assert "Compose service celery" in f.message

    # ReadWriteMany: fine.
    rwx = claim("upload-data", modes=("ReadWriteMany",))
    [f] = analyse_volumes(shared, TargetState(NS), [rwx], pods).findings
    assert f.severity is Severity.OK


def test_capacity_smaller_than_the_data_warns_only_when_known() -> None:
    proj = project(postgres=[("postgres_data", "/pg")])
    small = claim("postgres-data", size="1Gi")
    [f] = analyse_volumes(proj, TargetState(NS), [small], sizes={"postgres_data": 3 * GI}).findings
    assert f.check == "volumes.capacity:postgres-data" and f.severity is Severity.WARN
    assert "3Gi of data" in f.message and "at least 3Gi" in f.fix
    [f] = analyse_volumes(proj, TargetState(NS), [small]).findings
    assert f.severity is Severity.OK
    [f] = analyse_volumes(proj, TargetState(NS), [small], sizes={"postgres_data": GI}).findings
    assert f.severity is Severity.OK
    # Pending: the requested size counts.
    pending = claim("postgres-data", "Pending", size="500Mi")
    checks = by_check(
        analyse_volumes(proj, TargetState(NS), [pending], sizes={"postgres_data": GI}).findings
    )
    assert set(checks) == {"volumes.pending:postgres-data", "volumes.capacity:postgres-data"}


def test_claim_names_and_quantities() -> None:
    assert claim_name_for("postgres_data") == "postgres-data"
    assert claim_name_for("Chroma_Data") == "chroma-data"
    assert parse_quantity("10Gi") == 10 * GI
    assert parse_quantity("1.5Gi") == int(1.5 * GI)
    assert parse_quantity("500M") == 500_000_000
    assert parse_quantity("2e9") == 2_000_000_000
    assert parse_quantity("1E") == 10**18
    assert parse_quantity("") is None and parse_quantity("ten") is None
    assert format_bytes(3 * GI) == "3Gi" and format_bytes(int(1.5 * GI)) == "1.5Gi"
    assert format_bytes(512) == "512B"


@pytest.mark.parametrize(
    ("status", "phase", "capacity", "modes"),
    [
        ({}, "Pending", "", ("ReadWriteMany",)),
        (
            {"phase": "Bound", "capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteOnce"]},
            "Bound",
            "2Gi",
            ("ReadWriteOnce",),
        ),
    ],
)
def test_pvc_from_json(
    status: dict[str, Any], phase: str, capacity: str, modes: tuple[str, ...]
) -> None:
    obj = {
        "metadata": {"name": "uploads", "namespace": NS},
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": "nfs",
            "volumeName": "pv-1" if status else "",
        },
        "status": status,
    }
    pvc = pvc_from_json(obj)
    assert (pvc.phase, pvc.capacity, pvc.access_modes, pvc.requested) == (
        phase,
        capacity,
        modes,
        "1Gi",
    )
    assert pvc.storage_class == "nfs"


# --- StatefulSet claim templates -----------------------------------------------------------------


def _db(
    replicas: int = 1, path: str = "/var/lib/postgresql/data/", **fields: Any
) -> TargetWorkload:
    """What `db` became: StatefulSet `email-rag-db` (the `<project>-<service>` name a converter
    gives), its template `data` mounted at the Compose volume's path (written with a slash)."""
    return TargetWorkload(
        kind="StatefulSet",
        name="email-rag-db",
        replicas=replicas,
        containers=(
            ContainerSpec("postgres", mounts=(VolumeMountSpec("data", path),)),
            ContainerSpec("exporter", mounts=(VolumeMountSpec("scratch", "/tmp"),)),
        ),
        volumes=(PodVolume("scratch", "emptyDir"),),
        claim_templates=("backup", "data"),
        **fields,
    )


DB = project(db=[("db-data", "/var/lib/postgresql/data")])


def test_a_template_claim_at_the_volumes_path_replaces_it_under_any_matched_name() -> None:
    target = TargetState(NS, workloads=(_db(),))
    claims = [claim("data-email-rag-db-0"), claim("backup-email-rag-db-0")]
    report = analyse_volumes(DB, target, claims)
    [row] = report.rows
    assert (row.rule, [c.name for c in row.claims]) == ("mount path", ["data-email-rag-db-0"])
    assert (row.claims[0].template, row.claims[0].statefulset) == ("data", "email-rag-db")
    [ok] = report.findings
    assert ok.severity is Severity.OK and "data-email-rag-db-0 Bound 10Gi RWO" in ok.message
    assert "expected a claim" not in ok.message


def test_a_template_claim_is_found_through_every_matching_rule() -> None:
    claims = [claim("data-store-0")]
    # By label (component=db), by cutover.yaml's services map, in a sidecar or init container.
    labelled = TargetWorkload(
        kind="StatefulSet",
        name="store",
        labels={"component": "db"},
        containers=(
            ContainerSpec("pg", mounts=(VolumeMountSpec("data", "/var/lib/postgresql/data"),)),
        ),
        claim_templates=("data", "wal"),
    )
    for target, services in (
        (TargetState(NS, workloads=(labelled,)), None),
        (TargetState(NS, workloads=(replace(labelled, labels={}),)), {"db": "store"}),
        (
            TargetState(
                NS,
                workloads=(
                    replace(
                        labelled,
                        containers=(ContainerSpec("pg"),),
                        init_containers=labelled.containers,
                    ),
                ),
            ),
            None,
        ),
    ):
        report = analyse_volumes(DB, target, claims, service_map=services)
        assert [c.name for c in report.rows[0].claims] == ["data-store-0"], target
        assert [f.severity for f in report.findings] == [Severity.OK]


def test_every_ordinal_is_reported_and_one_not_made_yet_says_why() -> None:
    target = TargetState(NS, workloads=(_db(replicas=3),))
    claims = [claim("data-email-rag-db-0"), claim("data-email-rag-db-1")]
    pods = [
        PodRow(
            "email-rag-db-0", "Running", 1, 1, 0, phase="Running", claims=("data-email-rag-db-0",)
        ),
        PodRow(
            "email-rag-db-1", "Pending", 0, 1, 0, phase="Pending", claims=("data-email-rag-db-1",)
        ),
    ]
    report = analyse_volumes(DB, target, claims, pods)
    assert [c.name for c in report.rows[0].claims] == [
        "data-email-rag-db-0",
        "data-email-rag-db-1",
        "data-email-rag-db-2",
    ]
    [missing] = report.findings
    assert missing.check == "volumes.missing:data-email-rag-db-2"
    assert missing.severity is Severity.WARN
    assert "claim template data of StatefulSet email-rag-db" in missing.message
    assert "does not exist yet" in missing.message
    assert "once pod email-rag-db-1 is Running and Ready; it is Pending" in missing.message
    assert "Nothing to create by hand" in missing.fix


def test_a_statefulset_scaled_to_zero_or_with_no_pod_names_the_reason() -> None:
    [scaled] = analyse_volumes(DB, TargetState(NS, workloads=(_db(replicas=0),)), []).findings
    assert scaled.check == "volumes.missing:data-email-rag-db-0"
    assert "scaled to 0 replicas" in scaled.message
    assert "scale statefulset email-rag-db --replicas=1" in scaled.fix
    none = analyse_volumes(DB, TargetState(NS, workloads=(_db(replicas=2),)), []).findings
    assert [f.check for f in none] == [
        "volumes.missing:data-email-rag-db-0",
        "volumes.missing:data-email-rag-db-1",
    ]
    assert all("has made no pod yet" in f.message for f in none)
    # Claims left from a larger scale still count, beside those the replicas call for.
    report = analyse_volumes(
        DB,
        TargetState(NS, workloads=(_db(replicas=1),)),
        [claim("data-email-rag-db-0"), claim("data-email-rag-db-4")],
    )
    assert [c.name for c in report.rows[0].claims] == ["data-email-rag-db-0", "data-email-rag-db-4"]


def test_a_template_mapped_in_cutover_yaml_names_its_claims_before_they_exist() -> None:
    target = TargetState(NS, workloads=(_db(replicas=2, path="/elsewhere"),))
    report = analyse_volumes(DB, target, [], volume_map={"db-data": "data"})
    assert [c.name for c in report.rows[0].claims] == ["data-email-rag-db-0", "data-email-rag-db-1"]
    assert {f.check for f in report.findings} == {
        "volumes.missing:data-email-rag-db-0",
        "volumes.missing:data-email-rag-db-1",
    }


def test_each_template_claim_is_one_pods_so_replicas_do_not_share_it() -> None:
    target = TargetState(NS, workloads=(_db(replicas=2),))
    claims = [claim("data-email-rag-db-0"), claim("data-email-rag-db-1")]
    report = analyse_volumes(DB, target, claims)
    assert [f.severity for f in report.findings] == [Severity.OK]
