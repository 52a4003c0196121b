"""The Preflight step: every preflight check in its own worker thread, findings grouped by check.

Checks do blocking I/O (Docker, the API server, the keyring), so each runs in a thread worker of
its own (StepBody.run_work); the event loop never waits on the network. A worker that dies anyway
becomes a block finding on screen, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import Protocol

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from screens.step_body import StepBody, StepSummary
from screens.step_state import SEVERITY_LABEL, StepState
from wizard import preflight
from wizard.checks import Finding, Severity, worst
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gateways import Gateways
from wizard.preflight import PreflightCheck
from wizard.steps import Step


class FindingRow(Vertical):
    """One finding: "✖ block  message", and for warn/block the fix beneath it."""

    def __init__(self, finding: Finding, group_title: str = "") -> None:
        super().__init__(classes=f"finding -{finding.severity.value}")
        self.finding = finding
        self.group_title = group_title

    def compose(self) -> ComposeResult:
        finding = self.finding
        with Horizontal(classes="finding-line"):
            yield Static(SEVERITY_LABEL[finding.severity], classes="severity", markup=False)
            yield Static(self._message(), classes="message", markup=False)
        if finding.detail:
            yield Static(finding.detail, classes="detail", markup=False)
        if finding.fix and finding.severity.is_problem:
            yield Static(f"Fix: {finding.fix}", classes="fix", markup=False)

    def _message(self) -> str:
        # Under the group's own title, a leading "Docker host: " says the same thing twice.
        prefix = f"{self.group_title}: "
        message = self.finding.message
        if self.group_title and message.startswith(prefix) and len(message) > len(prefix):
            message = message[len(prefix) :]
            return message[:1].upper() + message[1:]
        return message


class GroupOf(Protocol):
    """What a group of findings is named by: a preflight check, a Traffic group."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


class CheckGroup(Vertical):
    """One preflight check (or any titled group): its title, then "… checking" or its findings."""

    findings: reactive[tuple[Finding, ...] | None] = reactive(None, recompose=True)

    def __init__(self, check: GroupOf) -> None:
        super().__init__(id=f"check-{check.id}", classes="check-group")
        self.check = check

    def compose(self) -> ComposeResult:
        yield Static(self.check.title, classes="check-title", markup=False)
        if self.findings is None:
            yield Static(f"… checking {self.check.title}", classes="checking", markup=False)
            return
        if not self.findings:
            yield Static("(nothing to report)", classes="checking", markup=False)
        for finding in self.findings:
            yield FindingRow(finding, self.check.title)


class PreflightBody(StepBody):
    """Runs PREFLIGHT_CHECKS on mount and on `r`, each in its own worker; a summary line and
    every finding, grouped by check."""

    CRASH = ("the check stopped unexpectedly ({kind}).", "")

    def __init__(
        self,
        step: Step,
        config: CutoverConfig,
        gateways: Gateways,
        checks: Sequence[PreflightCheck] = preflight.PREFLIGHT_CHECKS,
    ) -> None:
        super().__init__(step, config, gateways)
        self.checks = checks
        self._results: dict[str, list[Finding]] = {}

    def compose(self) -> ComposeResult:
        yield StepSummary(id="preflight-summary")
        with VerticalScroll(id="preflight-findings", classes="body-scroll"):
            for check in self.checks:
                yield CheckGroup(check)

    def on_mount(self) -> None:
        self.start()

    @property
    def findings(self) -> list[Finding]:
        """Every finding of the latest run that has come back so far, in check order."""
        return [f for check in self.checks for f in self._results.get(check.id, [])]

    @property
    def running(self) -> bool:
        return len(self._results) < len(self.checks)

    def rerun(self) -> None:
        """Start a fresh run; results of an older run still in flight are ignored."""
        self.new_run()
        self._results.clear()
        for group in self.query(CheckGroup):
            group.findings = None
        self._show_progress()
        for check in self.checks:
            # Not exclusive: the checks of one run share the group and must not cancel each other.
            self.run_work(partial(check.run, self.config, self.gateways), check.id, exclusive=False)

    def work_done(self, part: str, value: list[Finding]) -> None:
        self._record(part, value)

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        title = next((c.title for c in self.checks if c.id == part), part)
        finding = replace(finding, check=part)  # the check's own id, as its findings have
        if not isinstance(error, CutoverError):
            finding = replace(finding, message=f"{title}: {finding.message}")
        self._record(part, [finding])

    def _record(self, check_id: str, findings: list[Finding]) -> None:
        self._results[check_id] = findings
        self.query_one(f"#check-{check_id}", CheckGroup).findings = tuple(findings)
        self._show_progress()

    def _show_progress(self) -> None:
        if self.running:
            pending = [c.title for c in self.checks if c.id not in self._results]
            state = StepState.RUNNING
            text = f"… Preflight: checking {', '.join(pending)}"
        else:
            state = StepState.from_severity(worst(self.findings))
            text = f"{state.glyph} {summary_text(self.findings)}"
        self.query_one("#preflight-summary", StepSummary).show(state, text)
        self.set_state(state)


def summary_text(findings: Sequence[Finding], title: str = "Preflight") -> str:
    """One line for the whole step, e.g. "Preflight: 2 blockers, 1 warning — fix ...";
    `title` names the step (another step with findings of the same kind: "Traffic")."""
    blockers = sum(1 for f in findings if f.severity is Severity.BLOCK)
    warnings = sum(1 for f in findings if f.severity is Severity.WARN)
    counts = ", ".join(
        part
        for part in (_plural(blockers, "blocker"), _plural(warnings, "warning"))
        if part is not None
    )
    if blockers:
        them = "the blocker" if blockers == 1 else "the blockers"
        return f"{title}: {counts} — fix {them} before going on"
    if warnings:
        them = "it" if warnings == 1 else "them"
        return f"{title} passed with {counts} — read {them} before going on"
    return f"{title} passed"


def _plural(count: int, word: str) -> str | None:
    if count == 0:
        return None
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
