"""One watch loop for every kind the live screens show: list once, then watch from there.

    handle = cluster.watch("pods", "app=email-rag", on_change)
    ...
    handle.stop()

About 500 lines on purpose: one informer-like loop (list, watch, resume, 410, back-off,
failure) whose states only make sense together, and the per-kind row reducers it calls.

The loop (one daemon thread per watch) does what an informer does, over raw JSON:

1. list the kind (label/field selector, pages of 500), reduce every item to its small row
   (`KINDS[kind].reduce`), remember the list's resourceVersion, and emit the whole set
   (`WatchUpdate.reset`);
2. watch from that resourceVersion (`watch=true`, `allowWatchBookmarks=true`: v1.20 has them),
   reading the chunked response line by line; ADDED/MODIFIED/DELETED change the set, BOOKMARK
   only moves the resourceVersion;
3. when the server ends the watch (its `timeoutSeconds`) or the connection drops, watch again from
   the last resourceVersion seen: nothing is listed again and nothing is missed;
4. 410 Gone (an ERROR event or the HTTP status: the resourceVersion was compacted away) lists again
   once, as in 1., and resumes watching from the new list;
5. when the API server cannot be reached (restarted, refused, reset), the status turns
   `reconnecting`, with the moment the data stopped being current (`WatchStatus.stale_since`),
   and the loop retries with a capped exponential back-off (0.5 s, 1 s, 2 s, 4 s, 5 s, 5 s, ...)
   until it answers; then it resumes from the last resourceVersion (or lists, on 410);
6. 401/403/404 do not heal by retrying: the status turns `failed` with the gateway's message and
   fix, and the loop ends.

Batching: the callback is called once per chunk the server sent (a chunk carries one or more
events), with every change in it coalesced by key; it is also called on every status change.
It runs on the watch thread and must be quick (the UI hands it to its own loop and repaints at
most 10 times a second). Nothing is polled: an idle watch makes no request until the server
ends it after `WATCH_SERVER_TIMEOUT_S` and it is re-opened.

`stop()` may be called from any thread: it sets the stop event and shuts the open stream's
socket, so a blocked read returns at once; back-off waits are on the same event.

The HTTP side is a `StreamOpener` (the real one is `KubeCluster`'s, over its ApiClient): this
module imports no client library.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from wizard.errors import Forbidden, GatewayError, NotFound, Unauthorized
from wizard.health.watch_kinds import KINDS as KINDS  # re-exported: the demo cluster checks it
from wizard.model import Operation

# The server ends each watch after this long (plus up to 20 % jitter, so many watches do not
# re-open together); reads time out a little after it, which catches a silently dead connection.
WATCH_SERVER_TIMEOUT_S = 120
WATCH_READ_MARGIN_S = 30.0
LIST_READ_TIMEOUT_S = 30.0
PAGE_SIZE = 500
BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 5.0


class WatchState(StrEnum):
    CONNECTING = "connecting"  # the first list is under way: no data yet
    LIVE = "live"  # the watch is open: the data is current
    RECONNECTING = "reconnecting"  # the connection is lost: the data is as of `stale_since`
    FAILED = "failed"  # refused for good (401/403/404): `error` and `fix` say why
    STOPPED = "stopped"


@dataclass(frozen=True)
class WatchStatus:
    state: WatchState
    stale_since: float | None = None  # Unix time the data stopped being current (None: live)
    error: str = ""
    fix: str = ""
    attempts: int = 0  # failed reconnection attempts so far

    def data_age(self, now: float | None = None) -> float | None:
        """Seconds the data has been stale (None while it is live, or when there is none)."""
        if self.stale_since is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.stale_since)


@dataclass(frozen=True)
class WatchUpdate:
    """What changed. `reset`: `items` is the whole set (after a list). Otherwise `changed` maps
    keys (object names) to their new row, or None for a deleted object; `items` is empty then.
    An update with neither only carries a new `status`."""

    kind: str
    status: WatchStatus
    reset: bool = False
    items: Mapping[str, Any] = field(default_factory=dict)
    changed: Mapping[str, Any] = field(default_factory=dict)


OnChange = Callable[[WatchUpdate], None]


class WatchHandle(Protocol):
    """An open watch: its current rows and status; `stop()` ends it."""

    @property
    def kind(self) -> str: ...

    @property
    def status(self) -> WatchStatus: ...

    def snapshot(self) -> dict[str, Any]: ...

    def stop(self, timeout: float = 5.0) -> None: ...


class Stream(Protocol):
    """An HTTP response being read by the watch thread. `interrupt()` may be called from any
    thread: a blocked read then ends at once; `close()` only by the reader, when done."""

    @property
    def status(self) -> int: ...

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives; raises GatewayError when the connection breaks."""
        ...

    def read_all(self) -> bytes: ...

    def interrupt(self) -> None: ...

    def close(self) -> None: ...


