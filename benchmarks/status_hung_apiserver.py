"""`cutover status` against a hung API server: how long until it answers "unknown".

A hung server is the worst case for a one-shot report: the kernel still accepts the connection
(the listening socket's backlog), so nothing is refused, and every request waits out its own
timeout. Issue 15 measured 19.6 s, every step waiting in turn; the target is <= 6 s.

Starts a private kube-apiserver of its own (tests/support/private_apiserver.py: the shared one
of the test environment is never stopped), runs `cutover status` on a one-service Compose
project against it while it answers (the baseline), then stops it with SIGSTOP (the process
keeps its sockets, answers nothing) and runs `cutover status` again, RUNS times each, medians.
The private server is killed by pid at the end, whatever happens.

    source /tmp/cutover-testenv/env.sh
    scripts/with-keyring.sh .venv/bin/python benchmarks/status_hung_apiserver.py [--check]

--check: exit 1 when the median with the server stopped is over the target.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.private_apiserver import PrivateApiServer, admin_token

TARGET = 6.0  # seconds, issue 15
RUNS = int(os.environ.get("BENCH_RUNS") or 3)


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: `make env-up`, then source /tmp/cutover-testenv/env.sh")
    return value


def status(work: Path, kubeconfig: Path) -> tuple[float, int, str]:
    """One `cutover status` run: seconds, exit code, first line of its output."""
    command = [sys.executable, "-m", "cutover", "status", "--kubeconfig", str(kubeconfig)]
    command += ["-H", env("CUTOVER_TEST_DOCKER_HOST"), "-n", "default"]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=120)
    took = time.perf_counter() - began
    first = (done.stdout.splitlines() or [done.stderr.strip()])[0]
    return took, done.returncode, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()
    state = Path(env("CUTOVER_TEST_STATE"))
    work = Path(tempfile.mkdtemp(prefix="cutover-bench-hung-"))
    (work / "compose.yaml").write_text("services:\n  web:\n    image: local/busybox:1\n")
    server = PrivateApiServer.from_testenv(state, work / "apiserver")
    try:
        server.start()
        server.wait_ready()
        kubeconfig = server.write_kubeconfig(work / "kubeconfig", admin_token(state))
        answering = [status(work, kubeconfig) for _ in range(RUNS)]
        assert server.pid is not None
        os.kill(server.pid, signal.SIGSTOP)
        hung = [status(work, kubeconfig) for _ in range(RUNS)]
    finally:
        server.stop()  # SIGKILL ends a stopped process too
    baseline = statistics.median(t for t, _, _ in answering)
    figure = statistics.median(t for t, _, _ in hung)
    print(f"answering server: {baseline:.2f} s median of {RUNS} (exit {answering[0][1]})")
    print(f"  {answering[0][2]}")
    runs = ", ".join(f"{t:.2f}" for t, _, _ in hung)
    print(
        f"stopped server (SIGSTOP): {figure:.2f} s median of {RUNS} (runs {runs}; exit {hung[0][1]})"
    )
    print(f"  {hung[0][2]}")
    print(f"ratio to the answering server: {figure / baseline:.2f}x; target <= {TARGET:.0f} s")
    missed = figure > TARGET or any(code != 2 for _, code, _ in hung)
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
