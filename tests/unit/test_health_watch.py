"""The watch loop against scripted API answers: list, watch, bookmarks, 410, drops, refusals,
403 and stop. (The real API server is in tests/integration/test_health.py; a real second
kube-apiserver killed and restarted mid-watch is in tests/integration/test_watch_reconnect.py.)"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.seen import Seen
from wizard.errors import Forbidden, GatewayError, Unreachable
from wizard.health.status import PodRow
from wizard.health.watch import (
    Backoff,
    StaticWatch,
    Watcher,
    WatchState,
    WatchUpdate,
)
from wizard.model import Operation

END = object()  # ends a live stream as the server does at timeoutSeconds


def pod(name: str, rv: str, reason: str = "") -> dict[str, Any]:
    state = {"waiting": {"reason": reason}} if reason else {"running": {}}
    return {
        "metadata": {"name": name, "resourceVersion": rv},
        "spec": {"containers": [{"name": "c"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [{"name": "c", "ready": not reason, "state": state}],
        },
    }


def event(kind: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": kind, "object": obj}).encode() + b"\n"


def listing(rv: str, *items: dict[str, Any], token: str = "") -> bytes:
    meta: dict[str, Any] = {"resourceVersion": rv}
    if token:
        meta["continue"] = token
    return json.dumps({"kind": "PodList", "metadata": meta, "items": list(items)}).encode()


GONE = event(
    "ERROR",
    {"kind": "Status", "status": "Failure", "reason": "Expired", "code": 410, "message": "too old"},
)


class FakeStream:
    """A response: a fixed body, or chunks (bytes, exceptions to raise, END) fed from a queue."""

    def __init__(self, status: int = 200, body: bytes = b"", chunks: list[Any] | None = None):
        self.status = status
        self._body = body
        self.feed: queue.Queue[Any] = queue.Queue()
        for c in chunks or []:
            self.feed.put(c)
        self.closed = False

    def chunks(self) -> Iterator[bytes]:
        while True:
            item = self.feed.get()
            if item is END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def read_all(self) -> bytes:
        return self._body

    def interrupt(self) -> None:
        self.feed.put(END)  # a shut socket reads as the end of the stream

    def close(self) -> None:
        self.closed = True


class Server:
    """Answers each request with the next scripted item: a FakeStream, an exception to raise,
    or a callable(query) -> FakeStream. When the script runs out: a watch that never ends."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.requests: list[dict[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, path: str, query: list[tuple[str, str]], read_timeout: float) -> Any:
        assert path == "/api/v1/namespaces/ns/pods"
        q = dict(query)
        q["_read_timeout"] = str(read_timeout)
        with self.lock:
            self.requests.append(q)
            item = self.script.pop(0) if self.script else FakeStream()
        if isinstance(item, BaseException):
            raise item
        return item(q) if callable(item) and not isinstance(item, FakeStream) else item

    def watches(self) -> list[dict[str, str]]:
        return [q for q in self.requests if q.get("watch") == "true"]

    def lists(self) -> list[dict[str, str]]:
        return [q for q in self.requests if "watch" not in q]


def explain(status: int, body: bytes, op: Operation) -> GatewayError:
    if status == 403:
        return Forbidden(f"may not {op.verb} {op.resource}", fix="ask for a Role")
    return GatewayError(f"{status}")


def start(server: Server, seen: Seen, **kw: Any) -> Watcher:
    kw.setdefault("backoff", Backoff(0.01, 0.02))
    return Watcher("pods", "ns", server, explain, seen, selector="app=web", **kw).start()


@pytest.fixture
def stopper() -> Iterator[list[Watcher]]:
    made: list[Watcher] = []
    yield made
    for w in made:
        w.stop()