# GET path?query with this read timeout; raises GatewayError when no answer came at all.
StreamOpener = Callable[[str, list[tuple[str, str]], float], Stream]
# A non-2xx answer -> the GatewayError that explains it.
Explain = Callable[[int, bytes, Operation], GatewayError]


class _Gone(Exception):
    """410: the resourceVersion is too old; list again."""


class _Ended(Exception):
    """The loop was asked to stop."""


class Backoff:
    """Capped exponential back-off with a little jitter: 0.5, 1, 2, 4, 5, 5, ... seconds."""

    def __init__(self, low: float = BACKOFF_MIN_S, high: float = BACKOFF_MAX_S) -> None:
        self.low, self.high = low, high
        self.attempts = 0

    def next(self) -> float:
        delay = min(self.high, self.low * float(2**self.attempts))
        self.attempts += 1
        return delay * random.uniform(0.9, 1.0)

    def reset(self) -> None:
        self.attempts = 0


class Watcher:
    """The loop of one watch (see the module doc). Start with `start()`; a `WatchHandle`."""

    def __init__(
        self,
        kind: str,
        namespace: str,
        opener: StreamOpener,
        explain: Explain,
        on_change: OnChange,
        selector: str = "",
        field_selector: str = "",
        server_timeout: int = WATCH_SERVER_TIMEOUT_S,
        backoff: Backoff | None = None,
        since: str | None = None,
    ) -> None:
        """`since`: watch from this resourceVersion without listing first (a version kept from
        an earlier watch); when it has expired, the 410 makes the loop list as usual."""
        if kind not in KINDS:
            raise ValueError(f"cannot watch {kind!r}; known: {', '.join(KINDS)}")
        self._spec = KINDS[kind]
        self._path = self._spec.path(namespace)
        self._open = opener
        self._explain = explain
        self._on_change = on_change
        self._selector = selector
        self._field_selector = field_selector
        self._server_timeout = server_timeout
        self._backoff = backoff or Backoff()
        self._items: dict[str, Any] = {}
        self._rv: str | None = since
        self._status = WatchStatus(WatchState.CONNECTING)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stream: Stream | None = None
        self._thread = threading.Thread(target=self._run, name=f"watch-{kind}", daemon=True)
        self.lists = 0  # how many times the kind was listed (1 + one per 410): for tests
        self.watches = 0  # how many watch requests were opened

    # --- WatchHandle ----------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return self._spec.plural

    @property
    def status(self) -> WatchStatus:
        return self._status

    @property
    def resource_version(self) -> str | None:
        return self._rv

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._items)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._close_stream()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # --- the loop -------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    if self._rv is None:
                        self._list()
                    self._watch()
                except _Gone:
                    self._rv = None  # list again at once: no back-off for an expired version
                except (Unauthorized, Forbidden, NotFound) as exc:
                    self._set_status(WatchState.FAILED, exc.message, exc.fix)
                    return
                except _Ended:
                    break
                except Exception as exc:  # the loop must outlive any hiccup of the server
                    if self._stop.is_set():
                        break
                    message = exc.message if isinstance(exc, GatewayError) else repr(exc)
                    fix = exc.fix if isinstance(exc, GatewayError) else ""
                    self._set_status(WatchState.RECONNECTING, message, fix)
                    self._stop.wait(self._backoff.next())
        finally:
            if self._status.state is not WatchState.FAILED:
                self._set_status(WatchState.STOPPED)

    def _query(self) -> list[tuple[str, str]]:
        query = []
        if self._selector:
            query.append(("labelSelector", self._selector))
        if self._field_selector:
            query.append(("fieldSelector", self._field_selector))
        return query

    def _list(self) -> None:
        items: dict[str, Any] = {}
        token = ""
        op = Operation("list", self._spec.plural)
        while True:
            query = [*self._query(), ("limit", str(PAGE_SIZE))]
            if token:
                query.append(("continue", token))
            body = self._fetch(query, op)
            for obj in body.get("items") or ():
                items[_key(obj)] = self._spec.reduce(obj)
            meta = body.get("metadata") or {}
            token = str(meta.get("continue") or "")
            if not token:
                rv = str(meta.get("resourceVersion") or "")
                break
        self.lists += 1
        self._backoff.reset()
        with self._lock:
            self._items = items
            self._rv = rv
            self._status = WatchStatus(WatchState.LIVE)
        self._emit(
            WatchUpdate(self.kind, self._status, reset=True, items=MappingProxyType(dict(items)))
        )

    def _fetch(self, query: list[tuple[str, str]], op: Operation) -> dict[str, Any]:
        stream = self._opened(query, LIST_READ_TIMEOUT_S)
        try:
            raw = stream.read_all()
        finally:
            self._forget(stream)
        if stream.status == 410:
            raise _Gone
        if not 200 <= stream.status < 300:
            raise self._explain(stream.status, raw, op)
        answer = json.loads(raw)
        if not isinstance(answer, dict):
            raise GatewayError(
                f"The API server answered list {self.kind} with something that is not a JSON "
                "object",
                fix="Check the kubeconfig's server with `kubectl get --raw /version`.",
            )
        return answer

    def _watch(self) -> None:
        timeout = int(self._server_timeout * random.uniform(1.0, 1.2))
        query = [
            *self._query(),
            ("watch", "true"),
            ("resourceVersion", self._rv or ""),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(timeout)),
        ]
        stream = self._opened(query, timeout + WATCH_READ_MARGIN_S)
        self.watches += 1
        try:
            if stream.status == 410:
                raise _Gone
            if not 200 <= stream.status < 300:
                raise self._explain(stream.status, stream.read_all(), Operation("watch", self.kind))
            self._backoff.reset()
            if self._status.state is not WatchState.LIVE:
                self._set_status(WatchState.LIVE)
            buffer = b""
            for chunk in stream.chunks():
                buffer += chunk
                if b"\n" not in buffer:
                    continue
                *lines, buffer = buffer.split(b"\n")
                self._apply(lines)
            if buffer.strip():
                self._apply([buffer])
        finally:
            self._forget(stream)
        if self._stop.is_set():
            raise _Ended
        # The server ended the watch (timeoutSeconds) or the connection closed cleanly: the
        # caller's loop watches again from the last resourceVersion.

    def _apply(self, lines: list[bytes]) -> None:
        changed: dict[str, Any] = {}
        for line in lines:
            if not line.strip():
                continue
            event = json.loads(line)
            kind = event.get("type")
            obj = event.get("object") or {}
            if kind == "ERROR":
                if obj.get("code") == 410:
                    self._flush(changed)
                    raise _Gone
                raise GatewayError(
                    f"The watch of {self.kind} ended with an error: "
                    f"{obj.get('message') or obj.get('reason') or obj}",
                    fix="It is retried on its own; if it persists, check the API server.",
                )
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if kind in ("ADDED", "MODIFIED"):
                changed[_key(obj)] = self._spec.reduce(obj)
            elif kind == "DELETED":
                changed[_key(obj)] = None
            if rv:
                self._rv = str(rv)
        self._flush(changed)

    def _flush(self, changed: dict[str, Any]) -> None:
        if not changed:
            return
        with self._lock:
            for key, row in changed.items():
                if row is None:
                    self._items.pop(key, None)
                else:
                    self._items[key] = row
        self._emit(WatchUpdate(self.kind, self._status, changed=MappingProxyType(changed)))

    # --- plumbing -------------------------------------------------------------------------------

    def _opened(self, query: list[tuple[str, str]], read_timeout: float) -> Stream:
        if self._stop.is_set():
            raise _Ended
        stream = self._open(self._path, query, read_timeout)
        with self._lock:
            self._stream = stream
        if self._stop.is_set():  # stop() ran while the request was on its way
            self._forget(stream)
            raise _Ended
        return stream

    def _forget(self, stream: Stream) -> None:
        with self._lock:
            if self._stream is stream:
                self._stream = None
        stream.close()

    def _close_stream(self) -> None:
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.interrupt()

    def _set_status(self, state: WatchState, error: str = "", fix: str = "") -> None:
        old = self._status
        if state is WatchState.LIVE:
            new = WatchStatus(state)
        else:
            stale = old.stale_since
            if stale is None and old.state is WatchState.LIVE:
                stale = time.time()
            attempts = old.attempts + 1 if state is WatchState.RECONNECTING else old.attempts
            new = WatchStatus(state, stale, error, fix, attempts)
        if new == old:
            return
        self._status = new
        self._emit(WatchUpdate(self.kind, new))

    def _emit(self, update: WatchUpdate) -> None:
        if self._stop.is_set() and update.status.state is not WatchState.STOPPED:
            return
        with contextlib.suppress(Exception):  # a broken receiver must not end the watch
            self._on_change(update)


def _key(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


class StaticWatch:
    """A `WatchHandle` over rows known up front: emits them once, live, and never changes.

    For gateways with nothing to stream (the demo) and for tests."""

    def __init__(self, kind: str, items: Mapping[str, Any], on_change: OnChange) -> None:
        self._kind = kind
        self._items = dict(items)
        self._status = WatchStatus(WatchState.LIVE)
        on_change(WatchUpdate(kind, self._status, reset=True, items=MappingProxyType(self._items)))

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def status(self) -> WatchStatus:
        return self._status

    def snapshot(self) -> dict[str, Any]:
        return dict(self._items)

    def stop(self, timeout: float = 5.0) -> None:
        self._status = WatchStatus(WatchState.STOPPED)
