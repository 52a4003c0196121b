"""The Secrets step as everyone may see it: which keys the workloads reference, which the Secret
has, and the findings. `SecretsView` is the whole body in read-only mode (no entry field, no
editing binding); `screens.secrets.SecretsBody` adds the masked fields and the actions.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from screens.note_line import NoteLine
from screens.preflight import FindingRow
from screens.step_body import StepBody, StepSummary
from screens.step_state import StepState
from wizard.checks import Finding, Severity, worst
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gateways import Gateways
from wizard.secrets.apply import failure_finding
from wizard.secrets.overview import SecretsOverview, gather
from wizard.steps import Step


class SecretsView(StepBody):
    """What the Secret has and who uses it; changes nothing."""

    # Not the exception's text: it could quote a value it was handed.
    CRASH = ("The Secrets step stopped unexpectedly ({kind}).", "")

    def __init__(self, step: Step, config: CutoverConfig, gateways: Gateways) -> None:
        super().__init__(step, config, gateways)
        self.add_class("secrets")
        self.view: SecretsOverview | None = None
        self.extra: list[Finding] = []  # from saves and applies, until the next load

    def compose(self) -> ComposeResult:
        yield StepSummary(
            "… reading the Compose environment, the Secret and the keyring", id="secrets-summary"
        )
        yield NoteLine()  # what the last action did, or why not: under the summary, never over
        with VerticalScroll(id="secrets-scroll", classes="body-scroll"):
            yield from self.compose_entry()
            yield Static("Who uses which key", classes="section-title")
            yield Static(id="secrets-refs")
            yield Static(id="secrets-findings-title", classes="section-title")
            yield Vertical(id="secrets-findings")

    def compose_entry(self) -> ComposeResult:
        yield Static(id="secrets-keyring", markup=False)

    def on_mount(self) -> None:
        self.start()

    def rerun(self) -> None:
        self.new_run()
        self.extra = []
        store = self.view.store if self.view is not None else None
        self.run_work(partial(gather, self.config, self.gateways, store), "load")

    def work_done(self, part: str, value: Any) -> None:
        if part == "load":
            self.view = value
            self.show_view()

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        if isinstance(error, CutoverError):
            finding = failure_finding(error)
        else:
            finding = replace(finding, check="secrets.error")
        self.extra.append(finding)
        self.show_findings()

    def show_view(self) -> None:
        view = self.view
        if view is None:
            return
        self.query_one("#secrets-refs", Static).update(references_table(view))
        self.query_one("#secrets-keyring", Static).update(self.keyring_line(view))
        self.show_findings()

    def keyring_line(self, view: SecretsOverview) -> str:
        where = f"Secret {view.spec.name} in {view.namespace or '?'}"
        if not view.readable:
            return f"{where}: cannot read Secret keys with this identity (read-only view)."
        have = len(view.existing.digests) if view.existing is not None else 0
        state = "absent" if view.existing is None else f"{have} key(s)"
        return f"{where}: {state} (read-only view: nothing can be entered or written)."

    def show_findings(self) -> None:
        view = self.view
        findings = [*(view.findings if view else []), *self.extra]
        box = self.query_one("#secrets-findings", Vertical)
        box.remove_children()
        box.mount_all([FindingRow(f) for f in findings if f.severity is not Severity.OK])
        title = self.query_one("#secrets-findings-title", Static)
        title.update("Findings" if findings else "")
        state = StepState.from_severity(worst(findings))
        text = f"{state.glyph} {summary_text(view, findings)}"
        self.query_one("#secrets-summary", StepSummary).show(state, text)
        self.set_state(state)


def references_table(view: SecretsOverview) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, expand=False)
    table.add_column("key", no_wrap=True)
    table.add_column("Secret", no_wrap=True)
    table.add_column("used by")
    for row in view.rows:
        present = "?" if row.in_cluster is None else ("✔ has" if row.in_cluster else "✖ absent")
        users = ", ".join(row.workloads) if row.workloads else "(no workload)"
        table.add_row(Text(row.key), Text(present), Text(users))
    if not view.rows:
        table.add_row(Text("(no secret keys found)"), Text(""), Text(""))
    return table


def summary_text(view: SecretsOverview | None, findings: list[Finding]) -> str:
    if view is None:
        return "Secrets: could not be read"
    blockers = sum(1 for f in findings if f.blocks)
    warnings = sum(1 for f in findings if f.severity is Severity.WARN)
    keys = len(view.spec.entries)
    head = f"Secret {view.spec.name}: {keys} key(s)"
    if blockers:
        return f"{head}, {blockers} blocker(s), {warnings} warning(s)"
    present = "every referenced key present" if view.readable else "keys not readable here"
    if warnings:
        return f"{head}, {present}, {warnings} warning(s)"
    return f"{head}, {present}"
