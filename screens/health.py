"""The Pod health step: each Compose service's workload, the selected service's pods, and the
Warning events of the selected pod, live.

Watches (deployments, statefulsets, pods, Warning events) are opened by a thread worker (the
gateway may block) and feed a `LiveFeed`; a 0.1 s timer drains it and repaints only what changed:
cells through `update_cell`, rows added or removed by key, never a clear and refill on an event.
With nothing arriving, nothing repaints. Ages are computed at repaint time, and refreshed at
most every 10 s while nothing else changes (AGE_REFRESH_S). One service's pods show at a time.
The watches stop when the body unmounts (the app quits, or `r` opens them again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import DataTable, Static

from screens import live
from screens.live_body import LiveStepBody
from screens.preflight import FindingRow
from screens.step_state import StepState
from wizard.checks import Finding, Severity, worst
from wizard.compose.loader import load_project
from wizard.health.report import REASON_FIX, HealthTargets, read_targets, service_findings
from wizard.health.rollup import ServiceHealth, pods_of
from wizard.health.status import EventRow, PodRow, WorkloadHealth
from wizard.health.watch import WatchHandle
from wizard.health.watch_kinds import WORKLOAD_WATCHES

KINDS = ("deployments", "statefulsets", "pods", "events")
SERVICE_COLUMNS = ("Service", "Ready", "Avail", "Updated", "State", "Workload")
POD_COLUMNS = ("Pod", "Status", "Ready", "Restarts", "Age", "Node")
FULL_NAMES_FROM = 140  # narrower, a long pod name is cut at the front (the title has its workload)
POD_NAME_WIDTH = 22
GLYPH = {Severity.OK: "✔", Severity.INFO: "•", Severity.WARN: "▲", Severity.BLOCK: "✖"}


@dataclass
class WatchesOpened:
    ns: str
    names: dict[str, str]  # Compose service -> workload name
    handles: list[WatchHandle]
    targets: HealthTargets  # the one matcher's answer (wizard.mapping.match)


class HealthBody(LiveStepBody):
    """Live per-service health; the selected service's pods; the selected pod's events."""

    KINDS = KINDS
    CRASH = (
        "The pod watch stopped unexpectedly ({kind}).",
        "Press r to open it again; `cutover status` reads the same once.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # LiveStepBody's: step, config, gateways, clock
        self.names: dict[str, str] = {}
        self.targets = HealthTargets({}, {}, {})
        self.namespace = self.config.namespace or ""
        self.error: tuple[str, str] | None = None
        self.selected: str | None = None  # the Compose service whose pods show
        self._timer: Timer | None = None
        self._last_age = 0.0

    def compose(self) -> ComposeResult:
        yield Static("… opening the watches", id="health-summary", markup=False)
        yield Static(id="health-feed", markup=False)
        yield VerticalScroll(id="health-error")
        with Vertical(id="health-panes"):
            # Each service's row is its finding: PgDn/End walk them whatever has the focus.
            yield live.LiveTable(id="health-services", classes="body-scroll step-findings")
            yield Static(id="health-pods-title", markup=False)
            yield live.LiveTable(id="health-pods")
            with VerticalScroll(id="health-detail", classes="step-findings"):
                yield Static(id="health-detail-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#health-error").display = False
        services = self.query_one("#health-services", DataTable)
        services.add_columns(*SERVICE_COLUMNS)
        self.query_one("#health-pods", DataTable).add_columns(*POD_COLUMNS)
        self._timer = self.set_interval(live.FLUSH_S, self.flush)
        self.start()

    # --- the watches ----------------------------------------------------------------------------

    def open_watches(self) -> WatchesOpened:
        # Runs in a thread: never touch widgets here, only return the result.
        project = load_project(self.config)
        cluster = self.gateways.cluster()
        selector = self.config.selector
        handles: list[WatchHandle] = []
        # Which workload each service became: the Mapping step's matcher, on one read.
        targets = read_targets(cluster, project, self.config)
        kinds = list(dict.fromkeys((*KINDS, *targets.watches())))
        for kind in kinds:
            self.rows.setdefault(kind, {})  # a DaemonSet's, a Job's: before its first update
        try:
            for kind in kinds:
                fields = "type=Warning" if kind == "events" else ""
                label = "" if kind == "events" else selector
                handles.append(cluster.watch(kind, label, self.feed, fields))
        except BaseException:
            for handle in handles:
                handle.stop(1.0)
            raise
        return WatchesOpened(cluster.identity.namespace, targets.names, handles, targets)

    def opened(self, message: WatchesOpened) -> None:
        self.error = None
        self.names = message.names
        self.targets = message.targets
        self.namespace = message.ns
        self.query_one("#health-error").display = False
        self.query_one("#health-panes").display = True
        self.flush()
        # A timer flush may have drained the first rows before the service names were known
        # (it skips repainting then): repaint now, or the step would say "running" for 10 s.
        self._repaint(self.clock())

    def _fail(self, message: str, fix: str) -> None:
        self.error = (message, fix)
        box = self.query_one("#health-error")
        box.remove_children()
        box.mount(FindingRow(Finding("health", Severity.BLOCK, message, fix)))
        box.mount(Static("r opens the watches again once it is fixed.", classes="mapping-hint"))
        box.display = True
        box.set_class(True, "body-scroll")
        self.query_one("#health-panes").display = False
        summary = self.query_one("#health-summary", Static)
        summary.update(f"{StepState.BLOCK.glyph} Cannot watch the pods")
        self._set_state(StepState.BLOCK)

    # --- repainting -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply what the watches sent since the last flush; repaint only if something did."""
        updates = self.feed.drain()
        at = self.clock()
        for update in updates:
            live.apply(self.rows[update.kind], update)
            self.statuses[update.kind] = update.status
        if updates:
            self._repaint(at)
        elif self.handles and at - self._last_age >= live.AGE_REFRESH_S:
            self._repaint(at)  # ages move on: only cells whose text changed are touched
        elif self._last_feed.startswith("reconnecting"):
            self._show_feed(at)  # the data's age, once a second at most (it only changes then)

    def _repaint(self, at: float) -> None:
        self._last_age = at
        if not self.names:
            return
        services = self.services()
        findings = self.findings(services)  # once a repaint: the services' verdicts and summary
        changed = self._fill_services(services, findings)
        changed |= self._fill_pods(at)
        changed |= self._show_detail(at)
        changed |= self._show_summary(services, findings)
        changed |= self._show_feed(at)
        if changed:
            self.repaints += 1

    def services(self) -> list[ServiceHealth]:
        workloads: list[WorkloadHealth] = [
            *self.rows["deployments"].values(),
            *self.rows["statefulsets"].values(),
        ]
        workloads += [
            w
            for kind, rows in self.rows.items()
            if kind in WORKLOAD_WATCHES.values() and kind not in ("deployments", "statefulsets")
            for w in rows.values()
        ]
        return self.targets.rows(workloads, self.rows["pods"].values())

    def findings(self, services: Sequence[ServiceHealth] | None = None) -> list[Finding]:
        if services is None:
            services = self.services()
        # The Warning events watched for the detail pane also give a stuck pod its why.
        return service_findings(
            services,
            self.rows["pods"],
            self.names,
            self.namespace,
            self.rows["events"].values(),
            self.targets.missing,
        )

    def _show_summary(self, services: Sequence[ServiceHealth], findings: list[Finding]) -> bool:
        state = StepState.from_severity(worst(findings))
        bad = sum(1 for f in findings if f.severity is not Severity.OK)
        text = (
            f"{state.glyph} {bad} of {len(services)} services not ready"
            if bad
            else f"{state.glyph} All {len(services)} services ready"
        )
        self._set_state(state)
        return live.update_text(self.query_one("#health-summary", Static), text, state)

    def _show_feed(self, at: float) -> bool:
        text, current = live.feed_text(self.statuses.values(), at)
        line = f"Watch: {text}" + ("" if current else " · the table is not current")
        self._last_feed = text
        feed = self.query_one("#health-feed", Static)
        feed.set_class(not current, "-stale")
        return live.update_text(feed, line)

    def _fill_services(self, services: Sequence[ServiceHealth], findings: list[Finding]) -> bool:
        table: DataTable[Text] = self.query_one("#health-services", DataTable)
        verdicts = {f.check.removeprefix("health."): f.severity for f in findings}  # one a service
        rows = {
            s.service: _service_cells(s, verdicts.get(s.service, Severity.OK)) for s in services
        }
        changed = live.sync_rows(table, rows)
        if self.selected not in rows:
            self.selected = next(iter(rows), None)
        return changed

    def _pods(self) -> list[PodRow]:
        workload = self.names.get(self.selected or "", None)
        if workload is None:
            return []
        kind = self.targets.kinds.get(self.selected or "", "")
        return sorted(pods_of(kind, workload, self.rows["pods"].values()), key=lambda p: p.name)

    def _fill_pods(self, at: float) -> bool:
        table: DataTable[Text] = self.query_one("#health-pods", DataTable)
        pods = self._pods()
        title = f"Pods of {self.selected} ({self.names.get(self.selected or '', '')})"
        if not pods:
            title += ": none"
        changed = live.update_text(self.query_one("#health-pods-title", Static), title)
        short = self.size.width < FULL_NAMES_FROM
        rows = {p.name: _pod_cells(p, at, short) for p in pods}
        return live.sync_rows(table, rows) or changed

    def _selected_pod(self) -> PodRow | None:
        table: DataTable[Text] = self.query_one("#health-pods", DataTable)
        if table.row_count == 0:
            return None
        key = table.ordered_rows[min(table.cursor_row, table.row_count - 1)].key.value
        row: PodRow | None = self.rows["pods"].get(key or "")
        return row

    def _show_detail(self, at: float) -> bool:
        pod = self._selected_pod()
        events: list[EventRow] = list(self.rows["events"].values())
        lines: list[str] = []
        if pod is not None:
            if not pod.healthy:
                lines.append(f"{pod.name}: {pod.status}" + (f" — {pod.why}" if pod.why else ""))
                fix = REASON_FIX.get(pod.status)
                if fix:
                    lines.append("Fix: " + fix.format(ns=self.namespace, pod=pod.name))
            mine = _newest(
                [e for e in events if e.object_kind == "Pod" and e.object_name == pod.name]
            )
        else:
            mine = []
        workload = self.names.get(self.selected or "", "")
        mine += _newest([e for e in events if e.object_kind != "Pod" and e.object_name == workload])
        if mine:
            lines.append("Warning events:")
            lines += [
                f"  {e.reason} (x{e.count}, {_ago(e.last_seen, at)}): {e.message}" for e in mine[:5]
            ]
        elif pod is not None:
            lines.append(f"No Warning events for {pod.name}.")
        return live.update_text(self.query_one("#health-detail-text", Static), "\n".join(lines))

    # --- selection ------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#health-services")
    def _service_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.cursor_row != event.data_table.cursor_row:
            return
        key = event.row_key.value
        if key == self.selected:
            return
        self.selected = key
        pods: DataTable[Text] = self.query_one("#health-pods", DataTable)
        pods.clear()  # another service: its own pods (not on an event)
        at = self.clock()
        self._fill_pods(at)
        self._show_detail(at)

    @on(DataTable.RowSelected, "#health-services")
    def _service_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.query_one("#health-pods", DataTable).focus()

    @on(DataTable.RowHighlighted, "#health-pods")
    def _pod_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail(self.clock())


