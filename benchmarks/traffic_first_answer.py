"""The Traffic step's first answer on the bundled sample. Target: <= 2 s (issue 16).

By default on the demo's gateways (DNS, cluster and Docker host simulated: the step's own cost).
With BENCH_SANDBOX=DIR, a sandbox's work dir (`python -m tests.support.sandbox up --workdir DIR
...`; source its env.sh first), on real services: the Compose CLI, the API server, a port-forward
through the real kubelet, dnsmasq, and the engine's stats (whose collector ticks once a second:
the drain's two samples take about 1 s). Each run waits 2 s first, so the engine's collector of
the run before has stopped (a wizard re-checks seconds apart, not back to back).

Also counted: the Kubernetes requests the drain part makes (target 0) and the Docker stats
streams per container (target 1: its first two samples, then closed).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

from wizard.config import Flags, resolve_config
from wizard.gateways.factory import build_gateways
from wizard.traffic.drain import measure_drain
from wizard.traffic.report import gather_traffic

TARGET_S = 2.0
RUNS = 5


class Counting:
    """Wraps a ComposeHost and counts its stats reads."""

    def __init__(self, inner: object) -> None:
        self.inner, self.reads = inner, 0

    def network_samples(self, name: str, count: int = 2) -> object:
        self.reads += 1
        return self.inner.network_samples(name, count)  # type: ignore[attr-defined]


def main() -> None:
    sandbox = os.environ.get("BENCH_SANDBOX")
    if sandbox:
        state = json.loads((Path(sandbox) / "sandbox.json").read_text())
        flags = Flags(
            compose_files=[state["compose_file"]],
            project_name=state["project"],
            namespace=state["namespace"],
        )
        config = resolve_config(flags, cwd=Path(sandbox))
    else:
        config = resolve_config(Flags(demo=True))
    build_gateways(config).cluster()  # the client libraries imported before timing
    times = []
    for _ in range(RUNS):
        if sandbox:
            time.sleep(2)
        gateways = build_gateways(config)
        started = time.monotonic()
        findings = gather_traffic(config, gateways)
        times.append(time.monotonic() - started)
    median = statistics.median(times)
    where = f"sandbox {sandbox}" if sandbox else "demo"
    print(
        f"traffic first answer ({where}, {len(findings)} findings): median {median:.2f} s "
        f"over {RUNS} runs, worst {max(times):.2f} s; target {TARGET_S:.1f} s; "
        f"ratio {median / TARGET_S:.2f}"
    )
    host = build_gateways(config).compose_host()
    counting = Counting(host)
    containers = [c.name for c in host.project_containers(config.project_name) if c.published]
    measure_drain(counting, containers)  # type: ignore[arg-type]
    print(
        f"drain: {counting.reads} stats streams for {len(containers)} containers "
        f"({counting.reads / max(len(containers), 1):.0f} per container), 0 Kubernetes "
        "requests (it has no cluster gateway to call)"
    )


if __name__ == "__main__":
    main()