def test_list_then_watch_applies_events_in_batches(stopper: list[Watcher]) -> None:
    live = FakeStream(
        chunks=[
            # One chunk with three events (one object twice): one update, coalesced.
            event("ADDED", pod("b", "11"))
            + event("MODIFIED", pod("a", "12", "CrashLoopBackOff"))
            + event("MODIFIED", pod("b", "13", "ImagePullBackOff")),
            # A line split over two chunks.
            event("DELETED", pod("a", "14"))[:20],
            event("DELETED", pod("a", "14"))[20:],
            event("BOOKMARK", {"kind": "Pod", "metadata": {"resourceVersion": "20"}}),
        ]
    )
    server = Server(FakeStream(body=listing("10", pod("a", "9"))), live)
    seen = Seen(timeout=5.0)
    watcher = start(server, seen)
    stopper.append(watcher)
    first = seen.wait("the list", lambda: seen.updates and seen.updates[0])
    assert first.reset and first.status.state is WatchState.LIVE
    assert isinstance(first.items["a"], PodRow) and first.items["a"].status == "Running"
    seen.wait("a deleted", lambda: "a" not in seen.items)
    seen.wait("the bookmark", lambda: watcher.resource_version == "20")
    batch = seen.updates[1]
    assert set(batch.changed) == {"a", "b"}  # 3 events, 1 update
    assert batch.changed["b"].status == "ImagePullBackOff"
    assert batch.changed["a"].status == "CrashLoopBackOff"
    assert seen.items == {"b": batch.changed["b"]} == watcher.snapshot()
    [lst] = server.lists()
    assert lst["labelSelector"] == "app=web" and lst["limit"] == "500"
    [w] = server.watches()
    assert w["resourceVersion"] == "10" and w["allowWatchBookmarks"] == "true"
    assert w["labelSelector"] == "app=web"
    # The read timeout outlasts the server's own watch timeout.
    assert float(w["_read_timeout"]) > int(w["timeoutSeconds"]) >= 120


def test_paged_list() -> None:
    server = Server(
        FakeStream(body=listing("5", pod("a", "1"), token="next")),
        FakeStream(body=listing("7", pod("b", "2"))),
    )
    seen = Seen(timeout=5.0)
    watcher = start(server, seen)
    try:
        seen.wait("the list", lambda: seen.updates)
        assert set(seen.updates[0].items) == {"a", "b"}
        assert server.lists()[1]["continue"] == "next"
        seen.wait("the watch", lambda: server.watches())
        assert server.watches()[0]["resourceVersion"] == "7"
    finally:
        watcher.stop()


def test_a_watch_the_server_ends_resumes_from_the_last_version(stopper: list[Watcher]) -> None:
    server = Server(
        FakeStream(body=listing("10", pod("a", "9"))),
        FakeStream(chunks=[event("ADDED", pod("b", "11")), END]),
    )
    seen = Seen(timeout=5.0)
    stopper.append(start(server, seen))
    seen.wait("a second watch", lambda: len(server.watches()) == 2)
    assert server.watches()[1]["resourceVersion"] == "11"
    assert len(server.lists()) == 1  # no re-list
    assert all(u.status.state is WatchState.LIVE for u in seen.updates)


@pytest.mark.parametrize("how", ["event", "status"])
def test_410_gone_relists_once_and_resumes(how: str, stopper: list[Watcher]) -> None:
    gone = (
        FakeStream(chunks=[event("ADDED", pod("b", "11")), GONE])
        if how == "event"
        else FakeStream(status=410, body=b'{"kind":"Status","code":410}')
    )
    server = Server(
        FakeStream(body=listing("10", pod("a", "9"))),
        gone,
        FakeStream(body=listing("50", pod("c", "49"))),
    )
    seen = Seen(timeout=5.0)
    watcher = start(server, seen)
    stopper.append(watcher)
    seen.wait("the watch after the re-list", lambda: len(server.watches()) == 2)
    assert watcher.lists == 2 and len(server.lists()) == 2
    assert server.watches()[1]["resourceVersion"] == "50"
    resets = [u for u in seen.updates if u.reset]
    assert [set(u.items) for u in resets] == [{"a"}, {"c"}]
    assert seen.items.keys() == {"c"}
    assert all(u.status.state is WatchState.LIVE for u in seen.updates)