# --- cells ----------------------------------------------------------------------------------------


def _service_cells(service: ServiceHealth, severity: Severity) -> tuple[str, ...]:
    """Ready is `ready/desired`; Avail and Updated count against desired too."""
    w = service.workload
    # The pods' reasons say more than "not ready", and must fit 80 columns.
    state = ", ".join(service.unhealthy) if service.unhealthy else service.state
    name = f"{GLYPH[severity]} {service.service}"
    if w is None:
        return (name, "-", "-", "-", state, "(none)")
    return (
        name,
        f"{w.ready}/{w.desired}",
        str(w.available),
        str(w.updated),
        state,
        f"{w.kind}/{w.name}",
    )


def _pod_cells(pod: PodRow, at: float, short: bool) -> tuple[str, ...]:
    status = pod.status if pod.healthy else f"✖ {pod.status}"
    name = pod_name_cell(pod.name) if short else pod.name
    return (name, status, pod.ready_text, pod.restarts_text(at), pod.age(at), pod.node or "-")


def pod_name_cell(name: str, width: int = POD_NAME_WIDTH) -> str:
    """A pod's name in at most `width` columns, cut at the front: its end is what tells pods
    apart (postgres-0 and postgres-1; a Deployment's -7d9f8-x2kqz), and the title above names
    the workload. Short names stay whole (it once showed "…0" for postgres-0)."""
    if len(name) <= width:
        return name
    return "…" + name[len(name) - width + 1 :]


def _newest(events: list[EventRow]) -> list[EventRow]:
    return sorted(events, key=lambda e: e.last_seen or 0.0, reverse=True)


def _ago(when: float | None, at: float) -> str:
    from wizard.health.status import human_duration

    return "just now" if when is None else f"{human_duration(at - when)} ago"
