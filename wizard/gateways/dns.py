"""The `Resolver` gateway: where a host name points, as this machine sees it and as named DNS
servers answer it (dnspython; only this module imports it).

- the **system resolver** (getaddrinfo): what a program on this machine would connect to,
  /etc/hosts included; it gives no TTL, so the TTL beside it is the one the resolvers of
  /etc/resolv.conf give for the same name (None when they do not answer);
- a **server** the operator named (`--dns`, cutover.yaml `dns:`), asked directly for A and AAAA
  records (recursion desired): the answer and its TTL, as that server hands it to resolvers.

Only reads: UDP queries (TCP when truncated), nothing cached. Every failure is an answer with
its `error`, never an exception: one name that does not resolve is a finding, not a crash.
"""

from __future__ import annotations

import socket

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver

from wizard.model import NameAnswer

SYSTEM = "system resolver"
TIMEOUT_S = 2.0  # per server and record type; the step asks every name at once


def split_server(server: str) -> tuple[str, int]:
    """`10.0.0.2`, `10.0.0.2:5353`, `[fd00::1]:53`, `fd00::1` -> (address, port)."""
    if server.startswith("["):
        address, _, port = server[1:].partition("]")
        return address, int(port.lstrip(":") or 53)
    if server.count(":") == 1:
        address, port = server.split(":")
        return address, int(port)
    return server, 53


class DnsResolver:
    """The `Resolver` protocol over getaddrinfo and dnspython."""

    def ask_server(self, host: str, server: str, timeout_s: float = TIMEOUT_S) -> NameAnswer:
        address, port = split_server(server)
        addresses: list[str] = []
        ttls: list[int] = []
        for kind in (dns.rdatatype.A, dns.rdatatype.AAAA):
            query = dns.message.make_query(host, kind)
            try:
                reply, _ = dns.query.udp_with_fallback(query, address, timeout=timeout_s, port=port)
            except dns.exception.Timeout:
                return NameAnswer(
                    host, server, error=f"{server} did not answer within {timeout_s:g} s"
                )
            except OSError as exc:
                return NameAnswer(
                    host, server, error=f"could not ask {server}: {exc.strerror or exc}"
                )
            if reply.rcode() == dns.rcode.NXDOMAIN:
                return NameAnswer(host, server, error=f"{server} says there is no such name")
            for rrset in reply.answer:
                if rrset.rdtype == kind:
                    addresses += [r.to_text() for r in rrset]
                    ttls.append(rrset.ttl)
        if not addresses:
            return NameAnswer(host, server, error=f"{server} has no address record for it")
        return NameAnswer(host, server, tuple(dict.fromkeys(addresses)), min(ttls))

    def ask_system(self, host: str) -> NameAnswer:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except socket.gaierror as exc:
            return NameAnswer(host, SYSTEM, error=f"does not resolve here ({exc.strerror})")
        addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        return NameAnswer(host, SYSTEM, addresses, _system_ttl(host))


def _system_ttl(host: str) -> int | None:
    try:
        resolver = dns.resolver.Resolver()
        resolver.lifetime = TIMEOUT_S
        answer = resolver.resolve(host, "A")
    except (dns.exception.DNSException, OSError):
        return None
    return int(answer.rrset.ttl) if answer.rrset is not None else None
