"""Pod health over documents a real kubelet v1.20.2 wrote (tests/unit/kubelet_v1_20/): every
reading and every fix here matches what an operator sees on a cluster, not what we imagined."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from wizard.health.report import service_findings
from wizard.health.rollup import ServiceHealth
from wizard.health.status import WorkloadHealth, event_row, pod_row

RECORDED = Path(__file__).parent / "kubelet_v1_20"


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


@pytest.mark.parametrize(
    ("pod", "status", "why"),
    [
        ("cfg", "CreateContainerConfigError", "couldn't find key absent in Secret cap/s"),
        ("crash", "CrashLoopBackOff", "back-off 20s restarting failed container"),
        ("oom", "CrashLoopBackOff", "back-off 20s restarting failed container"),
        (
            "pull",
            "ErrImagePull",
            'Error response from daemon: Get "https://registry-1.docker.io/v2/"',
        ),
        ("unready", "Running", ""),
        ("nfs", "ContainerCreating", ""),
    ],
)
def test_each_way_of_going_wrong_reads_as_kubectl_shows_it(pod: str, status: str, why: str) -> None:
    row = pod_row(recorded(f"pod-{pod}.json"))
    assert row.status == status
    assert why in row.why or (not why and not row.why)
    assert row.ready_text == "0/1" and not row.healthy


def test_the_last_run_says_what_the_status_hides() -> None:
    """Between restarts a real kubelet shows CrashLoopBackOff for both; only the last state tells
    an out-of-memory kill from an error exit."""
    oom, crash = pod_row(recorded("pod-oom.json")), pod_row(recorded("pod-crash.json"))
    assert (oom.last_reason, crash.last_reason) == ("OOMKilled", "Error")
    assert oom.restarts >= 1 and oom.last_restart is not None


def _finding(pod: str, events: list[Any]) -> Any:
    row = pod_row(recorded(f"pod-{pod}.json"))
    row = dataclasses.replace(row, workload="web")
    workload = WorkloadHealth("Deployment", "web", desired=1, ready=0, available=0, updated=1)
    service = ServiceHealth(service="web", workload=workload, pods=1, unhealthy=(row.status,))
    [finding] = service_findings([service], {row.name: row}, {"web": "web"}, "cap", events)
    return finding


def test_a_pod_stuck_creating_carries_its_newest_warning() -> None:
    events = [event_row(e) for e in recorded("events-nfs.json")]
    finding = _finding("nfs", events)
    assert finding.blocks and "ContainerCreating" in finding.message
    assert finding.message.endswith(
        'FailedMount: MountVolume.SetUp failed for volume "cap-nfs" : mount failed: exit status 32'
    )
    assert "NFS" in finding.fix and "kubectl -n cap describe pod nfs" in finding.fix
    # Without the events there is nothing better than describe.
    bare = _finding("nfs", [])
    assert "FailedMount" not in bare.message and "describe pod nfs" in bare.fix


def test_an_out_of_memory_crash_loop_gets_the_memory_fix() -> None:
    assert "memory limit" in _finding("oom", []).fix
    assert "logs crash --previous" in _finding("crash", []).fix
