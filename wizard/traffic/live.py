"""The live drain: while the Traffic step is on screen, each site-facing container's receive
rate, second by second, from one stats stream per container kept open (no Kubernetes request at
all). The streams run on threads of their own; the screen takes the latest rates when it paints.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from wizard.errors import GatewayError
from wizard.gateways.protocols import ComposeHost
from wizard.model import NetCounters
from wizard.traffic.drain import DrainRate, rate


class LiveDrain:
    """Follows `containers` until `stop()`; `latest()` is each one's newest rate (or why there
    is none). Threads are daemons: a stream the engine keeps open never holds the app up."""

    def __init__(self, host: ComposeHost, containers: Sequence[str]) -> None:
        self.host = host
        self.containers = tuple(containers)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._rates: dict[str, DrainRate] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for name in self.containers:
            thread = threading.Thread(
                target=self._follow, args=(name,), name=f"drain {name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """Each stream closes at its next sample (within about a second)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def streams_open(self) -> int:
        return sum(1 for t in self._threads if t.is_alive())

    def latest(self) -> list[DrainRate]:
        """In the order the containers were given; a container with no rate yet is left out."""
        with self._lock:
            return [self._rates[name] for name in self.containers if name in self._rates]

    def _follow(self, name: str) -> None:
        last: NetCounters | None = None

        def take(sample: NetCounters) -> bool:
            nonlocal last
            if last is not None:
                self._keep(rate(name, last, sample))
            last = sample
            return not self._stop.is_set()

        try:
            self.host.watch_network(name, take)
        except GatewayError as exc:
            self._keep(DrainRate(name, error=str(exc)))
            return
        if not self._stop.is_set():
            self._keep(DrainRate(name, error="its stats stream ended (the container stopped?)"))

    def _keep(self, measured: DrainRate) -> None:
        with self._lock:
            self._rates[measured.container] = measured
