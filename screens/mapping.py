"""The Mapping step: each Compose service next to the workload it became, field by field.

`build_plan` reads the Compose files, the cluster and/or the manifests, so it runs in a thread
worker and posts the plan back; the event loop never waits on it. The services list sits above
the diff at every size: the diff needs the width more than the list does. Picking a service fills
the diff; the highlighted diff row's finding and fix show beneath it. Findings about no one service
(workloads nothing maps to, drift between cluster and manifests) are a row of their own at the end
of the services list, with a section of their own when picked.

Every cell is display text the core has already masked; nothing here ever sees a secret value.
The words and the column arithmetic are in `mapping_layout` (no Textual: unit-tested without an
App), the two tables in `mapping_tables`.

Over 400 lines on purpose: what is left is one body's fill and selection logic (the services
list, the diff and the detail follow each other); its words, layout and tables are already apart.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.events import DescendantBlur, DescendantFocus, Resize
from textual.theme import Theme
from textual.widgets import DataTable, Static

from screens.mapping_layout import (
    OTHER_KEY,
    RUNNING_TEXT,
    counts_text,
    field_width,
    fits_counts,
    keyed,
    plural,
    summary_text,
    target_text,
    value_widths,
)
from screens.mapping_tables import DiffTable, ServiceTable
from screens.preflight import FindingRow
from screens.step_body import StepBody, StepSummary
from screens.step_state import SEVERITY_LABEL, StepState
from wizard.checks import Finding, Severity, worst
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gateways import Gateways
from wizard.mapping.build import build_plan
from wizard.mapping.model import DiffRow, Plan, ServicePlan
from wizard.steps import Step

__all__ = ["OTHER_KEY", "RUNNING_TEXT", "DiffTable", "MappingBody", "ServiceTable"]

# The theme variable that colours each verdict; the glyph and the word carry it without colour.
VERDICT_COLOUR = {
    Severity.OK: "text-success",
    Severity.INFO: "",
    Severity.WARN: "text-warning",
    Severity.BLOCK: "text-error",
}


class MappingBody(StepBody):
    """Runs `build_plan` on mount and on `r`; services list, field diff, finding and fix."""

    # p (Problems / All rows) is bound on the checklist screen from the key scheme and
    # acts here through check_action and action_problems_only.

    CRASH = (
        "The comparison stopped unexpectedly ({kind}).",
        "Press r to compare again; if it keeps failing, run `cutover plan` to see the same "
        "comparison on the command line, and please report it.",
    )

    def __init__(
        self,
        step: Step,
        config: CutoverConfig,
        gateways: Gateways,
        build: Callable[[CutoverConfig, Gateways], Plan] = build_plan,
    ) -> None:
        super().__init__(step, config, gateways)
        self.build = build  # the comparison (a test hands in its own)
        self.plan: Plan | None = None
        self.error: tuple[str, str] | None = None
        self.problems_only = False
        self.running = False
        self._service_key: str | None = None  # the selected services-list row
        self._row_key: str | None = None  # the selected diff row
        self._diff_shape: tuple[object, ...] = ()  # what the diff's columns were built for
        self._side_by_side = True  # False: too narrow, one value column at a time

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StepSummary(RUNNING_TEXT, id="mapping-summary")
        yield Static(id="mapping-sources", markup=False)
        yield VerticalScroll(id="mapping-error")
        with Vertical(id="mapping-panes"):
            # .body-scroll: the checklist focuses it when the step opens.
            yield ServiceTable(id="mapping-services", classes="body-scroll")
            yield Static(id="mapping-diff-title", markup=False)
            # Verdict and field stay put while ⇧←→ page the values; PgDn/End walk its rows.
            yield DiffTable(id="mapping-diff", classes="step-findings", fixed=2)
            with VerticalScroll(id="mapping-detail", classes="step-findings"):
                yield Static(id="mapping-detail-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#mapping-error").display = False
        self.query_one("#mapping-panes").display = False
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.start()

    def _theme_changed(self, _theme: Theme) -> None:
        # Verdict colours are baked into the cells from the theme's variables: paint them again.
        self._show_plan()

    # --- running the comparison -----------------------------------------------------------------

    def rerun(self) -> None:
        """Compare again. The last plan stays on screen (marked as such) until the new one lands."""
        self.new_run()
        self.running = True
        self.run_work(partial(self.build, self.config, self.gateways), "plan")
        self._show_summary()
        self.set_state(StepState.RUNNING)

    def work_done(self, part: str, value: Plan) -> None:
        self.running = False
        self.plan = value
        self.error = None
        self._show_plan()
        self.set_state(StepState.from_severity(worst(value.findings)))

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        self.running = False
        self.error = (finding.message, finding.fix)
        box = self.query_one("#mapping-error")
        box.remove_children()
        box.mount(FindingRow(finding))
        if isinstance(error, CutoverError):  # a bug is not fixed from outside
            box.mount(Static("r compares again once it is fixed.", classes="mapping-hint"))
        self._show_plan()
        self.set_state(StepState.BLOCK)

    # --- the filter -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "problems_only":
            showing = self.plan is not None and self.error is None
            return showing and parameters[0] != self.problems_only
        return True

    def action_problems_only(self, on: bool) -> None:
        self.problems_only = on
        self._show_plan()

    # --- what is shown --------------------------------------------------------------------------

    def _show_summary(self) -> None:
        summary = self.query_one("#mapping-summary", StepSummary)
        if self.running:
            state, text = StepState.RUNNING, RUNNING_TEXT
            if self.plan is not None and self.error is None:
                text = "… comparing again (the last result stays until then)"
        elif self.error is not None:
            state, text = StepState.BLOCK, f"{StepState.BLOCK.glyph} Could not compare"
        elif self.plan is not None:
            state = StepState.from_severity(worst(self.plan.findings))
            text = f"{state.glyph} {summary_text(self.plan)}"
        else:
            state, text = StepState.NOT_RUN, ""
        summary.show(state, text)

        sources = self.query_one("#mapping-sources", Static)
        if self.plan is not None and self.error is None:
            used = ", ".join(self.plan.sources) or "not reported"
            # The filter's state first, so it is never the part that wraps or is cut.
            prefix = "Problems only · sources" if self.problems_only else "Sources"
            sources.update(f"{prefix}: {used}")
            sources.display = True
        else:
            sources.display = False

    def _show_plan(self) -> None:
        self._show_summary()
        showing_plan = self.plan is not None and self.error is None
        error_box = self.query_one("#mapping-error")
        services = self.query_one("#mapping-services", ServiceTable)
        error_box.display = self.error is not None
        self.query_one("#mapping-panes").display = showing_plan
        # The checklist focuses a step's first .body-scroll: make that whichever one shows.
        error_box.set_class(self.error is not None, "body-scroll")
        services.set_class(self.error is None, "body-scroll")
        if self.error is not None and (services.has_focus or self.screen.focused is None):
            error_box.focus()
        elif showing_plan and error_box.has_focus:
            services.focus()
        self.refresh_bindings()
        if showing_plan:
            self._fill_services()
            self._fill_diff()

    def _services(self) -> list[ServicePlan]:
        assert self.plan is not None
        return [s for s in self.plan.services if not self.problems_only or s.severity.is_problem]

    def _extra(self) -> list[Finding]:
        assert self.plan is not None
        return [f for f in self.plan.extra if not self.problems_only or f.severity.is_problem]

    def _fill_services(self) -> None:
        table = self.query_one("#mapping-services", ServiceTable)
        rows = [
            (
                service.severity,
                service.service,
                target_text(service),
                counts_text(service.findings),
                service.service,
            )
            for service in self._services()
        ]
        extra = self._extra()
        if extra:
            about = f"{plural(len(extra), 'finding')} about no one service"
            rows.append((worst(extra), "(other)", about, counts_text(extra), OTHER_KEY))
        with_counts = fits_counts([r[:4] for r in rows], self.size.width)
        columns = ["Verdict", "Service", "Kubernetes"] + (["Findings"] if with_counts else [])
        if [str(c.label) for c in table.ordered_columns] != columns:
            table.clear(columns=True)
            table.add_columns(*columns)
        index = table.cursor_row
        table.clear()
        for severity, name, target, counts, key in rows:
            cells = [self._verdict(severity), Text(name), Text(target), Text(counts)]
            table.add_row(*cells[: len(columns)], key=key)
        keys = [key for *_, key in rows]
        if self._service_key in keys:
            index = keys.index(self._service_key)
        index = max(0, min(index, len(keys) - 1))
        self._service_key = keys[index] if keys else None
        table.move_cursor(row=index)

    def _fill_diff(self) -> None:
        table = self.query_one("#mapping-diff", DiffTable)
        x, y = table.scroll_x, table.scroll_y
        same_view = self._diff_shape[:1] == (self._service_key,)
        if self._service_key == OTHER_KEY:
            self._fill_other(table)
        else:
            self._fill_rows(table)
        self.call_after_refresh(self.refresh_bindings)  # ←→ only when there is something to page
        if not same_view:
            # A service opens on its first problem, so its finding and fix show at once; at
            # 80x24 the one blocking row of twenty would otherwise sit below the fold.
            table.move_cursor(row=self._first_problem())
            self._show_detail()
            return
        # Same service as before (a re-run, the filter, a resize): keep the row and the scroll.
        keys = [row.key.value for row in table.ordered_rows]
        if self._row_key in keys:
            table.move_cursor(row=keys.index(self._row_key), scroll=False)
        self._show_detail()

        def restore() -> None:
            table.scroll_to(x, y, animate=False, immediate=True)
            table.move_cursor(row=table.cursor_row)  # back into view if the rows moved

        self.call_after_refresh(restore)

    def _first_problem(self) -> int:
        """The diff row of the selected service's first warn or block (0 when there is none)."""
        if self._service_key == OTHER_KEY:
            severities = [f.severity for f in self._extra()]
        else:
            service = self._service()
            severities = [r.finding.severity for r in self._rows(service)] if service else []
        return next((i for i, severity in enumerate(severities) if severity.is_problem), 0)

    def _service(self) -> ServicePlan | None:
        assert self.plan is not None
        return next((s for s in self.plan.services if s.service == self._service_key), None)

    def _rows(self, service: ServicePlan) -> list[DiffRow]:
        return [r for r in service.rows if not self.problems_only or r.finding.severity.is_problem]

    def _fill_rows(self, table: DiffTable) -> None:
        service = self._service()
        title = self.query_one("#mapping-diff-title", Static)
        detail = self.query_one("#mapping-detail-text", Static)
        if service is None:
            table.clear(columns=True)
            self._diff_shape = (None,)
            title.update("No service has a warn or block row. p shows all rows.")
            detail.update("")
            return
        rows = self._rows(service)
        hidden = len(service.rows) - len(rows)
        title.update(
            f"{service.service} {target_text(service)}"
            + (f" · {hidden} ok hidden" if hidden else "")
        )
        name_width = field_width([r.field for r in rows])
        widths, wrap = value_widths(
            self._room(),
            name_width,
            [("Compose", [r.compose for r in rows]), ("Kubernetes", [r.kubernetes for r in rows])],
        )
        self._side_by_side = wrap
        shape = (self._service_key, "rows", name_width, widths, wrap)
        if shape != self._diff_shape:
            table.clear(columns=True)
            table.add_column("Verdict")
            table.add_column("Field", width=name_width)
            table.add_column("Compose", width=widths[0])
            table.add_column("Kubernetes", width=widths[1])
            self._diff_shape = shape
        else:
            table.clear()
        for key, row in keyed(rows, lambda r: r.field):
            table.add_row(
                self._verdict(row.finding.severity),
                _cell(row.field, wrap),
                _cell(row.compose or "-", wrap),
                _cell(row.kubernetes or "-", wrap),
                key=key,
                height=None if wrap else 1,
            )
        if not rows:
            detail.update(
                f"Every row of {service.service} is ok. p shows all {len(service.rows)} rows."
            )

    def _fill_other(self, table: DiffTable) -> None:
        findings = self._extra()
        self.query_one("#mapping-diff-title", Static).update(
            "Findings about no one service: workloads nothing maps to, drift, unknown names"
        )
        check_width = field_width([f.check for f in findings], label="About")
        findings_column = [("Finding", [f.message for f in findings])]
        widths, wrap = value_widths(self._room(), check_width, findings_column)
        shape = (OTHER_KEY, "other", check_width, widths, wrap)
        if shape != self._diff_shape:
            table.clear(columns=True)
            table.add_column("Verdict")
            table.add_column("About", width=check_width)
            table.add_column("Finding", width=widths[0])
            self._diff_shape = shape
        else:
            table.clear()
        for key, finding in keyed(findings, lambda f: f.check):
            table.add_row(
                self._verdict(finding.severity),
                _cell(finding.check, wrap),
                _cell(finding.message, wrap),
                key=key,
                height=None if wrap else 1,
            )

    def _room(self) -> int:
        # The body's width, not the table's: the table may not be laid out yet (first plan).
        return self.size.width - 1  # the vertical scrollbar

    def _verdict(self, severity: Severity) -> Text:
        colour = self.app.theme_variables.get(VERDICT_COLOUR[severity], "")
        bold = severity is Severity.BLOCK
        style = Style(color=colour or None, bold=bold) if colour.startswith("#") else Style()
        return Text(SEVERITY_LABEL[severity], style=style)

    def _show_detail(self) -> None:
        detail = self.query_one("#mapping-detail-text", Static)
        finding, about, row = self._selected()
        if finding is None:
            return
        parts: list[Content | str | tuple[str, str]] = [
            (SEVERITY_LABEL[finding.severity], "bold"),
            "  ",
            (about, "bold"),
            "  ",
            finding.message,
        ]
        if finding.detail:
            parts += ["\n", finding.detail]
        if finding.fix:
            parts += ["\n", ("Fix: ", "bold"), finding.fix]
        if row is not None and not self._side_by_side:
            # One value column at a time, cut to one line: here are the selected row's, whole.
            parts += ["\n", ("Compose: ", "bold"), row.compose or "-"]
            parts += ["\n", ("Kubernetes: ", "bold"), row.kubernetes or "-"]
        detail.update(Content.assemble(*parts))
        self.query_one("#mapping-detail", VerticalScroll).scroll_home(animate=False)

    def _selected(self) -> tuple[Finding | None, str, DiffRow | None]:
        """The finding under the diff's cursor, what it is about, and its diff row if any."""
        table = self.query_one("#mapping-diff", DiffTable)
        if self.plan is None or table.row_count == 0:
            return None, "", None
        key = table.ordered_rows[table.cursor_row].key.value or ""
        if self._service_key == OTHER_KEY:
            found = dict(keyed(self._extra(), lambda f: f.check)).get(key)
            return (found, found.check, None) if found else (None, "", None)
        service = self._service()
        row = dict(keyed(self._rows(service), lambda r: r.field)).get(key) if service else None
        return (row.finding, row.field, row) if row else (None, "", None)

    # --- selection ------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#mapping-services")
    def _service_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        # Rebuilding the list posts highlights of rows it passed over; only the current one counts.
        if event.cursor_row != event.data_table.cursor_row or self.plan is None:
            return
        key = event.row_key.value
        if key == self._service_key and self._diff_shape[:1] == (key,):
            return
        self._service_key = key
        self._row_key = None
        self._fill_diff()

    @on(DataTable.RowSelected, "#mapping-services")
    def _service_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.query_one("#mapping-diff", DiffTable).focus()

    @on(DataTable.RowHighlighted, "#mapping-diff")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.cursor_row != event.data_table.cursor_row:
            return
        self._row_key = event.row_key.value
        self._show_detail()

    @on(DescendantFocus)
    @on(DescendantBlur)
    def _focus_moved(self) -> None:
        # Reading the diff: below the wide breakpoint the services list steps aside and the
        # finding's detail grows (see cutover.tcss).
        focused = self.screen.focused
        reading = focused is not None and focused.id in ("mapping-diff", "mapping-detail")
        panes = self.query_one("#mapping-panes")
        if reading != panes.has_class("-reading"):
            panes.set_class(reading, "-reading")
            services = self.query_one("#mapping-services", ServiceTable)
            self.call_after_refresh(lambda: services.move_cursor(row=services.cursor_row))

    @on(Resize)
    def _resized(self, event: Resize) -> None:
        # Columns take the room there is; a different width may mean other columns.
        # (A step the operator has not opened yet has no size: this is also its first real fill.)
        if self.plan is not None and self.error is None:
            self._fill_services()
            self._fill_diff()


def _cell(text: str, wrap: bool) -> Text:
    """A fixed-width cell: wraps when rows may grow, else ends in an ellipsis (the detail beneath
    the diff shows the selected row whole)."""
    return Text(text) if wrap else Text(text, no_wrap=True, overflow="ellipsis")
