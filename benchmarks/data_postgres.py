"""The Data step's *postgres* method on 1,000,000 rows: cutover's dump, restore and verification
against the bare pipe an operator would type, `docker exec SRC pg_dump -Fc | kubectl exec -i POD
-- pg_restore` (no verification), measured in the same run into the same pod.

The source (BENCH_ROWS, default 1,000,000 rows: an id, a subject, a 128-character body and a
timestamp, with its primary key and sequence) is a PostgreSQL container on the test
environment's dockerd; the target a PostgreSQL pod on the real kubelet, emptied between runs. The
two are run BENCH_RUNS times (default 2), taking turns, so that a load that comes and goes (the
machine has 2 cores and is shared) weighs on both alike; the figures are medians.

Target (issue 13): cutover's dump + restore + verification <= 1.5x the baseline's time.
Needs the developer's environment: `make env-up`, then `make bench` (or run this file).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data_copy import KUBECTL, env, make_namespace, timed_pipe
from kubernetes import client, config

from wizard.data.files import Target
from wizard.data.postgres import move_database
from wizard.gateways.dockerhost import connect_compose_host
from wizard.gateways.kube.cluster import connect_cluster

ROWS = int(os.environ.get("BENCH_ROWS") or 1_000_000)
RUNS = int(os.environ.get("BENCH_RUNS") or 2)
USER = "bench"
# Not a secret: a throwaway database on the test environment, gone when the benchmark ends.
SETTINGS = {"POSTGRES_USER": USER, "POSTGRES_PASSWORD": "bench-only", "POSTGRES_DB": USER}
SEED = f"""
create table messages (id serial primary key, subject text, body text, received timestamptz);
insert into messages (subject, body, received)
  select 'subject ' || i, repeat(md5(i::text), 4), now() - i * interval '1 minute'
  from generate_series(1, {ROWS}) i;
"""
EMPTY = "drop schema public cascade; create schema public;"


def docker(docker_host: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["docker", "-H", docker_host, *args], check=True, capture_output=True)


def start_source(docker_host: str, image: str) -> str:
    name = f"bench-pg-{secrets.token_hex(3)}"
    settings = [f"-e{k}={v}" for k, v in SETTINGS.items()]
    docker(docker_host, "run", "-d", "--name", name, *settings, image)
    # Not pg_isready: it answers during the image's first-start script too (a server on the
    # socket only); a query through the database's own user means the real server is up.
    deadline = time.monotonic() + 120
    query = [
        "docker",
        "-H",
        docker_host,
        "exec",
        name,
        "psql",
        "-U",
        USER,
        "-d",
        USER,
        "-c",
        "select",
    ]
    while subprocess.run(query, capture_output=True).returncode:
        if time.monotonic() > deadline:
            sys.exit("the source PostgreSQL did not start")
        time.sleep(0.5)
    docker(docker_host, "exec", name, "psql", "-U", USER, "-d", USER, "-qc", SEED)
    return name


def start_target(api: client.ApiClient, ns: str, image: str) -> None:
    core = client.CoreV1Api(api)
    make_namespace(api, ns)
    deadline = time.monotonic() + 60
    probe = {"exec": {"command": ["pg_isready", "-U", USER, "-d", USER]}, "periodSeconds": 1}
    container = {
        "name": "postgres",
        "image": image,
        "env": [{"name": k, "value": v} for k, v in SETTINGS.items()],
        "readinessProbe": probe,
    }
    core.create_namespaced_pod(
        ns,
        {
            "metadata": {"name": "pg"},
            "spec": {"terminationGracePeriodSeconds": 1, "containers": [container]},
        },
    )
    while not any(
        c.ready for c in core.read_namespaced_pod("pg", ns).status.container_statuses or []
    ):
        if time.monotonic() > deadline + 120:
            sys.exit("the target pod did not become ready")
        time.sleep(0.5)


def in_target(kubeconfig: str, ns: str, script: str) -> None:
    subprocess.run(
        [KUBECTL, "--kubeconfig", kubeconfig, "-n", ns, "exec", "pg", "--", "sh", "-c", script],
        check=True,
        capture_output=True,
    )


def baseline(docker_host: str, source: str, kubeconfig: str, ns: str) -> float:
    return timed_pipe(
        f"docker -H {docker_host} exec {source} pg_dump -Fc -U {USER} -d {USER} | "
        f"{KUBECTL} --kubeconfig {kubeconfig} -n {ns} exec -i pg -- "
        f"pg_restore --no-owner -U {USER} -d {USER}"
    )


def main() -> None:
    docker_host = env("CUTOVER_TEST_DOCKER_HOST")
    kubeconfig = env("CUTOVER_TEST_ADMIN_KUBECONFIG")
    image = os.environ.get("CUTOVER_TEST_POSTGRES_IMAGE") or "local/postgres:15"
    ns = f"bench-pg-{secrets.token_hex(3)}"
    api = config.new_client_from_config(config_file=kubeconfig)
    source = ""
    try:
        print(f"seeding {ROWS:,} rows ...", flush=True)
        source = start_source(docker_host, image)
        start_target(api, ns, image)
        host = connect_compose_host(docker_host)
        cluster = connect_cluster(kubeconfig, None, ns, read_only=False)
        target = Target("pg", "postgres", "")
        empty = f"psql -U {USER} -d {USER} -qc '{EMPTY}'"
        bases, moves, parts = [], [], []
        for _ in range(RUNS):
            in_target(kubeconfig, ns, empty)
            bases.append(baseline(docker_host, source, kubeconfig, ns))
            in_target(kubeconfig, ns, empty)
            result = move_database(host, cluster, source, target)
            assert result.verified, result.differences
            assert result.source.rows == ROWS, result.source.rows
            moves.append(result.seconds_dump + result.seconds_restore + result.seconds_verify)
            parts.append(result)
        cluster.close()
        base, move = statistics.median(bases), statistics.median(moves)
        last = parts[-1]
        print(f"rows: {last.source.rows:,}; dump {last.dump_bytes / (1 << 20):.0f} MiB")
        print(
            f"baseline  pg_dump -Fc | kubectl exec -i pg_restore: {base:6.2f} s "
            f"(runs: {', '.join(f'{b:.2f}' for b in bases)})"
        )
        print(
            f"cutover   dump + restore {last.seconds_dump + last.seconds_restore:5.2f} s + "
            f"verify {last.seconds_verify:5.2f} s (last run); median {move:6.2f} s "
            f"(runs: {', '.join(f'{m:.2f}' for m in moves)}): {move / base:.2f}x the "
            "baseline's time (target <= 1.5)"
        )
    finally:
        if source:
            subprocess.run(
                ["docker", "-H", docker_host, "rm", "-f", "-v", source], capture_output=True
            )
        with contextlib.suppress(Exception):
            client.CoreV1Api(api).delete_namespace(ns)
        api.close()


if __name__ == "__main__":
    main()
