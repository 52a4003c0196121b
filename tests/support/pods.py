"""Containers that behave a known way on the real kubelet, and waits on what it reports.

The test environment runs a real kubelet (scripts/testenv.sh): every ordinary pod really runs on
its node, so a test gets a crash loop by running a container that exits, not by writing a status.
Each function returns one container spec for a pod template::

    create_deployment(admin_api, ns, "web", replicas=2, container=crashing("web"))
    pods = wait_for_pods(admin_api, ns, "app=web", lambda ps: all(restarts(p) for p in ps))

Real timings to know: the first restart of a container that exits comes at once, the next after
a 10 s back-off (then 20 s, 40 s ...): wait for "CrashLoopBackOff with a restart", not for a count.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from kubernetes import client

BUSYBOX = "local/busybox:1"
# Stops at once on SIGTERM (a bare `sleep` as PID 1 ignores it: every delete would wait 30 s).
SLEEP = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
# An image no registry serves here: the kubelet's pull fails (no registry is reachable).
MISSING_IMAGE = "local/never-built:1"

Container = dict[str, Any]


def running(name: str, image: str = BUSYBOX, **extra: Any) -> Container:
    """Runs until stopped; Ready as soon as it runs."""
    return {"name": name, "image": image, "command": SLEEP, **extra}


def crashing(name: str, message: str = "fatal: no config") -> Container:
    """Prints `message` on stderr and exits 1: Error, then CrashLoopBackOff with restarts."""
    return {
        "name": name,
        "image": BUSYBOX,
        "command": ["sh", "-c", f"echo {message!r} >&2; exit 1"],
    }


def missing_image(name: str) -> Container:
    """An image that is nowhere: ErrImagePull, then ImagePullBackOff."""
    return {"name": name, "image": MISSING_IMAGE}


def out_of_memory(name: str) -> Container:
    """Allocates 64 MiB under a 16 MiB limit: OOMKilled (exit 137), then CrashLoopBackOff."""
    return {
        "name": name,
        "image": BUSYBOX,
        "command": ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"],
        "resources": {"limits": {"memory": "16Mi"}},
    }


def never_ready(name: str) -> Container:
    """Runs, but its readiness probe always fails: Running 0/1."""
    probe = {"exec": {"command": ["false"]}, "periodSeconds": 1}
    return running(name, readinessProbe=probe)


def template(labels: dict[str, str], containers: Sequence[Container], **spec: Any) -> Any:
    """A pod template; a short grace period, since nothing here has state to flush."""
    pod_spec = {"containers": list(containers), "terminationGracePeriodSeconds": 2, **spec}
    return {"metadata": {"labels": labels}, "spec": pod_spec}


# ---------------------------------------------------------------------------------------------
# Waiting on what the kubelet reports
# ---------------------------------------------------------------------------------------------


def wait_for_pods(
    admin_api: Any,
    namespace: str,
    selector: str,
    check: Callable[[list[Any]], bool],
    what: str = "",
    timeout: float = 60.0,
) -> list[Any]:
    """Poll the pods of `selector` until `check(pods)` holds; fails with their statuses."""
    core = client.CoreV1Api(admin_api)
    deadline = time.monotonic() + timeout
    while True:
        pods = core.list_namespaced_pod(namespace, label_selector=selector).items
        if pods and check(pods):
            return list(pods)
        if time.monotonic() > deadline:
            seen = "\n".join(f"  {p.metadata.name}: {describe(p)}" for p in pods) or "  (none)"
            pytest.fail(
                f"timed out after {timeout:.0f} s waiting for {what or selector}:\n{seen}",
                pytrace=False,
            )
        time.sleep(0.2)


def waiting_reason(pod: Any) -> str:
    """The first container's waiting reason ('' when it is not waiting)."""
    statuses = pod.status.container_statuses or []
    waiting = statuses[0].state.waiting if statuses else None
    return (waiting.reason or "") if waiting else ""


def restarts(pod: Any) -> int:
    return sum(s.restart_count for s in pod.status.container_statuses or [])


def is_ready(pod: Any) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def describe(pod: Any) -> str:
    statuses = pod.status.container_statuses or []
    parts = [pod.status.phase or "?"]
    for s in statuses:
        state = s.state.waiting or s.state.terminated
        reason = getattr(state, "reason", None) or ("running" if s.state.running else "?")
        parts.append(f"{s.name}={reason} ready={s.ready} restarts={s.restart_count}")
    return " ".join(parts)


def warning_events(admin_api: Any, namespace: str, name: str) -> list[Any]:
    core = client.CoreV1Api(admin_api)
    selector = f"involvedObject.name={name},type=Warning"
    return list(core.list_namespaced_event(namespace, field_selector=selector).items)
