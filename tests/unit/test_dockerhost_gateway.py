"""The real ComposeHost gateway, without a daemon: error translation, deadlines, parsing."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker.errors
import pytest
import requests
import requests.exceptions

from wizard.errors import Forbidden, GatewayError, NotFound, Unreachable
from wizard.gateways.dockerhost import (
    EngineComposeHost,
    connect_compose_host,
    container,
    error_for_docker,
    volume,
)


def test_missing_socket_is_unreachable_with_the_host_and_a_fix(tmp_path: Path) -> None:
    host = f"unix://{tmp_path}/docker.sock"
    with pytest.raises(Unreachable) as caught:
        connect_compose_host(host).ping()
    assert host in caught.value.message
    assert f"docker -H {host} info" in caught.value.fix and "dockerd" in caught.value.fix


def test_closed_tcp_port_is_unreachable_at_once() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(Unreachable, match="connection refused"):
        connect_compose_host(f"tcp://127.0.0.1:{port}").project_names()
    assert time.monotonic() - started < 2.0


@pytest.fixture
def silent_socket(tmp_path: Path) -> Iterator[str]:
    """A unix socket that accepts connections and never answers: a hung daemon."""
    path = tmp_path / "hung.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.listen(8)
    yield f"unix://{path}"
    sock.close()


def test_a_daemon_that_never_answers_times_out(silent_socket: str) -> None:
    started = time.monotonic()
    with pytest.raises(Unreachable) as caught:
        connect_compose_host(silent_socket, timeout=0.5).ping()
    assert time.monotonic() - started < 3.0
    assert silent_socket in caught.value.message


def test_a_call_that_blocks_beyond_the_sdk_timeout_hits_the_deadline() -> None:
    """The ssh:// transport reads a pipe the SDK cannot time out: our deadline must."""

    class Stuck:
        def version(self) -> dict[str, Any]:
            time.sleep(30)
            return {}

    gateway = EngineComposeHost("ssh://user@bastion", timeout=0.2)
    gateway._api = lambda: Stuck()  # type: ignore[method-assign]
    started = time.monotonic()
    with pytest.raises(Unreachable, match="did not answer within") as caught:
        gateway.ping()
    assert time.monotonic() - started < 2.0
    assert "ssh user@bastion docker info" in caught.value.fix


def test_not_a_docker_url() -> None:
    with pytest.raises(GatewayError, match="not a URL Docker understands"):
        connect_compose_host("docker.example.com")


def _connection_error(inner: BaseException) -> requests.exceptions.ConnectionError:
    """What requests raises: the OS error buried in urllib3's ProtocolError args."""
    import urllib3.exceptions

    return requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", inner)
    )


def test_permission_denied_on_the_socket_is_forbidden_with_the_docker_group_fix() -> None:
    raw = _connection_error(PermissionError(13, "Permission denied"))
    try:
        raise docker.errors.DockerException(
            f"Error while fetching server API version: {raw}"
        ) from raw
    except docker.errors.DockerException as exc:
        error = error_for_docker(exc, "unix:///var/run/docker.sock")
    assert isinstance(error, Forbidden)
    assert "unix:///var/run/docker.sock" in error.message
    assert "docker group" in error.fix and "sudo" in error.fix


def test_refused_and_timeouts_are_unreachable() -> None:
    host = "tcp://10.0.0.5:2375"
    refused = error_for_docker(
        _connection_error(ConnectionRefusedError(111, "Connection refused")), host
    )
    assert isinstance(refused, Unreachable) and "connection refused" in refused.message
    slow = error_for_docker(requests.exceptions.ReadTimeout("read timed out"), host)
    assert isinstance(slow, Unreachable) and "in time" in slow.message


def test_api_errors_by_status() -> None:
    def api_error(status: int) -> docker.errors.APIError:
        response = requests.Response()
        response.status_code = status
        return docker.errors.APIError("boom", response=response, explanation="nope")

    assert isinstance(error_for_docker(api_error(403), "unix:///s"), Forbidden)
    assert isinstance(error_for_docker(api_error(404), "unix:///s"), NotFound)
    other = error_for_docker(api_error(500), "unix:///s")
    assert type(other) is GatewayError and "500" in other.message


def test_container_from_inspect() -> None:
    info = {
        "Name": "/email-rag-backend-2",
        "Config": {
            "Image": "local/busybox:1",
            "Labels": {
                "com.docker.compose.project": "email-rag",
                "com.docker.compose.service": "backend",
                "com.docker.compose.container-number": "2",
                "com.docker.compose.oneoff": "False",
            },
        },
        "State": {
            "Status": "running",
            "StartedAt": "2024-01-01T00:00:00Z",
            "Health": {"Status": "healthy"},
        },
    }
    c = container(info)
    assert (c.name, c.service, c.state, c.health, c.number, c.one_off) == (
        "email-rag-backend-2",
        "backend",
        "running",
        "healthy",
        2,
        False,
    )
    info["Config"]["Labels"]["com.docker.compose.oneoff"] = "True"  # type: ignore[index]
    info["State"] = {"Status": "created", "StartedAt": "0001-01-01T00:00:00Z"}
    created = container(info)
    assert created.one_off and created.started_at == "" and created.health == ""


def test_volume_keeps_the_compose_key() -> None:
    v = volume(
        {
            "Name": "email-rag_postgres_data",
            "Driver": "local",
            "Mountpoint": "/var/lib/docker/volumes/email-rag_postgres_data/_data",
            "Labels": {"com.docker.compose.volume": "postgres_data"},
        }
    )
    assert (v.name, v.volume, v.driver) == ("email-rag_postgres_data", "postgres_data", "local")
