"""A burst of 1,000 pod status changes: how long until the Health step's pods table reflects all
of them. Target: p95 event-to-paint <= 250 ms.

One Compose service with 1,000 Running/ready pods; the Health step (benchmarks/_host.py under a
160x48 pty) shows that service's 1,000 pods. Once it has painted them, the status of every pod is
patched (merge patch of the status subresource, 32 threads, as fast as the API server takes them)
to CrashLoopBackOff with one restart.

  event time = when that pod's PATCH returned (in this process);
  flush time = when the screen's flush (HealthBody.flush, the 0.1 s timer) wrote
               "CrashLoopBackOff" into that pod's row (update_cell), stamped at the flush's end;
  paint time = the first Textual driver write to the terminal after that flush.
Latency = paint time - event time (it can be negative: the watch event may beat the PATCH's
answer). Both clocks are time.time() on the same machine.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as s

PODS = int(os.environ.get("BENCH_BURST") or 1000)
TARGET_MS = 250.0


def main() -> None:
    api = s.Api()
    services = ["svc00"]
    with s.namespace(api, "burst1000") as ns:
        names = s.make_pods(api, ns, {"svc00": PODS})
        run = s.start_host(ns, services, "burst", extra_env={"BENCH_EXPECT": str(PODS)})
        try:
            first = run.expect("first_paint")
            if first["rows"] != PODS:
                time.sleep(1.0)
            time.sleep(1.0)  # settle: the table holds all pods, idle
            returned: dict[str, float] = {}

            def crash(item: tuple[int, str]) -> None:
                index, name = item
                path = f"/api/v1/namespaces/{ns}/pods/{name}/status"
                api.ok("PATCH", path, s.running_status(name, index, 1, crash=True), s.MERGE)
                returned[name] = time.time()

            start = time.time()
            with ThreadPoolExecutor(s.WORKERS) as pool:
                list(pool.map(crash, enumerate(names)))
            patched = time.time()
            burst = run.expect("burst", timeout=120)
        finally:
            run.stop()
    paint = burst["paint_at"]
    flush = burst["flush_at"]
    to_paint = [(paint[n] - returned[n]) * 1000 for n in names]
    to_flush = [(flush[n] - returned[n]) * 1000 for n in names]
    last = max(paint.values())
    p95 = s.percentile(to_paint, 95)
    print(f"burst_1000 ({PODS} pod status changes, {s.WORKERS} threads, {s.machine()})")
    print(
        f"  patches sent in {patched - start:.2f} s ({PODS / (patched - start):.0f}/s); "
        f"table reflects all of them {last - start:.2f} s after the first patch, "
        f"{(last - patched) * 1000:.0f} ms after the last patch returned"
    )
    print(
        f"  event -> paint:  p50 {s.percentile(to_paint, 50):.0f} ms, p95 {p95:.0f} ms, "
        f"max {max(to_paint):.0f} ms, min {min(to_paint):.0f} ms "
        f"(target p95 <= {TARGET_MS:.0f} ms: {'met' if p95 <= TARGET_MS else 'MISSED'}; "
        f"ratio p95/target {p95 / TARGET_MS:.2f})"
    )
    print(
        f"  event -> flush:  p50 {s.percentile(to_flush, 50):.0f} ms, "
        f"p95 {s.percentile(to_flush, 95):.0f} ms, max {max(to_flush):.0f} ms"
    )
    print(
        "JSON "
        + json.dumps(
            {
                "bench": "burst_1000",
                "p50_ms": s.percentile(to_paint, 50),
                "p95_ms": p95,
                "max_ms": max(to_paint),
                "all_s": last - start,
                "send_s": patched - start,
            }
        )
    )


if __name__ == "__main__":
    main()
