"""Health of the workload kinds beyond Deployments and StatefulSets, in the same counters.

A DaemonSet counts the nodes it should run on; a ReplicationController its replicas (it has no
rollouts: every replica is current); a Job is ready once done (desired = completions, ready =
succeeded), failed when its Failed condition says so; a CronJob is ready unless suspended
(read with the target, not watched: its API version differs between servers; its runs are
Jobs, whose pods show under it); a bare Pod is one replica, ready when it is.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from wizard.health.status import PodRow, WorkloadHealth
from wizard.target.model import TargetWorkload


def _observed(meta: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    return int(status.get("observedGeneration") or 0) >= int(meta.get("generation") or 0)


def daemonset_health(obj: Mapping[str, Any]) -> WorkloadHealth:
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    return WorkloadHealth(
        kind="DaemonSet",
        name=str(meta.get("name") or ""),
        desired=int(status.get("desiredNumberScheduled") or 0),
        ready=int(status.get("numberReady") or 0),
        available=int(status.get("numberAvailable") or 0),
        updated=int(status.get("updatedNumberScheduled") or 0),
        current=int(status.get("currentNumberScheduled") or 0),
        observed=_observed(meta, status),
    )


def replication_controller_health(obj: Mapping[str, Any]) -> WorkloadHealth:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    desired = int(1 if spec.get("replicas") is None else spec["replicas"])
    return WorkloadHealth(
        kind="ReplicationController",
        name=str(meta.get("name") or ""),
        desired=desired,
        ready=int(status.get("readyReplicas") or 0),
        available=int(status.get("availableReplicas") or 0),
        updated=desired,
        current=int(status.get("replicas") or 0),
        observed=_observed(meta, status),
    )


def job_health(obj: Mapping[str, Any]) -> WorkloadHealth:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    completions = int(1 if spec.get("completions") is None else spec["completions"])
    succeeded = int(status.get("succeeded") or 0)
    failed = ""
    for c in status.get("conditions") or ():
        if c.get("type") == "Failed" and c.get("status") == "True":
            failed = str(c.get("message") or c.get("reason") or "the Job failed")
    return WorkloadHealth(
        kind="Job",
        name=str(meta.get("name") or ""),
        desired=max(completions, 1),
        ready=succeeded,
        available=succeeded,
        updated=max(completions, 1),
        current=int(status.get("active") or 0),
        stalled=failed,
    )


def cronjob_health(workload: TargetWorkload) -> WorkloadHealth:
    """From the target read (which finds the CronJob in batch/v1 or v1beta1): ready unless
    suspended; how its runs go shows in their pods."""
    on = 0 if workload.suspended else 1
    return WorkloadHealth(sys.intern("CronJob"), workload.name, on, on, on, on)


def pod_health(pod: PodRow | None, name: str) -> WorkloadHealth | None:
    """A bare Pod as a workload of one; None when it does not exist."""
    if pod is None:
        return None
    ready = 1 if pod.healthy else 0
    stalled = pod.status if pod.status in ("Failed", "Error", "Evicted") else ""
    return WorkloadHealth("Pod", name, 1, ready, ready, 1, 1, stalled=stalled)
