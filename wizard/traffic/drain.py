"""Whether Compose still receives traffic: the engine's network counters of the containers that
publish ports, read twice a moment apart, as rates.

Costs: no Kubernetes request at all, and per container one stats stream read for its first two
samples (the engine sends one a second), every container at once. What it can tell is bytes and packets received per second, not HTTP
requests: a container's own outgoing calls (to its database, say) count as well, so the
threshold is a rate a quiet front end stays under, set per project in cutover.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from wizard.errors import GatewayError
from wizard.gateways.protocols import ComposeHost
from wizard.model import NetCounters

QUIET_BYTES_PER_S = 1024  # cutover.yaml `drain: {quiet_below: 1024}` (bytes received per second)


@dataclass(frozen=True)
class DrainRate:
    container: str
    rx_bytes_per_s: float = 0.0
    rx_packets_per_s: float = 0.0
    error: str = ""  # why there is no rate (the container is gone, the engine refused)

    def busy(self, quiet_below: float = QUIET_BYTES_PER_S) -> bool:
        return not self.error and self.rx_bytes_per_s >= quiet_below

    @property
    def text(self) -> str:
        if self.error:
            return f"{self.container}: unknown ({self.error})"
        return (
            f"{self.container}: {bytes_text(self.rx_bytes_per_s)}/s in, "
            f"{self.rx_packets_per_s:.0f} packets/s"
        )


def rate(container: str, before: NetCounters, after: NetCounters) -> DrainRate:
    seconds = max(after.at - before.at, 1e-3)
    # A restarted container's counters start again from 0: no negative rates.
    received = max(after.rx_bytes - before.rx_bytes, 0)
    packets = max(after.rx_packets - before.rx_packets, 0)
    return DrainRate(container, received / seconds, packets / seconds)


def measure_drain(host: ComposeHost, containers: Sequence[str]) -> list[DrainRate]:
    """Each container's receive rate over the engine's next second, all at once: one stats
    stream per container, its first two samples."""
    if not containers:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(containers))) as pool:
        return list(pool.map(lambda name: _measure(host, name), containers))


def _measure(host: ComposeHost, name: str) -> DrainRate:
    try:
        samples = host.network_samples(name, 2)
    except GatewayError as exc:
        return DrainRate(name, error=str(exc))
    if len(samples) < 2:
        return DrainRate(name, error="the engine sent no second sample (the container stopped?)")
    return rate(name, samples[0], samples[-1])


def bytes_text(count: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if count < 1024 or unit == "MiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} MiB"
