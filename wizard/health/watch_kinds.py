"""The kinds the watch loop (wizard.health.watch) can keep current, and how one item of each
is reduced to its small row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from wizard.health.kinds import daemonset_health, job_health, replication_controller_health
from wizard.health.status import event_row, pod_row, workload_health
from wizard.storage.claims import pvc_from_json


@dataclass(frozen=True)
class WatchKind:
    """A kind the loop can watch: where it is served and how one item is reduced."""

    plural: str
    kind: str
    group_version: str
    reduce: Callable[[Mapping[str, Any]], object]

    def path(self, namespace: str) -> str:
        root = (
            f"/api/{self.group_version}"
            if "/" not in self.group_version
            else (f"/apis/{self.group_version}")
        )
        return f"{root}/namespaces/{namespace}/{self.plural}"


KINDS: dict[str, WatchKind] = {
    k.plural: k
    for k in (
        WatchKind("pods", "Pod", "v1", pod_row),
        WatchKind("persistentvolumeclaims", "PersistentVolumeClaim", "v1", pvc_from_json),
        WatchKind("events", "Event", "v1", event_row),
        WatchKind(
            "deployments", "Deployment", "apps/v1", partial(workload_health, kind="Deployment")
        ),
        WatchKind(
            "statefulsets", "StatefulSet", "apps/v1", partial(workload_health, kind="StatefulSet")
        ),
        # The other kinds a Compose service can become (wizard.target.model.WORKLOAD_KINDS).
        WatchKind("daemonsets", "DaemonSet", "apps/v1", daemonset_health),
        WatchKind(
            "replicationcontrollers", "ReplicationController", "v1", replication_controller_health
        ),
        WatchKind("jobs", "Job", "batch/v1", job_health),
    )
}
# The watch that keeps each workload kind's health (a bare Pod's is its pod's, in "pods"; a
# CronJob's is its spec, read with the target: batch/v1 or v1beta1 depending on the server).
WORKLOAD_WATCHES: dict[str, str] = {
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "ReplicationController": "replicationcontrollers",
    "Job": "jobs",
}
