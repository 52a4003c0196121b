"""Volumes on the real control plane: a claim Pending with the PV controller's FailedBinding
event, then Bound live through our watch once a matching PersistentVolume appears."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.support.pods import running, template
from wizard.checks import Severity
from wizard.compose.model import ComposeProject, ComposeService, Mount, NamedVolume
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster
from wizard.health.watch import WatchUpdate
from wizard.model import Pvc
from wizard.storage.volumes import VolumesReport, gather_volumes


def poll(what: str, check: Callable[[], Any], timeout: float = 45.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
    return result


class Claims:
    def __init__(self) -> None:
        self.rows: dict[str, Pvc] = {}
        self.phases: list[str] = []
        self.cond = threading.Condition()

    def __call__(self, update: WatchUpdate) -> None:
        with self.cond:
            if update.reset:
                self.rows = dict(update.items)
            for key, row in update.changed.items():
                if row is None:
                    self.rows.pop(key, None)
                else:
                    self.rows[key] = row
            self.phases.extend(r.phase for r in update.changed.values() if r is not None)
            self.phases.extend(r.phase for r in update.items.values())
            self.cond.notify_all()

    def wait(self, what: str, check: Callable[[], Any], timeout: float = 45.0) -> Any:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not (result := check()):
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"timed out after {timeout} s waiting for {what}: {self.rows}")
                self.cond.wait(min(left, 1.0))
            return result


@pytest.fixture
def cluster(admin_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    c = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    yield c
    c.close()


def shared_uploads() -> ComposeProject:
    mount = (Mount("volume", "upload_data", "/app/uploads"),)
    return ComposeProject(
        name="email-rag",
        services={
            "backend": ComposeService("backend", mounts=mount),
            "celery": ComposeService("celery", mounts=mount),
        },
        volumes={"upload_data": NamedVolume("upload_data", "email-rag_upload_data")},
    )


def test_pending_claim_blocks_with_its_event_then_binds_live(
    cluster: KubeCluster, admin_api: Any, namespace: str
) -> None:
    core = client.CoreV1Api(admin_api)
    claims = Claims()
    handle = cluster.watch("persistentvolumeclaims", "app=email-rag", claims)
    pv_name = f"pv-{namespace}"[:63]
    try:
        claims.wait("the first list", lambda: claims.phases is not None and handle.lists == 1)
        core.create_namespaced_persistent_volume_claim(
            namespace,
            {
                "metadata": {"name": "upload-data", "labels": {"app": "email-rag"}},
                "spec": {
                    "accessModes": ["ReadWriteMany"],
                    "storageClassName": "",
                    "resources": {"requests": {"storage": "1Gi"}},
                },
            },
        )
        claims.wait("the Pending claim", lambda: "upload-data" in claims.rows)
        assert claims.rows["upload-data"].phase == "Pending"

        def blocked_with_event() -> VolumesReport | None:
            report = gather_volumes(cluster, shared_uploads())
            [finding] = report.findings
            return report if "FailedBinding" in finding.message else None

        report = poll("the FailedBinding event", blocked_with_event)
        [finding] = report.findings
        assert finding.check == "volumes.pending:upload-data" and finding.blocks
        assert "no persistent volumes available for this claim" in finding.message
        assert "PersistentVolume of at least 1Gi with access mode ReadWriteMany" in finding.fix
        [row] = report.rows
        assert (row.rule, row.services) == ("name", ("backend", "celery"))

        core.create_persistent_volume(
            {
                "metadata": {"name": pv_name},
                "spec": {
                    "capacity": {"storage": "2Gi"},
                    "accessModes": ["ReadWriteMany"],
                    "storageClassName": "",
                    "persistentVolumeReclaimPolicy": "Retain",
                    "nfs": {"server": "127.0.0.1", "path": "/exports/uploads"},
                    "claimRef": {"namespace": namespace, "name": "upload-data"},
                },
            }
        )
        bound = claims.wait(
            "Bound through the watch",
            lambda: (c := claims.rows.get("upload-data")) is not None and c.phase == "Bound" and c,
        )
        assert (bound.volume_name, bound.capacity, bound.requested) == (pv_name, "2Gi", "1Gi")
        assert handle.lists == 1  # Pending -> Bound arrived as watch events
        assert claims.phases.index("Bound") > claims.phases.index("Pending")

        [ok] = gather_volumes(cluster, shared_uploads()).findings
        assert ok.severity is Severity.OK  # RWX: sharing it between backend and celery is fine
        assert "upload-data Bound 2Gi RWX" in ok.message
    finally:
        handle.stop()
        try:
            core.delete_persistent_volume(pv_name)
        except client.exceptions.ApiException as exc:
            if exc.status != 404:
                raise


def test_read_write_once_claim_mounted_by_two_workloads_blocks(
    cluster: KubeCluster, admin_api: Any, namespace: str
) -> None:
    core = client.CoreV1Api(admin_api)
    apps = client.AppsV1Api(admin_api)
    core.create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": "upload-data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "",
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )
    for name in ("backend", "celery"):
        labels = {"app": "email-rag", "component": name}
        apps.create_namespaced_deployment(
            namespace,
            {
                "metadata": {"name": name, "labels": labels},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [
                                {
                                    "name": name,
                                    "image": "local/busybox:1",
                                    "volumeMounts": [{"name": "up", "mountPath": "/app/uploads"}],
                                }
                            ],
                            "volumes": [
                                {
                                    "name": "up",
                                    "persistentVolumeClaim": {"claimName": "upload-data"},
                                }
                            ],
                        },
                    },
                },
            },
        )
    report = poll(
        "both pods made",
        lambda: (
            (r := gather_volumes(cluster, shared_uploads(), selector="app=email-rag"))
            and len(r.rows[0].claims[0].pods) == 2
            and r
        ),
    )
    [view] = report.rows[0].claims
    assert view.workloads == ("backend", "celery")
    checks = {f.check: f for f in report.findings}
    shared = checks["volumes.rwo_shared:upload-data"]
    assert shared.blocks and shared.fix.startswith("Use a ReadWriteMany class (NFS)")
    assert checks["volumes.pending:upload-data"].blocks


# --- a StatefulSet's claims, made by the real StatefulSet controller ---------------------------

PG_DATA = "/var/lib/postgresql/data"


def db_project() -> ComposeProject:
    """Compose service `db` of project `shop` keeping volume `db-data` at PostgreSQL's path."""
    return ComposeProject(
        name="shop",
        services={"db": ComposeService("db", mounts=(Mount("volume", "db-data", PG_DATA),))},
        volumes={"db-data": NamedVolume("db-data", "shop_db-data")},
    )


