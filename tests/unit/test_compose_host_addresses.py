"""The Compose host's own addresses (where a site's name points while Compose serves it): the
Docker host's name resolved once per gateway, not on every Traffic check; the demo's without a
lookup. No daemon: the addresses come from the host URL, never from the engine."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from wizard.config import Flags, resolve_config
from wizard.demo.dockerhost import DemoComposeHost
from wizard.demo.objects import COMPOSE_ADDRESS
from wizard.gateways.dockerhost import EngineComposeHost, addresses_of, engine_host_name
from wizard.gateways.factory import build_gateways
from wizard.traffic.report import _compose_addresses


class Resolver:
    """Answers from a table and counts the lookups; a name it lacks has no address."""

    def __init__(self, table: dict[str, tuple[str, ...]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def __call__(self, name: str) -> tuple[str, ...]:
        self.asked.append(name)
        if name not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[name]


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("tcp://docker.example.com:2376", "docker.example.com"),
        ("ssh://deploy@bastion.example.com", "bastion.example.com"),
        ("https://docker.example.com:2376", "docker.example.com"),
        ("unix:///var/run/docker.sock", socket.gethostname() or "localhost"),
        ("npipe:////./pipe/docker_engine", socket.gethostname() or "localhost"),
    ],
)
def test_the_name_is_the_remote_hosts_or_this_machines(host: str, name: str) -> None:
    assert engine_host_name(host) == name


def test_the_hosts_name_is_resolved_once_for_the_gateways_life() -> None:
    resolver = Resolver({"docker.example.com": ("192.0.2.10", "2001:db8::10")})
    host = EngineComposeHost("tcp://docker.example.com:2376", resolve=resolver)
    assert host.addresses() == ("192.0.2.10", "2001:db8::10")
    assert host.addresses() == ("192.0.2.10", "2001:db8::10")
    assert resolver.asked == ["docker.example.com"]


def test_a_name_that_does_not_resolve_is_asked_again_next_time() -> None:
    resolver = Resolver({})
    host = EngineComposeHost("ssh://deploy@bastion.example.com", resolve=resolver)
    assert host.addresses() == ()
    resolver.table["bastion.example.com"] = ("192.0.2.20",)  # the record appears meanwhile
    assert host.addresses() == ("192.0.2.20",)
    assert resolver.asked == ["bastion.example.com"] * 2


def test_the_system_resolver_gives_each_address_once() -> None:
    found = addresses_of("localhost")
    assert found and len(found) == len(set(found))
    assert set(found) <= {"127.0.0.1", "::1"}
    assert EngineComposeHost("tcp://localhost:2375").addresses() == found


def test_the_traffic_check_takes_cutover_yaml_first_else_the_gateways_answer() -> None:
    config = resolve_config(Flags(demo=True))
    assert DemoComposeHost(config).addresses() == (COMPOSE_ADDRESS,)
    given = dataclasses.replace(config, compose_addresses=("203.0.113.99",))
    assert _compose_addresses(given, build_gateways(given)) == ["203.0.113.99"]
    unset = dataclasses.replace(config, compose_addresses=())
    assert _compose_addresses(unset, build_gateways(unset)) == [COMPOSE_ADDRESS]
