"""The exec's stdin on the real API server and kubelet, both ways it travels: SPDY (as kubectl;
stdin is half-closed at the end) and the websocket cutover falls back to (a 1.20 server cannot
close its stdin: a stream of unknown length goes framed, `dd` reads it in the pod). Each carries
a 64 MiB stream, read whole by `sha256sum` in a pod; a command that stops reading early ends the
exec at once, with its own exit code and words or saying they were lost on the way."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.support.pods import is_ready, running, template, wait_for_pods
from wizard.errors import Forbidden, NotFound
from wizard.gateways.kube.cluster import connect_cluster
from wizard.gateways.kube.exec import STREAM_END, over_websocket, run_in_pod
from wizard.model import ExecResult

Exec = Callable[..., ExecResult]
SIZE = 64 << 20


@pytest.fixture
def pod(admin_api: Any, namespace: str) -> str:
    """A busybox pod the kubelet runs; its name (container of the same name)."""
    client.CoreV1Api(admin_api).create_namespaced_pod(
        namespace,
        {
            "metadata": {"name": "sink", "labels": {"app": "sink"}},
            "spec": template({}, [running("sink")])["spec"],
        },
    )
    wait_for_pods(admin_api, namespace, "app=sink", lambda ps: is_ready(ps[0]))
    return "sink"


def _stream(size: int, digest: Any) -> Iterator[bytes]:
    """`size` random bytes in chunks of odd sizes (the engine's are never round), hashed."""
    block = os.urandom(1 << 20)
    left = size
    while left:
        chunk = block[: min(left, 999_983)]
        digest.update(chunk)
        left -= len(chunk)
        yield chunk


@pytest.mark.parametrize("way", ["spdy", "websocket"])
@pytest.mark.parametrize("known", [False, True], ids=["to-the-end", "length-known"])
def test_a_64_mib_stream_arrives_whole(
    way: str, known: bool, admin_api: Any, namespace: str, pod: str
) -> None:
    digest = hashlib.sha256()
    seen: list[int] = []
    length = SIZE if known else STREAM_END
    # With a known length the command reads exactly that much (over the websocket nothing else
    # would end it); to the end, it reads stdin as it comes.
    command = ["sh", "-c", f"head -c {SIZE} | sha256sum"] if known else ["sha256sum"]
    run: Exec = run_in_pod if way == "spdy" else over_websocket
    result = run(
        admin_api, namespace, pod, pod, command, _stream(SIZE, digest), length, seen.append
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout.split()[0].decode() == digest.hexdigest()
    assert result.sent == SIZE and seen[-1] == SIZE and seen == sorted(seen)


@pytest.mark.parametrize("run", [run_in_pod, over_websocket], ids=["spdy", "websocket"])
def test_a_command_that_stops_reading_ends_the_exec_with_its_words_or_says_they_were_lost(
    run: Exec, admin_api: Any, namespace: str, pod: str
) -> None:
    """The command ends with most of stdin unread: the kubelet drops the connection with bytes
    unread, and that reset can take the exit code with it on the way (seen both ways, one run
    in three or so). Either way the exec ends at once: with the command's exit code and words,
    or with a ConnectionError saying they were lost; never a hang or a made-up exit code."""
    command = ["sh", "-c", "head -c 10 > /dev/null; echo 'no room left' >&2; exit 4"]
    stream = _stream(SIZE, hashlib.sha256())
    try:
        result = run(admin_api, namespace, pod, pod, command, stream, STREAM_END, None)
    except ConnectionError as lost:
        assert "ended before its exit code came" in str(lost)
    else:
        assert (result.exit_code, result.stderr.strip()) == (4, b"no room left")
        assert result.sent < SIZE


def test_a_refused_exec_with_stdin_says_who_may_not_and_what(
    viewer_kubeconfig: str, admin_kubeconfig: str, namespace: str, pod: str
) -> None:
    """The SPDY upgrade's refusal carries the server's status, as every other request's does."""
    viewer = connect_cluster(viewer_kubeconfig, None, namespace, read_only=False)
    with pytest.raises(Forbidden) as refused:
        viewer.exec_in(pod, pod, ["cat"], stdin=iter([b"x"]), stdin_length=STREAM_END)
    assert "may not exec in pod sink" in refused.value.message
    admin = connect_cluster(admin_kubeconfig, None, namespace, read_only=False)
    with pytest.raises(NotFound):
        admin.exec_in("gone", "gone", ["cat"], stdin=iter([b"x"]), stdin_length=STREAM_END)
    viewer.close()
    admin.close()


def test_a_refused_exec_without_stdin_says_the_same(
    viewer_kubeconfig: str, admin_kubeconfig: str, namespace: str, pod: str
) -> None:
    """Without stdin the exec goes over the websocket, whose client wraps its handshake's
    refusal in an error of status 0 ("(0)" before): the server's status is read back from it."""
    viewer = connect_cluster(viewer_kubeconfig, None, namespace, read_only=False)
    admin = connect_cluster(admin_kubeconfig, None, namespace, read_only=False)
    try:
        with pytest.raises(Forbidden) as refused:
            viewer.exec_in(pod, pod, ["true"])
        assert "may not exec in pod sink" in refused.value.message
        assert f"auth can-i create pods/exec -n {namespace}`" in refused.value.fix  # RBAC's words
        with pytest.raises(NotFound) as missing:
            admin.exec_in("gone", "gone", ["true"])
        assert "pod gone" in missing.value.message
        assert admin.exec_in(pod, pod, ["echo", "hi"]).stdout == b"hi\n"
    finally:
        viewer.close()
        admin.close()