def create_statefulset(admin_api: Any, namespace: str, name: str, replicas: int, cls: str) -> None:
    """StatefulSet `name` (OrderedReady, the default) whose template `data` (class `cls`, RWO,
    1Gi) is mounted at PG_DATA/ (with the slash a converter may write) by a busybox that runs."""
    labels = {"app": name}
    container = {
        **running("postgres"),
        "volumeMounts": [{"name": "data", "mountPath": f"{PG_DATA}/"}],
    }
    client.AppsV1Api(admin_api).create_namespaced_stateful_set(
        namespace,
        {
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "serviceName": name,
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": template(labels, [container]),
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "storageClassName": cls,
                            "resources": {"requests": {"storage": "1Gi"}},
                        },
                    }
                ],
            },
        },
    )


def test_statefulset_template_claims_replace_the_volume_ordinal_by_ordinal(
    cluster: KubeCluster, admin_api: Any, namespace: str, tmp_path: Path
) -> None:
    core = client.CoreV1Api(admin_api)
    cls = f"sts-{namespace}"[:63]  # no StorageClass of that name: only our PV can serve it
    pv_name = f"{namespace}-data-0"[:63]
    core.create_persistent_volume(
        {
            "metadata": {"name": pv_name},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": cls,
                "persistentVolumeReclaimPolicy": "Retain",
                "claimRef": {"namespace": namespace, "name": "data-shop-db-0"},
                "hostPath": {"path": str(tmp_path / "pv"), "type": "DirectoryOrCreate"},
            },
        }
    )
    try:
        # `shop-db`: the `<project>-<service>` name a converter gives; 3 replicas, one PV.
        create_statefulset(admin_api, namespace, "shop-db", 3, cls)

        def second_claim_made() -> VolumesReport | None:
            report = gather_volumes(cluster, db_project())
            views = {v.name: v for v in report.rows[0].claims}
            first = views["data-shop-db-0"].pvc
            second = views["data-shop-db-1"].pvc
            return report if first and first.phase == "Bound" and second is not None else None

        report = poll("data-shop-db-0 Bound and data-shop-db-1 made", second_claim_made, 90)
        [row] = report.rows
        assert row.rule == "mount path" and row.expected == ""
        assert [v.name for v in row.claims] == [
            "data-shop-db-0",
            "data-shop-db-1",
            "data-shop-db-2",
        ]
        first, second, third = row.claims
        assert first.pods == ("shop-db-0",) and first.workloads == ("shop-db",)
        assert (second.pvc is not None and second.pvc.phase) == "Pending"
        assert third.pvc is None and third.statefulset == "shop-db"
        checks = {f.check: f for f in report.findings}
        assert "volumes.missing:db-data" not in checks  # no "expected a claim named 'db-data'"
        assert not any(c.endswith(":data-shop-db-0") for c in checks)  # Bound, one pod: fine
        assert checks["volumes.pending:data-shop-db-1"].blocks
        missing = checks["volumes.missing:data-shop-db-2"]
        assert missing.severity is Severity.WARN and "does not exist yet" in missing.message
        assert "once pod shop-db-1 is Running and Ready; it is Pending" in missing.message

        # Scaled to 0 before it ever ran: the claim it will make is named, with the reason.
        client.AppsV1Api(admin_api).delete_namespaced_stateful_set("shop-db", namespace)
        for claim in ("data-shop-db-0", "data-shop-db-1"):
            core.delete_namespaced_persistent_volume_claim(claim, namespace)
        poll(
            "the claims gone",
            lambda: (
                not {"data-shop-db-0", "data-shop-db-1"} & {c.name for c in cluster.list_pvcs()}
            ),
        )
        create_statefulset(admin_api, namespace, "shop-db", 0, cls)
        [scaled] = poll(
            "the StatefulSet scaled to 0",
            lambda: (
                (r := gather_volumes(cluster, db_project())).rows[0].claims[0].statefulset
                and r.findings
            ),
        )
        assert scaled.check == "volumes.missing:data-shop-db-0"
        assert "scaled to 0 replicas" in scaled.message and "--replicas=1" in scaled.fix
    finally:
        core.delete_persistent_volume(pv_name)
