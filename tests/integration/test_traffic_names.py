"""The Resolver gateway: where the site's names point, asked of a real DNS server (dnsmasq on loopback) whose records the
test changes as an operator would: old address -> the Ingress's, TTL 3600 -> 300."""

from __future__ import annotations

import pytest

from tests.support.dns import dns_server
from wizard.gateways.dns import SYSTEM, DnsResolver
from wizard.traffic.names import resolve_names

pytestmark = pytest.mark.integration

COMPOSE_HOST, INGRESS = "192.0.2.10", "198.51.100.7"


def test_an_answer_and_its_ttl_follow_the_servers_records() -> None:
    with dns_server({"www.shop.test": (COMPOSE_HOST, 3600)}) as dns:
        before = DnsResolver().ask_server("www.shop.test", dns.address)
        assert (before.addresses, before.ttl, before.error) == ((COMPOSE_HOST,), 3600, "")
        dns.change({"www.shop.test": (INGRESS, 300)})
        after = DnsResolver().ask_server("www.shop.test", dns.address)
        assert (after.addresses, after.ttl) == ((INGRESS,), 300)


def test_a_name_the_server_does_not_have_says_so() -> None:
    with dns_server({"www.shop.test": (INGRESS, 300)}) as dns:
        answer = DnsResolver().ask_server("api.shop.test", dns.address)
    assert not answer.resolved
    assert dns.address in answer.error


def test_a_server_that_does_not_answer_is_named_and_does_not_hang() -> None:
    with dns_server({"www.shop.test": (INGRESS, 300)}) as dns:
        gone = dns.address
    answer = DnsResolver().ask_server("www.shop.test", gone, timeout_s=0.5)
    assert not answer.resolved and "did not answer" in answer.error and gone in answer.error


def test_every_host_through_the_system_and_each_server_at_once() -> None:
    with dns_server({"www.shop.test": (INGRESS, 300), "localhost": ("127.0.0.1", 60)}) as dns:
        found = resolve_names(DnsResolver(), ["www.shop.test", "localhost"], [dns.address])
    assert [a.via for a in found["www.shop.test"]] == [SYSTEM, dns.address]
    assert found["www.shop.test"][1].addresses == (INGRESS,)
    # localhost resolves on every machine (its hosts file): the system's answer.
    assert "127.0.0.1" in found["localhost"][0].addresses
