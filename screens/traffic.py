"""The Traffic step: the check in one worker (names, smoke requests and drain run in parallel
inside it), its findings in four groups: what exposes each published port, where the names
point, the smoke answers side by side, and whether Compose has gone quiet. Beneath them, while
the step is mounted, the live drain: each site-facing container's receive rate, second by
second, from one engine stats stream per container (no Kubernetes request)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.preflight import CheckGroup, summary_text
from screens.step_body import StepBody, StepSummary
from screens.step_state import StepState
from wizard.checks import Finding, Severity, worst
from wizard.config import CutoverConfig
from wizard.gateways import Gateways
from wizard.steps import Step, StepStatus, run_step
from wizard.traffic.drain import bytes_text
from wizard.traffic.live import LiveDrain

DRAIN_CHECK = "traffic.drain:"
LIVE_PAINT_S = 1.0
FRESH_S = 2.0  # a result younger than this is shown as it is when the step opens  # the engine sends one sample a second: painting faster shows nothing new


PROBLEMS_FIRST = {Severity.BLOCK: 0, Severity.WARN: 1}  # then the rest, in the check's order


@dataclass(frozen=True)
class TrafficGroup:
    id: str
    title: str


# In reading order; `group_of` says which a finding belongs to.
GROUPS: tuple[TrafficGroup, ...] = (
    TrafficGroup("traffic-exposure", "Exposure: what replaces each published port"),
    TrafficGroup("traffic-names", "Names: where the site's hosts point (and their TTL)"),
    TrafficGroup("traffic-smoke", "Smoke: the same request to Compose and to Kubernetes"),
    TrafficGroup("traffic-drain", "Drain: whether Compose still receives traffic"),
)


def group_of(finding: Finding) -> str:
    check = finding.check
    if check.startswith(("traffic.name:", "traffic.ttl:")):
        return "traffic-names"
    if check.endswith(".smoke"):
        return "traffic-smoke"
    if check.startswith(DRAIN_CHECK):
        return "traffic-drain"
    return "traffic-exposure"


def rows_of(group: str, findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """The group's findings, problems first (the groups keep their reading order): at 80x24 a
    blocker is not pushed below the fold by the ok rows above it."""
    mine = (f for f in findings if group_of(f) == group)
    return tuple(sorted(mine, key=lambda f: PROBLEMS_FIRST.get(f.severity, 2)))


def drained_containers(findings: Sequence[Finding]) -> list[str]:
    """The containers the check measured (its drain findings name them), to follow live."""
    return [f.check.removeprefix(DRAIN_CHECK) for f in findings if f.check.startswith(DRAIN_CHECK)]


def live_text(live: LiveDrain, quiet_below: float) -> str:
    lines = [
        f"Live drain, one engine stats stream per container (quiet below "
        f"{bytes_text(quiet_below)}/s; r checks everything again):"
    ]
    rates = {r.container: r for r in live.latest()}
    for name in live.containers:
        measured = rates.get(name)
        if measured is None:
            lines.append(f"  {name}: … first second")
        elif measured.error:
            lines.append(f"  {measured.text}")
        else:
            word = "busy" if measured.busy(quiet_below) else "quiet"
            lines.append(f"  {measured.text}: {word}")
    return "\n".join(lines)


class TrafficBody(StepBody):
    """Runs the Traffic check on mount and on `r`; a summary line, the four groups, the live
    drain line."""

    CRASH = ("the Traffic check stopped unexpectedly ({kind}).", "")

    live: LiveDrain | None = None

    def __init__(
        self, step: Step, config: CutoverConfig, gateways: Gateways, follow_live: bool = True
    ) -> None:
        """`follow_live=False`: no live drain line (a snapshot's seam: the line's figures move
        every second)."""
        super().__init__(step, config, gateways)
        self.follow_live = follow_live
        self._checked_at: float | None = None  # monotonic, when the latest result came
        self._drained: list[str] = []  # the containers the latest check measured

    def compose(self) -> ComposeResult:
        yield StepSummary(id="traffic-summary")
        with VerticalScroll(id="traffic-findings", classes="body-scroll"):
            for group in GROUPS:
                yield CheckGroup(group)
            yield Static("", id="traffic-live", classes="detail", markup=False)

    def on_mount(self) -> None:
        self.query_one("#traffic-live").display = False
        self.set_interval(LIVE_PAINT_S, self._paint_live)
        self.start()

    def on_show(self) -> None:
        # What Traffic checks moves on its own (pods turn ready, a record changes, clients go
        # quiet), and its body ran its check at start-up, hidden: a result from before the
        # operator opened the step is checked again (one opened right after its run is not).
        if self._checked_at is not None and time.monotonic() - self._checked_at > FRESH_S:
            self.rerun()
        elif self.live is None:
            self._start_live()

    def on_hide(self) -> None:
        # The streams stay open only while the operator looks at them: one per container
        # for the whole session would cost the engine for nothing.
        self._stop_live()

    def on_unmount(self) -> None:
        # Only the streams: the line itself is already gone with the children.
        if self.live is not None:
            self.live.stop()

    @property
    def findings(self) -> list[Finding]:
        return [f for g in self.query(CheckGroup) for f in (g.findings or ())]

    def rerun(self) -> None:
        self.new_run()
        self._stop_live()
        for group in self.query(CheckGroup):
            group.findings = None
        self.query_one("#traffic-summary", StepSummary).show(
            StepState.RUNNING, "… Traffic: checking exposure, names, smoke requests and drain"
        )
        self.set_state(StepState.RUNNING)
        self.run_work(lambda: run_step(self.step, self.config, self.gateways), "check")

    def work_done(self, part: str, value: StepStatus) -> None:
        self._show(list(value.findings))
        self._drained = drained_containers(value.findings)
        if self.display:  # the open step (the others start theirs when opened)
            self._start_live()

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        self._show([finding])

    def _show(self, findings: list[Finding]) -> None:
        self._checked_at = time.monotonic()
        for group in self.query(CheckGroup):
            rows = rows_of(group.check.id, findings)
            group.findings = rows
            # A group with nothing to say is left out (no published port: only Exposure).
            group.display = bool(rows)
        state = StepState.from_severity(worst(findings))
        self.query_one("#traffic-summary", StepSummary).show(
            state, f"{state.glyph} {summary_text(findings, 'Traffic')}"
        )
        self.set_state(state)

    # --- the live drain -------------------------------------------------------------------------

    def _start_live(self) -> None:
        if not self._drained or not self.follow_live:
            return
        self.live = LiveDrain(self.gateways.compose_host(), self._drained)
        self.live.start()
        self._paint_live()

    def _stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()
        self.live = None
        self.query_one("#traffic-live").display = False

    def _paint_live(self) -> None:
        line = self.query_one("#traffic-live", Static)
        if self.live is None:
            return
        line.display = True
        line.update(live_text(self.live, self.config.quiet_below))
