"""The real ComposeHost gateway against the private dockerd and real docker-compose v2 projects."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wizard.errors import Unreachable
from wizard.gateways.dockerhost import EngineComposeHost, connect_compose_host
from wizard.model import ComposeContainer


def poll(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
    return result


@pytest.fixture
def host(docker_host: str) -> EngineComposeHost:
    return connect_compose_host(docker_host)


def test_ping(host: EngineComposeHost, docker_host: str) -> None:
    info = host.ping()
    assert info.host == docker_host and info.version and info.api_version and info.os == "linux"


def test_project_found_by_labels_with_services_networks_volumes(
    host: EngineComposeHost, compose_project: Any
) -> None:
    project = compose_project(
        {
            "services": {
                "backend": {"deploy": {"replicas": 2}, "volumes": ["upload_data:/data"]},
                "postgres": {
                    "volumes": ["postgres_data:/var/lib/postgresql/data"],
                    "networks": ["default", "backplane"],
                    "healthcheck": {"test": ["CMD", "true"], "interval": "1s", "retries": 1},
                },
            },
            "volumes": {"postgres_data": {}, "upload_data": {}},
            "networks": {"backplane": {}},
        }
    )
    other = compose_project({"lonely": {}})
    assert {project.name, other.name} <= set(host.project_names())

    containers = host.project_containers(project.name)
    assert [(c.service, c.number) for c in containers] == [
        ("backend", 1),
        ("backend", 2),
        ("postgres", 1),
    ]
    assert all(c.state == "running" and not c.one_off and c.started_at for c in containers)
    assert containers[0].name.startswith(f"{project.name}-backend-")
    assert containers[0].health == ""  # no healthcheck

    def postgres_healthy() -> ComposeContainer | None:
        pg = next(c for c in host.project_containers(project.name) if c.service == "postgres")
        return pg if pg.health == "healthy" else None

    poll("postgres healthy", postgres_healthy)

    volumes = host.project_volumes(project.name)
    assert [(v.volume, v.name) for v in volumes] == [
        ("postgres_data", f"{project.name}_postgres_data"),
        ("upload_data", f"{project.name}_upload_data"),
    ]
    assert all(v.driver == "local" and v.mountpoint for v in volumes)
    networks = host.project_networks(project.name)
    assert [(n.name, n.external) for n in networks] == [
        (f"{project.name}_backplane", False),
        (f"{project.name}_default", False),
    ]
    assert [c.service for c in host.project_containers(other.name)] == ["lonely"]


@pytest.fixture
def external_network(docker_client: Any) -> Iterator[str]:
    """A network made outside Compose; set up before, so removed after, the project using it."""
    name = f"shared-{secrets.token_hex(3)}"
    network = docker_client.networks.create(name, driver="bridge")
    yield name
    network.remove()


def test_stopped_one_off_and_external_network(
    host: EngineComposeHost, external_network: str, compose_project: Any
) -> None:
    project = compose_project(
        {
            "services": {"worker": {"networks": ["outside"]}, "web": {}},
            "networks": {"outside": {"name": external_network, "external": True}},
        }
    )
    project.compose("stop", "-t", "1", "web")
    project.compose("run", "-d", "--no-deps", "web")
    web = [c for c in host.project_containers(project.name) if c.service == "web"]
    assert [(c.one_off, c.state) for c in web] == [(False, "exited"), (True, "running")]
    networks = host.project_networks(project.name)
    assert (external_network, True, "bridge") in [(n.name, n.external, n.driver) for n in networks]
    assert f"{project.name}_default" in [n.name for n in networks if not n.external]


def test_unknown_project_is_empty(host: EngineComposeHost) -> None:
    name = f"absent-{secrets.token_hex(3)}"
    assert host.project_containers(name) == []
    assert host.project_volumes(name) == []
    assert host.project_networks(name) == []


def test_unreachable_docker_host(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(Unreachable) as caught:
        connect_compose_host(f"unix://{tmp_path}/docker.sock").ping()
    assert time.monotonic() - started < 2.0
    assert "docker -H" in caught.value.fix


def test_volume_sizes_report_the_data_in_each_of_the_projects_volumes(
    host: EngineComposeHost, compose_project: Any
) -> None:
    # 3 MiB written into one volume; the other stays empty; another project's is not ours.
    writes = "dd if=/dev/zero of=/data/blob bs=1048576 count=3 && exec sleep 3600"
    project = compose_project(
        {
            "services": {
                "db": {"command": ["sh", "-c", writes], "volumes": ["db_data:/data"]},
                "idle": {"volumes": ["spare:/spare"]},
            },
            "volumes": {"db_data": {}, "spare": {}},
        }
    )
    other = compose_project(
        {"services": {"x": {"volumes": ["db_data:/d"]}}, "volumes": {"db_data": {}}}
    )

    sizes = poll(
        "the 3 MiB in db_data",
        lambda: (s := host.volume_sizes(project.name)).get("db_data", 0) >= 3 * 2**20 and s,
    )
    assert set(sizes) == {"db_data", "spare"}  # by Compose key, this project's only
    assert sizes["spare"] < 2**20
    assert set(host.volume_sizes(other.name)) == {"db_data"}
