"""The Data step's *files* method on a mixed volume: copy, and copy plus verification, against the
bare pipe an operator would type, `docker exec SRC tar -c | kubectl exec -i POD -- tar -x`
(no verification), measured in the same run on the same volume into the same claim.

The volume (BENCH_MB, default 1024 MiB): BENCH_FILES small files (default 10,000, 4 KiB each, in
100 folders) and the rest in 4 large files of random bytes. It is written once by a busybox
container on the test environment's dockerd; the target is a hostPath claim mounted by a busybox
pod on the real kubelet (emptied between runs). The two are run BENCH_RUNS times (default 2),
taking turns, so that a load that comes and goes (the machine has 2 cores and is shared) weighs on
both alike; the figures are medians. Peak RSS: ru_maxrss of this process, which runs
cutover's copy in-process (the baseline's pipe runs in children and is not counted in it).

Targets (issue 13): copy >= 0.9x the baseline's throughput; copy plus verification <= 1.5x the
baseline's time; peak RSS <= 150 MB whatever the volume's size.
Needs the developer's environment: `make env-up`, then `make bench` (or run this file).
"""

from __future__ import annotations

import contextlib
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubernetes import client, config

from wizard.data.files import Target, copy_volume
from wizard.gateways.dockerhost import connect_compose_host
from wizard.gateways.kube.cluster import connect_cluster

MB = int(os.environ.get("BENCH_MB") or 1024)
FILES = int(os.environ.get("BENCH_FILES") or 10_000)
RUNS = int(os.environ.get("BENCH_RUNS") or 2)
KUBECTL = os.environ.get("KUBECTL") or "/usr/bin/kubectl"
BUSYBOX = "local/busybox:1"
SLEEP = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: `make env-up`, then source /tmp/cutover-testenv/env.sh")
    return value