def test_dropped_stream_and_refused_connections_reconnect_with_backoff(
    stopper: list[Watcher],
) -> None:
    refused = Unreachable("connection refused", fix="is it up?")
    resumed = FakeStream(chunks=[event("ADDED", pod("c", "30"))])
    server = Server(
        FakeStream(body=listing("10", pod("a", "9"))),
        FakeStream(chunks=[event("ADDED", pod("b", "20")), Unreachable("reset by peer")]),
        refused,
        refused,
        resumed,
    )
    seen = Seen(timeout=5.0)
    before = time.time()
    stopper.append(start(server, seen))
    seen.wait("c after the reconnect", lambda: "c" in seen.items)
    states = [u.status.state for u in seen.updates]
    assert WatchState.RECONNECTING in states and states[-1] is WatchState.LIVE
    reconnecting = [u.status for u in seen.updates if u.status.state is WatchState.RECONNECTING]
    assert [s.attempts for s in reconnecting] == [1, 2, 3]
    assert reconnecting[0].error == "reset by peer"
    assert reconnecting[-1].error == "connection refused" and reconnecting[-1].fix == "is it up?"
    stale = reconnecting[0].stale_since
    assert stale is not None and before <= stale <= time.time()
    assert all(s.stale_since == stale for s in reconnecting)  # the data's age keeps growing
    assert reconnecting[0].data_age(stale + 7) == 7
    assert [w["resourceVersion"] for w in server.watches()] == ["10", "20", "20", "20"]
    assert len(server.lists()) == 1
    assert seen.items.keys() == {"a", "b", "c"}  # nothing lost, nothing listed again


def test_backoff_is_exponential_and_capped() -> None:
    backoff = Backoff()
    delays = [backoff.next() for _ in range(7)]
    for got, want in zip(delays, [0.5, 1, 2, 4, 5, 5, 5], strict=True):
        assert want * 0.9 <= got <= want
    backoff.reset()
    assert backoff.next() <= 0.5


def test_forbidden_fails_for_good() -> None:
    server = Server(FakeStream(status=403, body=b"{}"))
    seen = Seen(timeout=5.0)
    watcher = start(server, seen)
    seen.wait("failed", lambda: seen.updates and seen.state is WatchState.FAILED)
    watcher.stop()
    status = watcher.status
    assert status.state is WatchState.FAILED
    assert status.error == "may not list pods" and status.fix == "ask for a Role"
    assert len(server.requests) == 1


def test_stop_ends_a_blocked_watch_at_once() -> None:
    server = Server(FakeStream(body=listing("10")))
    seen = Seen(timeout=5.0)
    watcher = start(server, seen)
    seen.wait("the watch to open", lambda: server.watches())
    began = time.monotonic()
    watcher.stop()
    assert time.monotonic() - began < 1.0
    assert watcher.status.state is WatchState.STOPPED
    assert seen.updates[-1].status.state is WatchState.STOPPED


def test_a_failing_receiver_does_not_end_the_watch(stopper: list[Watcher]) -> None:
    calls: list[WatchUpdate] = []

    def broken(update: WatchUpdate) -> None:
        calls.append(update)
        raise RuntimeError("boom")

    server = Server(
        FakeStream(body=listing("10")), FakeStream(chunks=[event("ADDED", pod("b", "11"))])
    )
    watcher = Watcher("pods", "ns", server, explain, broken).start()
    stopper.append(watcher)
    deadline = time.monotonic() + 5
    while "b" not in watcher.snapshot():
        assert time.monotonic() < deadline, "b never arrived"
        time.sleep(0.01)
    assert len(calls) >= 2


def test_unknown_kind_and_static_watch() -> None:
    with pytest.raises(ValueError, match="cannot watch"):
        Watcher("secrets", "ns", Server(), explain, Seen(timeout=5.0))
    seen = Seen(timeout=5.0)
    handle = StaticWatch("pods", {"a": 1}, seen)
    assert seen.updates[0].reset and seen.items == {"a": 1} == handle.snapshot()
    handle.stop()
    assert handle.status.state is WatchState.STOPPED
