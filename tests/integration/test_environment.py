"""Smoke tests of the test environment itself: the services are real (pods run on a real kubelet,
PostgreSQL is real on both sides), the fixtures work.

Raw clients only; the product's gateways have their own integration tests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.support.fixtures import KeyringScratch
from tests.support.pods import (
    crashing,
    is_ready,
    restarts,
    running,
    template,
    wait_for_pods,
    waiting_reason,
)
from tests.support.workloads import create_deployment


def poll(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
    return result


def test_apiserver_is_kubernetes_1_20(admin_api: Any) -> None:
    version = client.VersionApi(admin_api).get_code()
    assert version.git_version.startswith("v1.20."), version.git_version


def test_viewer_may_list_but_not_create_secrets(viewer_api: Any, namespace: str) -> None:
    core = client.CoreV1Api(viewer_api)
    assert core.list_namespaced_pod(namespace).items == []
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_secret(
            namespace, {"metadata": {"name": "s"}, "stringData": {"k": "v"}}
        )
    assert refused.value.status == 403


def test_the_node_is_a_real_kubelet_and_ready(admin_api: Any, kubelet_node: str) -> None:
    node = client.CoreV1Api(admin_api).read_node(kubelet_node)
    ready = {c.type: c.status for c in node.status.conditions}["Ready"]
    assert ready == "True" and node.status.node_info.kubelet_version == "v1.20.2"
    assert node.status.node_info.container_runtime_version.startswith("docker://")
    assert not node.spec.taints  # the not-ready taint it registered with is gone


def test_deployment_becomes_available_on_the_real_kubelet(
    admin_api: Any, namespace: str, kubelet_node: str
) -> None:
    create_deployment(admin_api, namespace, "web", replicas=2)
    pods = wait_for_pods(
        admin_api, namespace, "app=web", lambda ps: len(ps) == 2 and all(map(is_ready, ps))
    )
    apps = client.AppsV1Api(admin_api)
    poll(
        "2 available replicas",
        lambda: apps.read_namespaced_deployment("web", namespace).status.available_replicas == 2,
    )
    pod = pods[0]
    assert pod.spec.node_name == kubelet_node and pod.status.pod_ip
    assert pod.status.container_statuses[0].container_id.startswith("docker://")


def test_a_crashing_container_backs_off_and_keeps_its_last_words(
    admin_api: Any, namespace: str
) -> None:
    core = client.CoreV1Api(admin_api)
    core.create_namespaced_pod(
        namespace,
        {
            "metadata": {"name": "bad", "labels": {"app": "bad"}},
            "spec": template({}, [crashing("c", "fatal: no DATABASE_URL")])["spec"],
        },
    )
    [pod] = wait_for_pods(
        admin_api,
        namespace,
        "app=bad",
        lambda ps: waiting_reason(ps[0]) == "CrashLoopBackOff" and restarts(ps[0]) >= 1,
        "a real CrashLoopBackOff",
    )
    status = pod.status.container_statuses[0]
    assert status.last_state.terminated.exit_code == 1
    assert status.last_state.terminated.reason == "Error"
    assert "back-off" in status.state.waiting.message
    previous = core.read_namespaced_pod_log("bad", namespace, previous=True)
    assert "fatal: no DATABASE_URL" in previous


def test_exec_and_port_forward_reach_a_real_pod(admin_api: Any, namespace: str) -> None:
    """What the Data and Traffic steps stand on: exec with stdin, and port-forward, from Python
    through the API server to the kubelet."""
    from kubernetes.stream import portforward, stream

    core = client.CoreV1Api(admin_api)
    serve = "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www"
    core.create_namespaced_pod(
        namespace,
        {
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": template({}, [running("web", command=["sh", "-c", serve])])["spec"],
        },
    )
    wait_for_pods(admin_api, namespace, "app=web", lambda ps: is_ready(ps[0]))
    out = stream(
        core.connect_get_namespaced_pod_exec,
        "web",
        namespace,
        command=["sh", "-c", "head -c 5 | tr a-z A-Z"],
        stdin=True,
        stdout=True,
        stderr=True,
        tty=False,
        _preload_content=False,
    )
    out.write_stdin("hello")
    out.run_forever(timeout=10)
    assert out.read_stdout() == "HELLO"
    out.close()

    forward = portforward(
        core.connect_get_namespaced_pod_portforward, "web", namespace, ports="8080"
    )
    sock = forward.socket(8080)
    sock.settimeout(10)
    sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    answer = b""
    while chunk := sock.recv(4096):
        answer += chunk
    sock.close()
    forward.close()
    assert answer.startswith(b"HTTP/1.") and b" 200 " in answer.split(b"\r\n")[0]
    assert answer.endswith(b"hello\n")


def test_real_postgres_in_compose_and_in_kubernetes(
    admin_api: Any, namespace: str, compose_project: Any, postgres_image: str
) -> None:
    """The same Debian-built image initialises like the official one on both sides."""
    settings = {"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "pw-123", "POSTGRES_DB": "mail"}
    project = compose_project(
        {
            "services": {
                "db": {
                    "image": postgres_image,
                    "environment": settings,
                    "volumes": ["pgdata:/var/lib/postgresql/data"],
                    "healthcheck": {
                        "test": ["CMD", "pg_isready", "-U", "app", "-d", "mail"],
                        "interval": "1s",
                    },
                }
            },
            "volumes": {"pgdata": {}},
        },
        up=False,
    )
    project.compose("up", "-d", "--wait", "--wait-timeout", "60")
    sql = "select current_user || '@' || current_database()"
    via_password = ["sh", "-c", f'PGPASSWORD=pw-123 psql -h 127.0.0.1 -U app -d mail -Atc "{sql}"']
    assert project.compose("exec", "-T", "db", *via_password).stdout.strip() == "app@mail"

    env = [{"name": k, "value": v} for k, v in settings.items()]
    probe = {"exec": {"command": ["pg_isready", "-U", "app", "-d", "mail"]}, "periodSeconds": 1}
    container = running("db", image=postgres_image, env=env, readinessProbe=probe)
    del container["command"]  # the image's own entry point
    client.CoreV1Api(admin_api).create_namespaced_pod(
        namespace,
        {
            "metadata": {"name": "db", "labels": {"app": "db"}},
            "spec": template({}, [container])["spec"],
        },
    )
    wait_for_pods(admin_api, namespace, "app=db", lambda ps: is_ready(ps[0]), timeout=90)
    from kubernetes.stream import stream

    answer = stream(
        client.CoreV1Api(admin_api).connect_get_namespaced_pod_exec,
        "db",
        namespace,
        command=via_password,
        stdout=True,
        stderr=True,
        stdin=False,
        tty=False,
    )
    assert answer.strip() == "app@mail"


def test_pvc_binds_once_a_matching_pv_exists(admin_api: Any, namespace: str) -> None:
    core = client.CoreV1Api(admin_api)
    core.create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": "uploads"},
            "spec": {
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )

    def failed_binding() -> bool:
        events = core.list_namespaced_event(namespace, field_selector="involvedObject.name=uploads")
        return any(e.reason == "FailedBinding" for e in events.items)

    poll("the PV controller's FailedBinding event", failed_binding)
    assert (
        core.read_namespaced_persistent_volume_claim("uploads", namespace).status.phase == "Pending"
    )
    pv_name = f"{namespace}-uploads"
    core.create_persistent_volume(
        {
            "metadata": {"name": pv_name},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "persistentVolumeReclaimPolicy": "Retain",
                "nfs": {"server": "nfs.invalid", "path": "/exports/uploads"},
            },
        }
    )
    try:
        poll(
            "the PVC to bind",
            lambda: (
                core.read_namespaced_persistent_volume_claim("uploads", namespace).status.phase
                == "Bound"
            ),
        )
    finally:
        core.delete_persistent_volume(pv_name)


def test_compose_project_runs_on_the_private_daemon(
    compose_project: Any, docker_client: Any
) -> None:
    project = compose_project({"web": {"command": ["httpd", "-f", "-p", "8080"]}, "worker": {}})
    containers = docker_client.containers.list(
        filters={"label": f"com.docker.compose.project={project.name}"}
    )
    services = sorted(c.labels["com.docker.compose.service"] for c in containers)
    assert services == ["web", "worker"]
    assert all(c.status == "running" for c in containers)


def test_real_keyring_round_trip(real_keyring: KeyringScratch) -> None:
    import keyring

    service = real_keyring.service("roundtrip")
    keyring.set_password(service, "postgres-password", "s3cret")
    assert keyring.get_password(service, "postgres-password") == "s3cret"


def test_no_keyring_raises_no_keyring_error(no_keyring: None) -> None:
    import keyring
    from keyring.errors import NoKeyringError

    with pytest.raises(NoKeyringError):
        keyring.set_password("cutover-test", "user", "pw")


def test_a_vanished_keyring_daemon_fails_loudly(tmp_path: Any) -> None:
    """with-keyring.sh owns its daemon: when it is gone, the bus cannot activate a locked
    stranger in its place, the fixture's check says so, and the script's exit code does too."""
    import subprocess
    import sys

    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os, signal, time\n"
        "from tests.support.fixtures import _the_scripts_keyring_daemon\n"
        "_the_scripts_keyring_daemon()\n"
        "print('owned by the script')\n"
        "pid = int(os.environ['CUTOVER_KEYRING_DAEMON_PID'])\n"
        "os.kill(pid, signal.SIGTERM)\n"
        "deadline = time.monotonic() + 10\n"
        "while os.path.exists(f'/proc/{pid}') and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
        "try:\n"
        "    _the_scripts_keyring_daemon()\n"
        "except BaseException as exc:\n"
        "    print('refused:', exc)\n"
    )
    script = Path(__file__).parents[2] / "scripts" / "with-keyring.sh"
    env = {k: v for k, v in os.environ.items() if k != "CUTOVER_KEYRING_DAEMON_PID"}
    env["PYTHONPATH"] = str(Path(__file__).parents[2])
    run = subprocess.run(
        [str(script), sys.executable, str(probe)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert "owned by the script" in run.stdout, run.stderr
    assert "refused: the keyring is served by nobody" in run.stdout, run.stdout
    assert "was gone before the command ended" in run.stderr
    assert run.returncode == 3