def seed_volume(docker_host: str, volume: str) -> str:
    """A running busybox container with the volume at /src, filled; its name."""
    large_mb = max(MB - FILES * 4 // 1024, 4) // 4
    script = (
        "set -e; cd /src; i=0; while [ $i -lt 100 ]; do mkdir -p d$i; i=$((i+1)); done; "
        f"i=0; while [ $i -lt {FILES} ]; do head -c 4096 /dev/urandom > d$((i % 100))/f$i; "
        "i=$((i+1)); done; "
        f"for n in 1 2 3 4; do head -c {large_mb}m /dev/urandom > big$n; done; "
        "touch /tmp/done; exec sleep 3600"
    )
    name = f"bench-src-{secrets.token_hex(3)}"
    subprocess.run(
        [
            "docker",
            "-H",
            docker_host,
            "run",
            "-d",
            "--name",
            name,
            "-v",
            f"{volume}:/src",
            BUSYBOX,
            "sh",
            "-c",
            script,
        ],
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 600
    while subprocess.run(
        ["docker", "-H", docker_host, "exec", name, "test", "-f", "/tmp/done"], capture_output=True
    ).returncode:
        if time.monotonic() > deadline:
            sys.exit("seeding the volume took over 10 minutes")
        time.sleep(0.5)
    return name


def make_namespace(api: client.ApiClient, ns: str) -> None:
    """A namespace whose default service account has its token (pods can be made in it)."""
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": ns}})
    deadline = time.monotonic() + 60
    while not any(sa.secrets for sa in core.list_namespaced_service_account(ns).items):
        if time.monotonic() > deadline:
            sys.exit("no default service account token")
        time.sleep(0.2)


def make_target(api: client.ApiClient, ns: str, folder: str) -> None:
    core = client.CoreV1Api(api)
    make_namespace(api, ns)
    deadline = time.monotonic() + 60
    core.create_persistent_volume(
        {
            "metadata": {"name": ns},
            "spec": {
                "capacity": {"storage": "100Gi"},
                "accessModes": ["ReadWriteOnce"],
                "hostPath": {"path": folder},
                "claimRef": {"namespace": ns, "name": "data"},
            },
        }
    )
    core.create_namespaced_persistent_volume_claim(
        ns,
        {
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "",
                "resources": {"requests": {"storage": "100Gi"}},
            },
        },
    )
    core.create_namespaced_pod(
        ns,
        {
            "metadata": {"name": "target"},
            "spec": {
                "terminationGracePeriodSeconds": 1,
                "containers": [
                    {
                        "name": "target",
                        "image": BUSYBOX,
                        "command": SLEEP,
                        "volumeMounts": [{"name": "d", "mountPath": "/data"}],
                    }
                ],
                "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}],
            },
        },
    )
    while core.read_namespaced_pod("target", ns).status.phase != "Running":
        if time.monotonic() > deadline + 60:
            sys.exit("the target pod did not start")
        time.sleep(0.2)


def empty_target(kubeconfig: str, ns: str) -> None:
    subprocess.run(
        [
            KUBECTL,
            "--kubeconfig",
            kubeconfig,
            "-n",
            ns,
            "exec",
            "target",
            "--",
            "sh",
            "-c",
            "rm -rf /data/* /data/.[!.]*; sync",
        ],
        check=True,
        capture_output=True,
    )


def timed_pipe(pipe: str) -> float:
    """Seconds a shell pipe took (bash, pipefail: any part failing fails the benchmark)."""
    started = time.perf_counter()
    subprocess.run(["bash", "-o", "pipefail", "-c", pipe], check=True, capture_output=True)
    return time.perf_counter() - started


def baseline(docker_host: str, source: str, kubeconfig: str, ns: str) -> float:
    return timed_pipe(
        f"docker -H {docker_host} exec {source} tar -c -C /src . | "
        f"{KUBECTL} --kubeconfig {kubeconfig} -n {ns} exec -i target -- tar -x -C /data"
    )


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    docker_host = env("CUTOVER_TEST_DOCKER_HOST")
    kubeconfig = env("CUTOVER_TEST_ADMIN_KUBECONFIG")
    ns = f"bench-data-{secrets.token_hex(3)}"
    volume = f"bench-data-{secrets.token_hex(3)}"
    api = config.new_client_from_config(config_file=kubeconfig)
    folder = tempfile.mkdtemp(prefix="bench-data-")
    source = ""
    try:
        print(f"seeding {MB} MiB ({FILES} small files + 4 large) ...", flush=True)
        source = seed_volume(docker_host, volume)
        make_target(api, ns, folder)
        host = connect_compose_host(docker_host)
        cluster = connect_cluster(kubeconfig, None, ns, read_only=False)
        target = Target("target", "target", "/data")

        bases, copies, totals = [], [], []
        for _ in range(RUNS):
            empty_target(kubeconfig, ns)
            bases.append(baseline(docker_host, source, kubeconfig, ns))
            empty_target(kubeconfig, ns)
            # With a progress callback, as `cutover data copy` and the Data step run it.
            result = copy_volume(host, cluster, volume, BUSYBOX, target, lambda p: None)
            assert result.verified, result.differences[:5]
            # Everything before verification counts as the copy (a pass of its own, if any).
            copies.append(result.seconds_listing + result.seconds_copy)
            totals.append(copies[-1] + result.seconds_verify)
        base, copy, total = (statistics.median(v) for v in (bases, copies, totals))
        listing = result.source
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        mib = listing.stream_bytes / (1 << 20)
        print(
            f"volume: {listing.files} files, {listing.file_bytes / (1 << 20):.0f} MiB "
            f"(tar stream {mib:.0f} MiB); medians of {RUNS} runs taking turns"
        )
        print(
            f"baseline  docker exec tar -c | kubectl exec -i tar -x: {base:6.2f} s "
            f"({mib / base:5.1f} MiB/s; runs {_runs(bases)})"
        )
        print(
            f"cutover   copy (listing the source on the way) {copy:6.2f} s "
            f"({mib / copy:5.1f} MiB/s; runs {_runs(copies)}): "
            f"{base / copy:.2f}x the baseline's throughput (target >= 0.9)"
        )
        print(
            f"cutover   copy + verify {total:6.2f} s (runs {_runs(totals)}): "
            f"{total / base:.2f}x the baseline's time (target <= 1.5)"
        )
        print(f"peak RSS of this process: {peak:.0f} MB (target <= 150)")
        cluster.close()
    finally:
        if source:
            subprocess.run(["docker", "-H", docker_host, "rm", "-f", source], capture_output=True)
        subprocess.run(["docker", "-H", docker_host, "volume", "rm", volume], capture_output=True)
        core = client.CoreV1Api(api)
        for delete in (
            lambda: core.delete_namespace(ns),
            lambda: core.delete_collection_namespaced_pod(ns, grace_period_seconds=0),
            lambda: core.delete_persistent_volume(ns),
        ):
            with contextlib.suppress(Exception):
                delete()
        api.close()
        subprocess.run(["rm", "-rf", folder])


if __name__ == "__main__":
    main()
