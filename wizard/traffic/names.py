"""Every Ingress host through the system resolver and each DNS server the operator named, all at
once, through the `Resolver` gateway (wizard.gateways.dns; the demo's simulates it)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from wizard.gateways.protocols import Resolver
from wizard.model import NameAnswer

SYSTEM = "system resolver"  # NameAnswer.via of the system's answer


def resolve_names(
    resolver: Resolver, hosts: Sequence[str], servers: Sequence[str]
) -> dict[str, list[NameAnswer]]:
    """host -> its answers: the system's first, then the servers' in the order given."""
    asks: list[tuple[str, str | None]] = [(host, None) for host in hosts]
    asks += [(host, server) for host in hosts for server in servers]
    if not asks:
        return {}

    def ask(item: tuple[str, str | None]) -> NameAnswer:
        host, server = item
        return resolver.ask_system(host) if server is None else resolver.ask_server(host, server)

    with ThreadPoolExecutor(max_workers=min(16, len(asks))) as pool:
        answers = list(pool.map(ask, asks))
    by_host: dict[str, list[NameAnswer]] = {host: [] for host in hosts}
    for answer in answers:
        by_host[answer.host].append(answer)
    return by_host
