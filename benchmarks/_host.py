"""The Health step's body (screens.health.HealthBody, unchanged) in a bare Textual app, on the real
API server, run by the benchmarks under a pseudo-terminal. Not a benchmark itself.

It reports JSON lines on the pipe BENCH_FD:
- `request`: every request the cluster gateway sends (KubeCluster's request observer, plus the
  full URL from a wrapper on its urllib3 pool, to tell a list from a watch);
- `first_paint`: when the pods list request went out, when the watch delivered the listed rows,
  when the pods table first rendered a line with rows, and when the terminal write carrying it
  went out (the first Textual driver write after that render);
- `burst` (BENCH_EXPECT rows): per pod, when the screen's flush put "CrashLoopBackOff" in its row
  (`update_cell` inside `HealthBody.flush`) and when the next terminal write went out;
- `done` at exit: peak RSS (getrusage ru_maxrss) and the body's repaint count.

Hooks are wrappers installed here on the classes (screens/ is not modified).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

FD = int(os.environ["BENCH_FD"])
_lock = threading.Lock()


def send(kind: str, **data: Any) -> None:
    line = (json.dumps({"kind": kind, **data}) + "\n").encode()
    with _lock:
        os.write(FD, line)


class State:
    list_start: float | None = None
    rows_ready: float | None = None
    table_rendered: float | None = None
    first_paint: float | None = None
    expect = int(os.environ.get("BENCH_EXPECT") or 0)
    flushed_now: list[str] = []
    flush_at: dict[str, float] = {}
    awaiting_paint: list[str] = []
    paint_at: dict[str, float] = {}
    burst_sent = False
    bytes_written = 0
    repaints = -1


def main() -> None:
    from textual.app import App, ComposeResult
    from textual.binding import Binding

    import assets
    from screens import live
    from screens.health import HealthBody
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways
    from wizard.gateways.kube.cluster import KubeCluster, connect_cluster
    from wizard.health.watch import WatchUpdate
    from wizard.steps import step_by_id

    ns = os.environ["BENCH_NS"]
    project = Path(os.environ["BENCH_PROJECT"])
    config = CutoverConfig(
        compose_files=(project,),
        project_dir=project.parent,
        project_name="bench",
        namespace=ns,
        kubeconfig=os.environ["BENCH_KUBECONFIG"],
        selector="app=bench",
        read_only=True,
    )

    def observer(method: str, path: str) -> None:
        send("observed", t=time.time(), method=method, path=path)

    def cluster() -> KubeCluster:
        gateway = connect_cluster(config.kubeconfig, None, ns, read_only=True, observer=observer)
        pool = gateway._api.rest_client.pool_manager
        send_request = pool.urlopen

        def urlopen(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            at = time.time()
            if State.list_start is None and "/pods?" in url and "watch=true" not in url:
                State.list_start = at
            send("request", t=at, method=method, url=url)
            return send_request(method, url, *args, **kwargs)

        pool.urlopen = urlopen
        return gateway

    def refused() -> Any:
        raise RuntimeError("not used by the Health step")

    gateways = Gateways(cluster, refused, refused)

    # --- hooks ------------------------------------------------------------------------------
    clock = time.time
    if os.environ.get("BENCH_FREEZE_CLOCK"):
        frozen = time.time() + 3 * 3600.0  # ages read "3h": they do not move in the window
        clock = lambda: frozen  # noqa: E731  # the clock ages are computed with (tests freeze it too)

    feed_call = live.LiveFeed.__call__

    def feed(self: live.LiveFeed, update: WatchUpdate) -> None:
        if update.kind == "pods" and update.reset and State.rows_ready is None:
            State.rows_ready = time.time()
        feed_call(self, update)

    live.LiveFeed.__call__ = feed  # type: ignore[method-assign]

    render_line = live.LiveTable.render_line

    def rendered(self: live.LiveTable, y: int) -> Any:
        strip = render_line(self, y)
        if self.id == "health-pods" and self.row_count and State.table_rendered is None:
            State.table_rendered = time.time()
        return strip

    live.LiveTable.render_line = rendered  # type: ignore[method-assign]

    update_cell = live.LiveTable.update_cell

    def cell(self: live.LiveTable, row_key: Any, column_key: Any, value: Any, **kw: Any) -> None:
        update_cell(self, row_key, column_key, value, **kw)
        if self.id == "health-pods" and "CrashLoopBackOff" in str(value):
            State.flushed_now.append(str(getattr(row_key, "value", row_key)))

    live.LiveTable.update_cell = cell  # type: ignore[method-assign]

    flush = HealthBody.flush

    def flushed(self: HealthBody) -> None:
        flush(self)
        if State.flushed_now:
            at = time.time()
            for key in State.flushed_now:
                if key not in State.flush_at:
                    State.flush_at[key] = at
                    State.awaiting_paint.append(key)
            State.flushed_now = []

    HealthBody.flush = flushed  # type: ignore[method-assign]

    class Host(App[None]):
        CSS_PATH = Path(assets.__file__).parent / "cutover.tcss"
        BINDINGS = [Binding("q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            yield HealthBody(step_by_id("health"), config, gateways, clock=clock)

        def on_mount(self) -> None:
            driver = self._driver
            assert driver is not None
            write = driver.write

            def written(data: str) -> None:
                write(data)
                at = time.time()
                State.bytes_written += len(data)
                if State.table_rendered is not None and State.first_paint is None:
                    State.first_paint = at
                    send(
                        "first_paint",
                        list_start=State.list_start,
                        rows_ready=State.rows_ready,
                        table_rendered=State.table_rendered,
                        painted=at,
                        rows=self.query_one("#health-pods", live.LiveTable).row_count,
                        rss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                    )
                if State.awaiting_paint:
                    for key in State.awaiting_paint:
                        State.paint_at[key] = at
                    State.awaiting_paint = []
                    if (
                        State.expect
                        and len(State.paint_at) >= State.expect
                        and not State.burst_sent
                    ):
                        State.burst_sent = True
                        send("burst", flush_at=State.flush_at, paint_at=State.paint_at)

            driver.write = written  # type: ignore[method-assign]

        async def action_quit(self) -> None:
            State.repaints = self.query_one(HealthBody).repaints
            self.exit()

    app = Host()
    app.run()
    send(
        "done",
        rss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        bytes_written=State.bytes_written,
        repaints=State.repaints,
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        main()
    except BaseException:
        send("error", traceback=traceback.format_exc())
        raise
