"""Launch-to-first-paint of `cutover demo`, and bytes written to the terminal while idle.

Runs the installed console script in a pseudo-terminal of 80x24 (TERM=xterm-256color), as an
operator's SSH session would, and reads what it writes:

- first paint: from the launch (just before the fork) to the moment the screen's text holds the
  checklist (the sidebar's title and the first step's title): the first frame a person can read.
  Also shown: the first byte of any kind (the driver switching the terminal to the alternate
  screen), which comes before any frame.
- ratio: first paint against `python -c "import textual.app"` (launch to exit), the floor any
  Textual app pays before it can draw.
- idle bytes: once the demo has settled (Preflight done, nothing written for a while), the
  bytes written during the next IDLE seconds. Target 0: nothing animates while nobody types.

    python benchmarks/first_paint.py [--runs N] [--idle SECONDS] [--check]

Targets (issue 7): first paint median <= 0.5 s; idle bytes 0. --check: exit 1 when one is missed.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

BIN = Path(sys.executable).parent
CUTOVER = BIN / "cutover"
COLUMNS, LINES = 80, 24
FIRST_PAINT_TARGET = 0.5  # seconds
PAINTED = (b"Checklist", b"Preflight")  # both in the screen's text: the first readable frame
SETTLED = b"Preflight passed"  # the demo's checks are done
# Escape sequences (CSI, OSC, and two-byte ones): removed before looking for text.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


class Run:
    """One `cutover demo` in a fresh pty."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL")}
        env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES))
        # A first-time user's launch: no saved progress to resume.
        env["CUTOVER_DEMO_STATE_DIR"] = tempfile.mkdtemp(prefix="cutover-bench-")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [str(CUTOVER), "demo"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,  # the pty becomes its controlling terminal
            close_fds=True,
        )
        os.close(slave)
        self.raw = bytearray()
        self.text = bytearray()  # what was written, escape sequences removed

    def read(self, timeout: float) -> int:
        """Read what is there within `timeout` s; the number of bytes read."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return 0
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the process is gone
            return 0
        self.raw += chunk
        self.text += chunk
        return len(chunk)

    def wait_for(self, *texts: bytes, timeout: float = 30.0) -> float:
        """Read until every text is on screen; seconds since launch."""
        deadline = time.perf_counter() + timeout
        while True:
            plain = _ESCAPES.sub(b"", bytes(self.text))
            if all(text in plain for text in texts):
                return time.perf_counter() - self.started
            if time.perf_counter() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"never saw {texts!r}; got {bytes(self.raw[-400:])!r}")
            self.read(0.05)

    def first_byte(self, timeout: float = 30.0) -> float:
        deadline = time.perf_counter() + timeout
        while not self.raw:
            if time.perf_counter() > deadline:
                raise RuntimeError("cutover wrote nothing")
            self.read(0.05)
        return time.perf_counter() - self.started

    def settle(self, quiet: float = 1.0, timeout: float = 30.0) -> None:
        """Read until nothing has been written for `quiet` seconds."""
        deadline = time.perf_counter() + timeout
        last = time.perf_counter()
        while time.perf_counter() - last < quiet:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"still writing after {timeout} s")
            if self.read(0.05):
                last = time.perf_counter()

    def count_bytes(self, seconds: float) -> int:
        end = time.perf_counter() + seconds
        total = 0
        while (left := end - time.perf_counter()) > 0:
            total += self.read(min(left, 0.5))
        return total

    def quit(self) -> None:
        os.write(self.master, b"q")
        try:
            deadline = time.perf_counter() + 10
            while self.process.poll() is None and time.perf_counter() < deadline:
                self.read(0.05)
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(5)
        finally:
            os.close(self.master)


def baseline(runs: int) -> list[float]:
    """Launch-to-exit of `python -c "import textual.app"`, same interpreter."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import textual.app"], check=True)
        times.append(time.perf_counter() - started)
    return times


def p90(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="launches to time (default 10)")
    parser.add_argument("--idle", type=float, default=10.0, help="idle seconds (default 10)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if not CUTOVER.exists():
        print(f"first_paint: {CUTOVER} is missing: pip install -e . (make venv)", file=sys.stderr)
        return 2

    firsts, paints = [], []
    for _ in range(args.runs):
        run = Run()
        try:
            firsts.append(run.first_byte())
            paints.append(run.wait_for(*PAINTED))
        finally:
            run.quit()
    floor = baseline(args.runs)

    run = Run()
    try:
        run.wait_for(SETTLED)
        run.settle()
        idle_bytes = run.count_bytes(args.idle)
    finally:
        run.quit()

    paint_median = statistics.median(paints)
    floor_median = statistics.median(floor)
    print(f"cutover demo at {COLUMNS}x{LINES}, {args.runs} launches")
    print(
        f"  first paint          median {paint_median:.3f} s  p90 {p90(paints):.3f} s"
        f"  (target <= {FIRST_PAINT_TARGET} s)"
    )
    print(
        f"  first byte           median {statistics.median(firsts):.3f} s  p90 {p90(firsts):.3f} s"
    )
    print(f"  import textual.app   median {floor_median:.3f} s  p90 {p90(floor):.3f} s")
    print(f"  ratio                {paint_median / floor_median:.2f}x the bare Textual import")
    print(f"  idle bytes           {idle_bytes} in {args.idle:g} s after settling (target 0)")
    met = paint_median <= FIRST_PAINT_TARGET and idle_bytes == 0
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
