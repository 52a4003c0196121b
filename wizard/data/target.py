"""Where a volume's files go: a running pod that mounts the claim, its container and the path.

The container path is the one the application sees (a `subPath` mount included), which is where
the Compose volume's root was for the service. A StatefulSet's claim `<template>-<name>-<n>` is
mounted by pod `<name>-<n>` through its template. When no running pod mounts the claim, the copy
needs a short-lived helper pod instead (not made here: it is a change at the cluster, previewed
and confirmed on the step).
"""

from __future__ import annotations

from collections.abc import Iterable

from wizard.data.files import Target
from wizard.model import Pod
from wizard.target.model import TargetState, TargetWorkload


def claim_mount(workload: TargetWorkload, claim: str, pod: str) -> tuple[str, str] | None:
    """(container, path) where `pod` of `workload` mounts `claim`; None when it does not."""
    volumes = {
        v.name for v in workload.volumes if v.kind == "persistentVolumeClaim" and v.ref == claim
    }
    if workload.kind == "StatefulSet":
        ordinal = pod.removeprefix(f"{workload.name}-")
        volumes |= {
            t for t in workload.claim_templates if claim == f"{t}-{pod}" and ordinal.isdigit()
        }
    for container in workload.containers:
        for mount in container.mounts:
            if mount.volume in volumes and not mount.read_only:
                return container.name, mount.path
    return None


def find_target(state: TargetState, pods: Iterable[Pod], claim: str) -> Target | None:
    """A Running pod that mounts `claim` writable, with the container and path; None: a helper
    pod is needed."""
    for pod in sorted(pods, key=lambda p: p.name):
        if claim not in pod.claims or pod.phase != "Running":
            continue
        for workload in state.workloads:
            labels = workload.pod_labels
            if labels and all(pod.labels.get(k) == v for k, v in labels.items()):
                found = claim_mount(workload, claim, pod.name)
                if found is not None:
                    return Target(pod=pod.name, container=found[0], path=found[1])
    return None


def claim_owner(state: TargetState, claim: str) -> TargetWorkload | None:
    """The workload whose pods mount `claim` (any kind the matcher knows: Deployment,
    StatefulSet, DaemonSet, Job, CronJob, Pod...; a StatefulSet's through a claim template:
    `<template>-<name>-<ordinal>`)."""
    for workload in state.workloads:
        if any(v.kind == "persistentVolumeClaim" and v.ref == claim for v in workload.volumes):
            return workload
        for template in workload.claim_templates:
            ordinal = claim.removeprefix(f"{template}-{workload.name}-")
            if ordinal != claim and ordinal.isdigit():
                return workload
    return None
