"""5,000 pods in one namespace: from the pods list request to the first painted pods table of the
Health step, and the peak RSS of that process; against `kubectl get pods -o json` on the same
namespace. Targets: <= 1.0 s and <= 150 MB.

The 5,000 pods belong to BENCH_SERVICES Compose services (default 10, so 500 pods each); the
Health step shows one service's pods at a time (the first service's, on opening).

What is timed, in a fresh process per run (benchmarks/_host.py under a 160x48 pty):
  t0 = the pods list request (page 1 of 10, limit=500) going out on the urllib3 pool;
  t1 = the watch delivering all 5,000 reduced rows (the list's reset update);
  t2 = the Textual driver's first terminal write after the pods table rendered a line with rows.
Peak RSS = getrusage(RUSAGE_SELF).ru_maxrss of that process at its exit (the whole app: Textual,
the kubernetes client, the 4 watches of the Health step). kubectl: wall time and its peak RSS
(ru_maxrss of the waited-for children of a fresh wrapper process), output to /dev/null.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as s

PODS = int(os.environ.get("BENCH_PODS") or 5000)
SERVICES = int(os.environ.get("BENCH_SERVICES") or 10)
RUNS = int(os.environ.get("BENCH_RUNS") or 3)
KUBECTL = os.environ.get("KUBECTL") or "/usr/bin/kubectl"
TARGET_S, TARGET_MB = 1.0, 150.0

MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
elapsed = time.perf_counter() - t
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)
"""


def kubectl_run(ns: str) -> tuple[float, float]:
    cmd = [KUBECTL, "--kubeconfig", s.kubeconfig(), "get", "pods", "-o", "json", "-n", ns]
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, check=True
    ).stdout.split()
    if out[2] != "0":
        raise RuntimeError(f"kubectl failed: {out}")
    return float(out[0]), int(out[1]) / 1024


def ours(ns: str, services: list[str]) -> dict[str, float]:
    run = s.start_host(ns, services, "first")
    try:
        paint = run.expect("first_paint")
    finally:
        run.stop()
    done = run.expect("done", timeout=30)
    return {
        "list_to_rows": paint["rows_ready"] - paint["list_start"],
        "list_to_paint": paint["painted"] - paint["list_start"],
        "rows": paint["rows"],
        "rss_mb": done["rss_kb"] / 1024,
    }


def main() -> None:
    api = s.Api()
    services = s.service_names(SERVICES)
    per = {
        svc: PODS // SERVICES + (1 if i < PODS % SERVICES else 0) for i, svc in enumerate(services)
    }
    with s.namespace(api, "pods5000") as ns:
        s.make_pods(api, ns, per)
        version = subprocess.run([KUBECTL, "version", "--client"], capture_output=True, text=True)
        mine, theirs = [], []
        for n in range(RUNS):
            result = ours(ns, services)
            mine.append(result)
            kt, km = kubectl_run(ns)
            theirs.append((kt, km))
            print(
                f"run {n + 1}: cutover list->rows {result['list_to_rows']:.3f} s, "
                f"list->first painted table ({result['rows']} rows) "
                f"{result['list_to_paint']:.3f} s, peak RSS {result['rss_mb']:.0f} MB | "
                f"kubectl get pods -o json {kt:.3f} s, peak RSS {km:.0f} MB"
            )
    paint = statistics.median(r["list_to_paint"] for r in mine)
    rows = statistics.median(r["list_to_rows"] for r in mine)
    rss = max(r["rss_mb"] for r in mine)
    kt = statistics.median(t for t, _ in theirs)
    km = max(m for _, m in theirs)
    print()
    print(f"pods_5000 ({PODS} pods, {SERVICES} services, {RUNS} runs, {s.machine()})")
    print(f"  list -> rows ready (core):     median {rows:.3f} s")
    print(
        f"  list -> first painted table:   median {paint:.3f} s "
        f"(worst {max(r['list_to_paint'] for r in mine):.3f} s; target <= {TARGET_S} s: "
        f"{'met' if paint <= TARGET_S else 'MISSED'})"
    )
    print(
        f"  peak RSS:                      max {rss:.0f} MB (target <= {TARGET_MB:.0f} MB: "
        f"{'met' if rss <= TARGET_MB else 'MISSED'})"
    )
    print(
        f"  baseline kubectl get pods -o json ({version.stdout.splitlines()[0]}): "
        f"median {kt:.3f} s, peak RSS max {km:.0f} MB"
    )
    print(f"  ratio time cutover/kubectl: {paint / kt:.2f}  (kubectl/cutover: {kt / paint:.1f}x)")
    print(f"  ratio RSS  cutover/kubectl: {rss / km:.2f}")
    print(
        "JSON "
        + json.dumps(
            {
                "bench": "pods_5000",
                "paint_s": paint,
                "rows_s": rows,
                "rss_mb": rss,
                "kubectl_s": kt,
                "kubectl_mb": km,
            }
        )
    )


if __name__ == "__main__":
    main()
