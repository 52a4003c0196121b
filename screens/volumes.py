"""The Volumes step: every Compose named volume next to the PVC that replaces it, live.

A thread worker reads the Compose project and the target's workloads once, then opens watches on
the namespace's claims, the pods (who mounts what) and the claims' events. A 0.1 s timer drains
what they sent and, only when something arrived, runs the pure `analyse_volumes` again and
updates the cells and findings that changed. A watch that lost its server says "reconnecting —
data N s old" above the table instead of letting old rows pose as live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from screens import live
from screens.live_body import LiveStepBody
from screens.preflight import FindingRow
from screens.step_state import StepState
from wizard.checks import Finding, Severity, worst
from wizard.compose.loader import load_project
from wizard.compose.model import ComposeProject
from wizard.health.watch import WatchHandle
from wizard.storage.volumes import VolumeRow, VolumesReport, analyse_volumes, data_sizes
from wizard.target.model import TargetState

KINDS = ("persistentvolumeclaims", "pods", "events")
COLUMNS = ("Volume", "PVC", "Phase", "Requested/Bound", "Modes", "Class", "Mounted by")


@dataclass
class VolumesOpened:
    project: ComposeProject
    target: TargetState
    handles: list[WatchHandle]
    sizes: dict[str, int]  # data in each Compose volume, where the engine said


class VolumesBody(LiveStepBody):
    """Compose volume -> PVC table, its findings and fixes beneath, live."""

    KINDS = KINDS
    CRASH = (
        "Reading the claims stopped unexpectedly ({kind}).",
        "Press r to read them again; `cutover status` reads the same once.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # LiveStepBody's: step, config, gateways, clock
        self.report: VolumesReport | None = None
        self._project: ComposeProject | None = None
        self._target: TargetState | None = None
        self._sizes: dict[str, int] = {}
        self._shown_findings: tuple[Finding, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static("… reading the claims", id="volumes-summary", markup=False)
        yield Static(id="volumes-feed", markup=False)
        yield live.LiveTable(id="volumes-table", classes="body-scroll")
        # PgDn/End reach the last finding whatever has the focus (the table, at first).
        yield VerticalScroll(id="volumes-findings", classes="step-findings")

    def on_mount(self) -> None:
        self.query_one("#volumes-table", DataTable).add_columns(*COLUMNS)
        self.set_interval(live.FLUSH_S, self.flush)
        self.start()

    def open_watches(self) -> VolumesOpened:
        # Runs in a thread: never touch widgets here, only return the result.
        project = load_project(self.config)
        sizes = data_sizes(self.gateways, project.name)
        cluster = self.gateways.cluster()
        target = cluster.read_target(self.config.selector)
        handles: list[WatchHandle] = []
        try:
            # Every claim of the namespace: a StatefulSet's carry only its template's labels.
            handles.append(cluster.watch("persistentvolumeclaims", "", self.feed))
            handles.append(cluster.watch("pods", self.config.selector, self.feed))
            handles.append(
                cluster.watch("events", "", self.feed, "involvedObject.kind=PersistentVolumeClaim")
            )
        except BaseException:
            for handle in handles:
                handle.stop(1.0)
            raise
        return VolumesOpened(project, target, handles, sizes)

    def opened(self, message: VolumesOpened) -> None:
        self._project = message.project
        self._target = message.target
        self._sizes = message.sizes
        self.query_one("#volumes-table").display = True
        self.flush(force=True)

    def _fail(self, message: str, fix: str) -> None:
        self.report = None
        self._shown_findings = None
        self.query_one("#volumes-table").display = False
        box = self.query_one("#volumes-findings", VerticalScroll)
        box.remove_children()
        box.mount(FindingRow(Finding("volumes", Severity.BLOCK, message, fix)))
        box.mount(Static("r reads the claims again once it is fixed.", classes="mapping-hint"))
        live.update_text(
            self.query_one("#volumes-summary", Static),
            f"{StepState.BLOCK.glyph} Cannot read the claims",
            StepState.BLOCK,
        )
        self._set_state(StepState.BLOCK)

    # --- repainting -----------------------------------------------------------------------------

    def flush(self, force: bool = False) -> None:
        updates = self.feed.drain()
        at = self.clock()
        for update in updates:
            live.apply(self.rows[update.kind], update)
            self.statuses[update.kind] = update.status
        if (updates or force) and self._project is not None and self._target is not None:
            self.report = analyse_volumes(
                self._project,
                self._target,
                self.rows["persistentvolumeclaims"].values(),
                self.rows["pods"].values(),
                self.rows["events"].values(),
                self.config.volumes,
                self.config.services,
                self._sizes,
            )
            if self._repaint(at):
                self.repaints += 1
        elif self._last_feed.startswith("reconnecting"):
            self._show_feed(at)

    def _repaint(self, at: float) -> bool:
        assert self.report is not None
        table: DataTable[Text] = self.query_one("#volumes-table", DataTable)
        rows = {key: cells for row in self.report.rows for key, cells in _cells(row)}
        changed = live.sync_rows(table, rows)
        changed |= self._show_findings(self.report.findings)
        changed |= self._show_feed(at)
        return changed

    def _show_findings(self, findings: tuple[Finding, ...]) -> bool:
        state = StepState.from_severity(worst(findings))
        problems = [f for f in findings if f.severity.is_problem]
        blockers = sum(1 for f in problems if f.severity is Severity.BLOCK)
        volumes = len(self.report.rows) if self.report else 0
        if problems:
            text = f"{state.glyph} {len(problems)} problem(s) in {volumes} volumes"
            text += f", {blockers} blocking" if blockers else ""
        else:
            text = f"{state.glyph} All {volumes} volumes have a Bound claim"
        changed = live.update_text(self.query_one("#volumes-summary", Static), text, state)
        self._set_state(state)
        if findings == self._shown_findings:
            return changed
        self._shown_findings = findings
        box = self.query_one("#volumes-findings", VerticalScroll)
        y = box.scroll_y
        box.remove_children()
        box.mount_all([FindingRow(f) for f in problems] or [Static("Nothing to fix.")])
        self.call_after_refresh(box.scroll_to, y=y, animate=False)
        return True

    def _show_feed(self, at: float) -> bool:
        text, current = live.feed_text(self.statuses.values(), at)
        self._last_feed = text
        feed = self.query_one("#volumes-feed", Static)
        feed.set_class(not current, "-stale")
        line = f"Watch: {text}" + ("" if current else " · the table is not current")
        return live.update_text(feed, line)


def _cells(row: VolumeRow) -> list[tuple[str, tuple[str, ...]]]:
    if not row.claims:
        return [(row.volume, (row.volume, f"(none: {row.expected})", "missing", "", "", "", ""))]
    out: list[tuple[str, tuple[str, ...]]] = []
    for view in row.claims:
        pvc = view.pvc
        mounted = ", ".join(view.workloads) or "-"
        if view.pods:
            mounted += f" ({len(view.pods)} pod{'s' if len(view.pods) != 1 else ''})"
        if pvc is None:
            cells = (row.volume, view.name, "missing", "", "", "", mounted)
        else:
            size = pvc.requested + (f"/{pvc.capacity}" if pvc.capacity else "/-")
            phase = pvc.phase if pvc.phase == "Bound" else f"✖ {pvc.phase}"
            cells = (
                row.volume,
                view.name,
                phase,
                size,
                view.modes_text,
                pvc.storage_class or "(none)",
                mounted,
            )
        out.append((f"{row.volume}/{view.name}", cells))
    return out
