"""Blocking library calls: a deadline for those that cannot time out, and the root of their errors.

Some calls cannot be given a timeout of their own: a keyring waiting on an unlock prompt that
nobody will ever answer, a D-Bus that accepts the connection and then says nothing, or the
`ssh` subprocess the Docker SDK reads from a pipe. Such a call runs in a daemon thread; when the
deadline passes the caller gets `Overdue` and goes on. The thread is abandoned (it cannot be
killed) and ends with the process at the latest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


class Overdue(Exception):
    """The call did not finish in time. Internal: gateways turn it into a GatewayError."""

    def __init__(self, what: str, seconds: float, thread: threading.Thread) -> None:
        super().__init__(f"{what} did not answer within {seconds:g} s")
        self.seconds = seconds
        self.thread = thread


def call_with_deadline(fn: Callable[[], T], seconds: float, what: str) -> T:
    """`fn()`, or `Overdue` after `seconds`. An exception of `fn` is re-raised here."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(fn())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"cutover: {what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise Overdue(what, seconds, thread)
    if failure:
        raise failure[0]
    return outcome[0]


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and all it wraps: causes, contexts, a `reason` (urllib3), exceptions among its args.

    Client libraries bury the telling error (ConnectionRefusedError, PermissionError) a few
    wrappers deep, sometimes only in `args`; this finds it wherever it is.
    """
    seen: set[int] = set()
    todo = [exc]
    while todo:
        cur = todo.pop(0)
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        nested = [cur.__cause__, cur.__context__, getattr(cur, "reason", None), *cur.args]
        todo.extend(e for e in nested if isinstance(e, BaseException))
