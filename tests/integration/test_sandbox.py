"""`make sandbox`'s engine (tests/support/sandbox.py) on the real services: the sample's Compose
project running and healthy on the private dockerd, its manifests applied with the hand-made PVs,
its pods on the real kubelet (postgres and redis real on both sides), and `cutover` itself reading
all of it; then nothing left behind.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.support import testenv
from tests.support.pods import is_ready
from tests.support.sample_k8s import TimedOut, poll
from tests.support.sandbox import LABEL, Sandbox, SandboxError, start_sandbox, volume_folder

# What `cutover plan` says about the planted sample (see test_plan_real.py).
PLANTED_BLOCKS = {
    ("celery", "env:PST_MAX_SIZE_MB"),
    # One problem, one finding: the ReadWriteOnce claim both services mount.
    ("backend+celery", "volumes:chroma_data"),
}


@pytest.fixture
def sandboxes(
    testenv_values: testenv.TestEnv, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Sandbox]]:
    """Factory: a sandbox in a namespace and Compose project of its own; stopped afterwards."""
    made: list[Sandbox] = []

    def make(fixed: bool = False) -> Sandbox:
        name = f"sbx-{'fixed' if fixed else 'planted'}-{secrets.token_hex(3)}"
        sandbox = start_sandbox(tmp_path / name, namespace=name, project=name, fixed=fixed)
        made.append(sandbox)
        return sandbox

    yield make
    for sandbox in made:
        with contextlib.suppress(SandboxError):
            sandbox.stop()  # again, for a test that failed before its own stop: harmless


def cutover(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cutover", *args, *sandbox.cutover_args()],
        cwd=sandbox.workdir,
        env=sandbox.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def pods_by_component(admin_api: Any, namespace: str) -> dict[str, list[str]]:
    """component -> each pod's status word, as `kubectl get pods` shows it; "Running" only once
    the pod is ready too (its readiness probe passed)."""
    found: dict[str, list[str]] = {}
    for pod in client.CoreV1Api(admin_api).list_namespaced_pod(namespace).items:
        word = pod.status.phase
        if word == "Running" and not is_ready(pod):
            word = "Running, not ready"
        for st in (pod.status.init_container_statuses or []) + (
            pod.status.container_statuses or []
        ):
            if st.state.waiting and st.state.waiting.reason not in ("PodInitializing",):
                word = st.state.waiting.reason
                break
        found.setdefault(pod.metadata.labels["component"], []).append(word)
    return found


def wait_for_pods_gone(admin_api: Any, namespace: str, selector: str, timeout: float) -> None:
    """Until no pod matches; on time out, fail with what each one is doing."""
    core = client.CoreV1Api(admin_api)
    try:
        poll(
            f"pods {selector} gone",
            lambda: not core.list_namespaced_pod(namespace, label_selector=selector).items,
            timeout=timeout,
        )
    except TimedOut:
        left = core.list_namespaced_pod(namespace, label_selector=selector).items
        pytest.fail(
            "still there: "
            + "; ".join(
                f"{p.metadata.name} {p.status.phase} deleting={bool(p.metadata.deletion_timestamp)}"
                for p in left
            ),
            pytrace=False,
        )


def assert_nothing_left(sandbox: Sandbox, admin_api: Any, docker_client: Any) -> None:
    core = client.CoreV1Api(admin_api)
    with pytest.raises(ApiException) as missing:
        core.read_namespace(sandbox.namespace)
    assert missing.value.status == 404
    assert not core.list_persistent_volume(label_selector=f"{LABEL}={sandbox.namespace}").items
    label = {"label": f"com.docker.compose.project={sandbox.project}"}
    assert docker_client.containers.list(all=True, filters=label) == []
    assert docker_client.volumes.list(filters=label) == []
    assert docker_client.networks.list(filters=label) == []
    # The kubelet stopped every container of the namespace's pods, and the PVs' folders are gone.
    pods = {"label": f"io.kubernetes.pod.namespace={sandbox.namespace}"}
    poll("the pods' containers to stop", lambda: not docker_client.containers.list(filters=pods))
    assert not list(volume_folder("").glob(f"{sandbox.namespace}-*"))


def test_planted_sandbox_runs_and_cutover_sees_the_planted_problems(
    sandboxes: Callable[..., Sandbox], admin_api: Any, docker_client: Any
) -> None:
    sandbox = sandboxes()

    # Compose: every service of the sample running; those with a healthcheck healthy.
    label = {"label": f"com.docker.compose.project={sandbox.project}"}
    containers = docker_client.containers.list(all=True, filters=label)
    assert sorted(c.labels["com.docker.compose.service"] for c in containers) == [
        "backend",
        "celery",
        "frontend",
        "postgres",
        "rabbitmq",
        "redis",
    ]
    for c in containers:
        assert c.status == "running", c.name
        health = c.attrs["State"].get("Health")
        if c.labels["com.docker.compose.service"] != "frontend":  # the only one without one
            assert health and health["Status"] == "healthy", (c.name, health)

    # Kubernetes, on the real kubelet: the Secret is missing (step 2 writes it), postgres' claim
    # stays Pending, and the frontend's planted `:latest` cannot be pulled (no registry here).
    def settled() -> dict[str, list[str]] | None:
        pods = pods_by_component(admin_api, sandbox.namespace)
        pulling = ("ErrImagePull", "ImagePullBackOff")
        pods["frontend"] = ["ImagePullBackOff" if w in pulling else w for w in pods["frontend"]]
        want = {
            "frontend": ["ImagePullBackOff"] * 2,
            "redis": ["Running"],
            "celery": ["CreateContainerConfigError"] * 2,
            "backend": ["CreateContainerConfigError"] * 2,
            "rabbitmq": ["CreateContainerConfigError"],
            "postgres": ["Pending"],
        }
        return pods if {k: sorted(v) for k, v in pods.items()} == want else None

    poll("the sandbox's pods to settle", settled, timeout=90)
    core = client.CoreV1Api(admin_api)
    claims = {
        c.metadata.name: (c.status.phase, c.spec.access_modes)
        for c in core.list_namespaced_persistent_volume_claim(sandbox.namespace).items
    }
    assert claims["data-postgres-0"][0] == "Pending"
    assert claims["chroma-data"] == ("Bound", ["ReadWriteOnce"])
    assert {claims[n][0] for n in ("upload-data", "data-redis-0", "data-rabbitmq-0")} == {"Bound"}

    result = cutover(sandbox, "status", "--json")
    assert result.returncode == 1, result.stderr  # blocked
    report = json.loads(result.stdout)
    steps = {s["id"]: s for s in report["steps"]}
    assert not report["ready"]
    checks = {f["check"] for s in report["steps"] for f in s["findings"]}
    assert "volumes.pending:data-postgres-0" in checks
    assert "volumes.rwo_shared:chroma-data" in checks
    blocks = {
        tuple(f["check"].split("/", 1))
        for f in steps["mapping"]["findings"]
        if f["severity"] == "block"
    }
    assert blocks == PLANTED_BLOCKS
    health = {f["check"]: f for f in steps["health"]["findings"]}
    assert health["health.redis"]["severity"] == "ok"
    assert health["health.frontend"]["severity"] == "block"
    assert "CreateContainerConfigError" in health["health.celery"]["message"]
    preflight = " ".join(f["message"] for f in steps["preflight"]["findings"])
    assert "6 of 6 containers running" in preflight

    sandbox.stop()
    assert_nothing_left(sandbox, admin_api, docker_client)


def test_fixed_sandbox_binds_postgres_and_plans_without_blocks(
    sandboxes: Callable[..., Sandbox], admin_api: Any, docker_client: Any
) -> None:
    sandbox = sandboxes(fixed=True)
    core = client.CoreV1Api(admin_api)

    def claim(name: str) -> Any:
        return core.read_namespaced_persistent_volume_claim(name, sandbox.namespace)

    poll("data-postgres-0 Bound", lambda: claim("data-postgres-0").status.phase == "Bound")
    chroma = claim("chroma-data")
    assert chroma.spec.access_modes == ["ReadWriteMany"]
    assert chroma.status.phase == "Bound"

    result = cutover(sandbox, "plan", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    blocks = [
        (s["service"], f["field"])
        for s in report["services"]
        for f in s["findings"]
        if f["severity"] == "block"
    ]
    assert blocks == []

    # The Data step's plan over the live sandbox: five volumes, none copied yet.
    data = cutover(sandbox, "data", "--json")
    assert data.returncode == 1, data.stderr
    planned = {v["volume"]: (v["method"], v["claim"]) for v in json.loads(data.stdout)["volumes"]}
    assert planned["postgres_data"] == ("postgres", "data-postgres-0")
    assert planned["upload_data"] == ("files", "upload-data") and len(planned) == 5

    # Step 2's Secret (values made up here), then postgres really starts on its claim.
    keys = ("postgres-password", "openai-api-key", "secret-key", "celery-broker-url")
    core.create_namespaced_secret(
        sandbox.namespace,
        {
            "metadata": {"name": "email-rag-secrets"},
            "stringData": {**dict.fromkeys(keys, "x"), "rabbitmq-password": "x"},
        },
    )

    def postgres_ready() -> bool:
        pod = core.read_namespaced_pod("postgres-0", sandbox.namespace)
        return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])

    poll("postgres-0 Running and Ready", postgres_ready, timeout=90)
    from kubernetes.stream import stream

    answer = stream(
        core.connect_get_namespaced_pod_exec,
        "postgres-0",
        sandbox.namespace,
        command=["sh", "-c", 'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc "select 42"'],
        stdout=True,
        stderr=True,
        stdin=False,
        tty=False,
    )
    assert answer.strip() == "42"
    pv = f"{sandbox.namespace}-nfs-data-postgres-0"
    assert (volume_folder(pv) / "pgdata" / "PG_VERSION").read_text().strip() == "15"

    # The data moves: a table in Compose's postgres and files in its uploads volume, copied by
    # `cutover data copy` into the pods, verified; then a writer restarts and the copy is stale.
    seeded = sandbox.compose(
        "exec",
        "-T",
        "postgres",
        "sh",
        "-c",
        'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -qc "create table mails as '
        'select i as id, md5(i::text) as body from generate_series(1, 5000) i"',
    )
    assert seeded.returncode == 0, seeded.stderr
    files = sandbox.compose(
        "exec",
        "-T",
        "backend",
        "sh",
        "-c",
        "mkdir -p /app/uploads/2026 && echo hello > /app/uploads/2026/a.eml "
        "&& ln -s 2026/a.eml /app/uploads/latest",
    )
    assert files.returncode == 0, files.stderr
    poll(
        "a backend pod Running",
        lambda: any(
            p.status.phase == "Running" and is_ready(p)
            for p in core.list_namespaced_pod(
                sandbox.namespace, label_selector="component=backend"
            ).items
        ),
        timeout=90,
    )
    copied = cutover(
        sandbox, "data", "copy", "postgres_data", "upload_data", "--yes", "--while-running"
    )
    assert copied.returncode == 0, copied.stdout + copied.stderr
    outcome = {o["volume"]: o for o in json.loads(copied.stdout)}
    assert outcome["postgres_data"]["result"] == "verified", outcome
    assert "5,000 rows" in outcome["postgres_data"]["message"]
    assert outcome["upload_data"]["result"] == "verified", outcome
    states = json.loads(cutover(sandbox, "data", "--json").stdout)["volumes"]
    by_volume = {v["volume"]: v["state"] for v in states}
    assert by_volume["postgres_data"] == by_volume["upload_data"] == "verified"
    audit = (sandbox.workdir / ".cutover" / "audit.jsonl").read_text()
    assert audit.count('"action": "copy-volume"') == 2
    password = sandbox.env_file.read_text().split("POSTGRES_PASSWORD=", 1)[1].split("\n", 1)[0]
    for text in (
        copied.stdout,
        copied.stderr,
        audit,
        (sandbox.workdir / ".cutover" / "state.json").read_text(),
    ):
        assert password not in text
    assert sandbox.compose("restart", "-t", "1", "backend").returncode == 0
    states = json.loads(cutover(sandbox, "data", "--json").stdout)["volumes"]
    assert {v["volume"]: v["state"] for v in states}["upload_data"] == "stale"

    # A claim no running pod mounts (backend and celery scaled to 0): a helper pod mounts it
    # for the copy, and is gone afterwards; both are in the audit.
    apps = client.AppsV1Api(admin_api)
    for name in ("email-rag-backend", "email-rag-celery"):
        apps.patch_namespaced_deployment_scale(name, sandbox.namespace, {"spec": {"replicas": 0}})
    # celery's manifest gives its pods 120 s to stop (Compose's stop_grace_period: 2m); the
    # stand-ins stop at once on SIGTERM, but a loaded machine may be slow to get there.
    wait_for_pods_gone(admin_api, sandbox.namespace, "component in (backend,celery)", 180)
    chroma = cutover(sandbox, "data", "copy", "chroma_data", "--yes", "--while-running")
    assert chroma.returncode == 0, chroma.stdout + chroma.stderr
    assert json.loads(chroma.stdout)[0]["result"] == "verified"
    assert not core.list_namespaced_pod(
        sandbox.namespace, label_selector="cutover.data/claim=chroma-data"
    ).items
    audit = (sandbox.workdir / ".cutover" / "audit.jsonl").read_text()
    assert '"object": "pod/cutover-copy-chroma-data"' in audit
    assert audit.count('"action": "create-pod"') == audit.count('"action": "delete-pod"') == 1

    # Redis that persists: copied with Redis stopped on both sides (Compose by the operator,
    # the StatefulSet scaled to 0 and back by cutover), replacing what the new Redis wrote.
    assert sandbox.compose("stop", "-t", "1", "redis").returncode == 0
    redis = cutover(sandbox, "data", "copy", "redis_data", "--yes", "--replace")
    assert redis.returncode == 0, redis.stdout + redis.stderr
    assert json.loads(redis.stdout)[0]["result"] == "verified"
    audit = (sandbox.workdir / ".cutover" / "audit.jsonl").read_text()
    assert '"object": "statefulset/redis:0"' in audit and '"object": "statefulset/redis:1"' in audit
    poll(
        "redis-0 back and ready",
        lambda: any(
            is_ready(p)
            for p in core.list_namespaced_pod(
                sandbox.namespace, label_selector="component=redis"
            ).items
        ),
        timeout=90,
    )

    sandbox.stop()
    assert_nothing_left(sandbox, admin_api, docker_client)
