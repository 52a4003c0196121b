"""The same HTTP request to both sides of one published port: Compose's (the published port,
through the Docker host's address) and Kubernetes' (a pod behind the Service, through a
port-forward by the API server), and what each answered.

The very same bytes go to both (`GET <path>`, `Host:` the site's name when the port has one,
`Connection: close`), so a difference in the answers is the deployments', not the requests'.
Only the status line matters for the verdict: bodies differ legitimately (timestamps, asset
hashes); the time each took is shown beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from wizard.errors import CutoverError

DEADLINE_S = 5.0


@dataclass(frozen=True)
class HttpAnswer:
    where: str  # "compose 10.0.0.5:8080" | "kubernetes pod web-7d9f (port 80)"
    status: int | None = None  # None: no HTTP answer (see error)
    reason: str = ""
    seconds: float = 0.0
    error: str = ""

    @property
    def answer(self) -> str:
        """What came back, without the time: the words a warning is acknowledged by."""
        if self.status is None:
            return f"no answer ({self.error})"
        return f"{self.status} {self.reason}".strip()

    @property
    def summary(self) -> str:
        """What came back and how long it took."""
        if self.status is None:
            return self.answer
        return f"{self.answer} in {self.seconds * 1000:.0f} ms"


def smoke_request(path: str, host: str) -> bytes:
    """The request sent to both sides."""
    path = path if path.startswith("/") else f"/{path}"
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "User-Agent: cutover-smoke"]
    lines += ["Accept: */*", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def parse_status(answer: bytes) -> tuple[int, str] | None:
    """`HTTP/1.1 502 Bad Gateway` -> (502, "Bad Gateway"); None when it is no HTTP answer."""
    line = answer.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    parts = line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2].strip() if len(parts) > 2 else ""


# Read at each call: a snapshot test stops it, so the times it shows are the same on every run.
CLOCK: Callable[[], float] = time.monotonic


def timed(where: str, send: Callable[[], bytes]) -> HttpAnswer:
    """Run `send` (it returns the raw answer), time it, and read its status line."""
    started = CLOCK()
    try:
        raw = send()
    except (OSError, CutoverError) as exc:
        said = str(exc) or type(exc).__name__
        return HttpAnswer(where, seconds=CLOCK() - started, error=said)
    seconds = CLOCK() - started
    status = parse_status(raw)
    if status is None:
        shown = "nothing" if not raw else f"{len(raw)} bytes that are not HTTP"
        return HttpAnswer(where, seconds=seconds, error=f"it sent {shown}")
    return HttpAnswer(where, status[0], status[1], seconds)


def same_answer(compose: HttpAnswer, kube: HttpAnswer) -> bool:
    return compose.status is not None and compose.status == kube.status
