"""`KubeCluster.watch` across a real kube-apiserver that is killed and started again.

The shared API server serves everyone else's tests, so the one killed here is a private second
kube-apiserver on the same etcd (tests/support/private_apiserver.py): it sees the objects the
test makes through the shared one. Every wait is a deadline on what the watch delivered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.support import testenv
from tests.support.pods import running, template
from tests.support.private_apiserver import (
    PrivateApiServer,
    admin_token,
    free_port,
    write_kubeconfig,
)
from tests.support.seen import Seen
from wizard.gateways.kube.cluster import connect_cluster
from wizard.health.status import PodRow
from wizard.health.watch import WatchState

SELECTOR = "app=reconnect"


def poll(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}", pytrace=False)
        time.sleep(0.1)
    return result


def make_pod(api: Any, namespace: str, name: str) -> None:
    """A pod the real kubelet runs (Running and ready within seconds)."""
    core: Any = client.CoreV1Api(api)  # takes plain dicts, whatever its stubs say
    core.create_namespaced_pod(
        namespace,
        {
            "metadata": {"name": name, "labels": {"app": "reconnect"}},
            "spec": template({}, [running("c")])["spec"],
        },
    )


def is_running(row: Any) -> bool:
    return isinstance(row, PodRow) and row.status == "Running" and row.ready == 1


@pytest.fixture
def private_apiserver(
    testenv_values: testenv.TestEnv, tmp_path: Path
) -> Iterator[PrivateApiServer]:
    """A second kube-apiserver of our own, killed whatever happens; its log's tail is printed
    when the test fails (pytest shows captured output of failed tests only)."""
    server = PrivateApiServer.from_testenv(testenv_values.state, tmp_path / "apiserver")
    try:
        yield server
    finally:
        server.stop()


def test_watch_resumes_after_the_api_server_is_killed_and_restarted(
    private_apiserver: PrivateApiServer,
    testenv_values: testenv.TestEnv,
    admin_api: Any,
    namespace: str,
    tmp_path: Path,
) -> None:
    server = private_apiserver
    try:
        server.start()
        took = server.wait_ready()
        print(f"private kube-apiserver on {server.url}, pid {server.pid}, ready in {took:.1f} s")
        kubeconfig = server.write_kubeconfig(
            tmp_path / "kubeconfig", admin_token(testenv_values.state)
        )
        make_pod(admin_api, namespace, "a")

        cluster = connect_cluster(str(kubeconfig), None, namespace, read_only=True)
        seen = Seen(server)
        handle = cluster.watch("pods", SELECTOR, seen)
        try:
            seen.wait("pod a, listed", lambda: "a" in seen.items)
            assert seen.last().status.state is WatchState.LIVE
            make_pod(admin_api, namespace, "b")  # made through the shared server
            seen.wait("pod b, watched", lambda: "b" in seen.items)
            assert handle.lists == 1
            rv_before = handle.resource_version

            # --- kill it: the watch keeps its data and says since when it is stale ---------
            killed = time.time()
            server.kill()
            seen.wait(
                "two refused reconnects",
                lambda: (
                    seen.last().status.state is WatchState.RECONNECTING
                    and seen.last().status.attempts >= 2
                ),
            )
            status = seen.last().status
            assert "connection refused" in status.error.lower(), status.error
            assert status.stale_since is not None
            assert killed - 1 <= status.stale_since <= time.time()
            assert seen.items.keys() == {"a", "b"}
            assert handle.snapshot().keys() == {"a", "b"}
            first_age = status.data_age()
            assert first_age is not None
            # Each further refusal keeps the moment the data went stale; its age only grows.
            attempts = status.attempts
            seen.wait("a third refusal", lambda: seen.last().status.attempts > attempts)
            later = seen.last().status
            assert later.stale_since == status.stale_since
            later_age = later.data_age()
            assert later_age is not None and later_age > first_age

            # --- meanwhile, through the shared server: a new pod, and both become Running --
            make_pod(admin_api, namespace, "c")
            core: Any = client.CoreV1Api(admin_api)

            def all_running_in_shared_server() -> bool:
                pods = core.list_namespaced_pod(namespace, label_selector=SELECTOR).items
                return len(pods) == 3 and all(p.status.phase == "Running" for p in pods)

            poll("a, b and c Running in the shared server", all_running_in_shared_server)
            assert seen.items.keys() == {"a", "b"}  # nothing reached the watch while it was down
            assert seen.last().status.state is WatchState.RECONNECTING

            # --- start it again, on the same port ------------------------------------------
            restarted = time.monotonic()
            server.start()
            took = server.wait_ready()
            back = time.monotonic()
            seen.wait(
                "the watch live again, with c and everyone Running",
                lambda: (
                    seen.last().status.state is WatchState.LIVE
                    and seen.items.keys() == {"a", "b", "c"}
                    and all(is_running(row) for row in seen.items.values())
                ),
                timeout=10.0,
            )
            now = time.monotonic()
            print(
                f"restarted: ready in {took:.1f} s; watch live and current "
                f"{now - restarted:.1f} s after the restart, {now - back:.2f} s after /readyz"
            )
            assert seen.last().status.data_age() is None
            assert handle.snapshot().keys() == {"a", "b", "c"}
            # It asked to resume from the last version it had. A real kube-apiserver's watch
            # cache starts from etcd's current revision, so after any write during the outage
            # (there was one: pod c) that version is older than the cache and the server answers
            # 410 Gone: the watch lists exactly once more, and watches on from that list.
            assert rv_before is not None and handle.resource_version != rv_before
            assert handle.lists == 2, f"listed {handle.lists} times"

            began = time.monotonic()
            handle.stop()
            assert time.monotonic() - began < 1.0  # the blocked read was cut, not waited out
            assert handle.status.state is WatchState.STOPPED
        finally:
            handle.stop()
            cluster.close()
    except BaseException:
        print(f"---- last lines of {server.log} ----\n{server.log_tail()}")
        raise


def test_a_server_that_is_down_from_the_start(
    testenv_values: testenv.TestEnv, tmp_path: Path
) -> None:
    """Nothing listens on the port at all: the watch says so, with no data posing as current."""
    port = free_port()  # bound and released: nothing listens there
    # Any CA file will do: the connection is refused before TLS begins.
    ca = testenv_values.state / "k8s" / "certs" / "apiserver.crt"
    kubeconfig = write_kubeconfig(
        tmp_path / "kubeconfig", f"https://127.0.0.1:{port}", ca, "no-token-needed"
    )
    cluster = connect_cluster(str(kubeconfig), None, "default", read_only=True)
    seen = Seen()
    handle = cluster.watch("pods", "", seen)
    try:
        seen.wait("a refused attempt", lambda: seen.updates)
        status = seen.last().status
        assert status.state is WatchState.RECONNECTING
        assert status.stale_since is None  # no data yet, so none posing as current
        assert "connection refused" in status.error.lower()
        assert "kubectl" in status.fix
        assert handle.snapshot() == {}
    finally:
        handle.stop()
        cluster.close()
