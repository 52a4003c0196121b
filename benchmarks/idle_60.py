"""Idle for 60 s (IDLE_SECONDS) with the Health step open on a namespace with pods: the API
requests made and the bytes written to the terminal. Targets: no request beyond the open watches;
no byte when nothing changed.

The Health step (benchmarks/_host.py under a 160x48 pty; 50 Running pods of 5 services) opens
its 4 watches (deployments, statefulsets, pods, Warning events); after it has painted and SETTLE
seconds (default 5) have passed, the window starts. Requests are counted on KubeCluster's request
observer and, with the full URL, by a wrapper on its urllib3 pool; bytes are read from the pty's
master side. Two windows:
  1. real clock: pod ages move on screen (the screen refreshes them at most every 10 s, only when
     their text changed), so those are changes and may write bytes;
  2. frozen clock (HealthBody(clock=...) frozen, as the tests do): nothing changes at all.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as s

IDLE = float(os.environ.get("IDLE_SECONDS") or 60)
SETTLE = float(os.environ.get("SETTLE_SECONDS") or 5)
PODS = int(os.environ.get("BENCH_IDLE_PODS") or 50)
SERVICES = 5


def window(ns: str, services: list[str], frozen: bool) -> dict[str, Any]:
    env = {"BENCH_FREEZE_CLOCK": "1"} if frozen else {}
    run = s.start_host(ns, services, "idle", extra_env=env)
    requests: list[dict[str, Any]] = []
    observed: list[dict[str, Any]] = []
    try:
        run.expect("first_paint")
        time.sleep(SETTLE)
        start = time.time()
        time.sleep(IDLE)
        end = time.time()
        bytes_, writes = run.terminal_bytes(start, end)
    finally:
        run.stop()
    done = run.expect("done", timeout=30)
    while not run.messages.empty():
        run.log.append(run.messages.get())
    for m in run.log:
        if m["kind"] == "request":
            requests.append(m)
        elif m["kind"] == "observed":
            observed.append(m)
    before = [r for r in requests if r["t"] < start]
    inside = [r for r in requests if start <= r["t"] < end]
    return {
        "opening": len(before),
        "opening_watches": sum("watch=true" in r["url"] for r in before),
        "requests": len(inside),
        "observed": sum(start <= m["t"] < end for m in observed),
        "urls": [f"{r['method']} {r['url']}" for r in inside],
        "bytes": bytes_,
        "writes": writes,
        "write_times": [round(t - start, 1) for t, _ in run.writes if start <= t < end],
        "repaints": done["repaints"],
    }


def main() -> None:
    api = s.Api()
    services = s.service_names(SERVICES)
    with s.namespace(api, "idle60") as ns:
        s.make_pods(api, ns, {svc: PODS // SERVICES for svc in services})
        results = {frozen: window(ns, services, frozen) for frozen in (False, True)}
    print(f"idle_60 ({IDLE:.0f} s idle after {SETTLE:.0f} s settling, {PODS} pods, {s.machine()})")
    for frozen, r in results.items():
        label = "frozen clock" if frozen else "real clock  "
        print(
            f"  {label}: opening made {r['opening']} requests ({r['opening_watches']} watches); "
            f"in the window {r['requests']} requests (observer saw {r['observed']}) "
            f"[target 0: {'met' if r['requests'] == 0 else 'MISSED'}], "
            f"{r['bytes']} bytes to the terminal in {r['writes']} writes at {r['write_times']} s"
        )
        for url in r["urls"]:
            print(f"      {url}")
    frozen_bytes = results[True]["bytes"]
    print(
        f"  nothing changed (frozen clock): {frozen_bytes} bytes "
        f"[target 0: {'met' if frozen_bytes == 0 else 'MISSED'}]"
    )
    print(
        "JSON "
        + json.dumps(
            {
                "bench": "idle_60",
                "seconds": IDLE,
                "requests": results[False]["requests"],
                "bytes_real_clock": results[False]["bytes"],
                "bytes_frozen_clock": frozen_bytes,
            }
        )
    )


if __name__ == "__main__":
    main()
