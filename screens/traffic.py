"""The Traffic step: the check in one worker (names, smoke requests and drain run in parallel
inside it), its findings in four groups: what exposes each published port, where the names
point, the smoke answers side by side, and whether Compose has gone quiet."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from screens.preflight import FindingRow, summary_text
from screens.step_body import StepBody, StepSummary
from screens.step_state import StepState
from wizard.checks import Finding, worst
from wizard.steps import StepStatus, run_step

# Group title -> does a finding's check belong to it; in reading order.
GROUPS: tuple[tuple[str, str], ...] = (
    ("Exposure: what replaces each published port", "exposure"),
    ("Names: where the site's hosts point (and their TTL)", "names"),
    ("Smoke: the same request to Compose and to Kubernetes", "smoke"),
    ("Drain: whether Compose still receives traffic", "drain"),
)


def group_of(finding: Finding) -> str:
    check = finding.check
    if check.startswith(("traffic.name:", "traffic.ttl:")):
        return "names"
    if check.endswith(".smoke"):
        return "smoke"
    if check.startswith("traffic.drain:"):
        return "drain"
    return "exposure"


def traffic_summary(findings: Sequence[Finding]) -> str:
    """The Preflight-style verdict line, with the step's own name."""
    return summary_text(findings).replace("Preflight", "Traffic", 1)


class TrafficBody(StepBody):
    """Runs the Traffic check on mount and on `r`; a summary line and the four groups."""

    CRASH = ("the Traffic check stopped unexpectedly ({kind}).", "")

    def compose(self) -> ComposeResult:
        yield StepSummary(id="traffic-summary")
        with VerticalScroll(id="traffic-findings", classes="body-scroll"):
            yield Static(
                "… checking exposure, names, smoke requests and drain (about 2 s)",
                id="traffic-waiting",
                classes="checking",
                markup=False,
            )

    def on_mount(self) -> None:
        self.start()

    def rerun(self) -> None:
        self.new_run()
        self.query_one("#traffic-summary", StepSummary).show(
            StepState.RUNNING, "… Traffic: checking"
        )
        self.set_state(StepState.RUNNING)
        self.run_work(lambda: run_step(self.step, self.config, self.gateways), "check")

    def work_done(self, part: str, value: StepStatus) -> None:
        self._show(list(value.findings))

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        self._show([finding])

    def _show(self, findings: list[Finding]) -> None:
        pane = self.query_one("#traffic-findings", VerticalScroll)
        pane.remove_children()
        groups = []
        for title, key in GROUPS:
            rows = [f for f in findings if group_of(f) == key]
            if rows:
                group = Vertical(classes="check-group")
                groups.append((group, title, rows))
        pane.mount_all(group for group, _, _ in groups)
        for group, title, rows in groups:
            group.mount(Static(title, classes="check-title", markup=False))
            group.mount_all(FindingRow(f) for f in rows)
        state = StepState.from_severity(worst(findings))
        self.query_one("#traffic-summary", StepSummary).show(
            state, f"{state.glyph} {traffic_summary(findings)}"
        )
        self.set_state(state)
