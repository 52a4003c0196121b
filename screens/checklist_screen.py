"""The checklist screen: sidebar of steps, the current step's body, its help, and the keys.

Steps are bodies in one ContentSwitcher rather than one Screen each, on purpose: the sidebar, the
header and the help panel are shared by every step and stay put, and a step keeps its results
(and its running workers) when the operator looks at another step and comes back. A step that
needs its own stack later (a confirmation) pushes a ModalScreen on top of this one.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from typing import ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import ContentSwitcher, DataTable, Footer, Input, Static

from screens import keys, paging
from screens.commands import GoToStepProvider
from screens.header import CutoverHeader
from screens.help_panel import StepHelp
from screens.messages import StepChosen, StepStateChanged
from screens.note_line import tell
from screens.preflight import PreflightBody
from screens.resume_text import greeting_for
from screens.sidebar import ChecklistSidebar
from screens.step_body import StepBody
from screens.unsaved import keep_step
from wizard.config import CutoverConfig
from wizard.gateways import Gateways
from wizard.state.progress import SavedPlace
from wizard.steps import CHECKLIST, Step

BodyFactory = Callable[[Step, CutoverConfig, Gateways], StepBody]
Bodies = Mapping[str, BodyFactory]
FIRST_FRAME_S = 0.1  # after the first refresh: the driver has written the frame by then

# Each step's body, as "module:factory" so that only the open step's module is imported before
# the first paint. A step of wizard.steps.CHECKLIST without an entry here is a bug (KeyError).
BODIES: dict[str, BodyFactory | str] = {
    "preflight": PreflightBody,
    "secrets": "screens.secrets:secrets_body",
    "volumes": "screens.volumes:VolumesBody",
    "mapping": "screens.mapping:MappingBody",
    "health": "screens.health:HealthBody",
    "data": "screens.data:DataBody",
    "traffic": "screens.traffic:TrafficBody",
    "gate": "screens.gate:gate_body",
}


def body_factory(step_id: str) -> BodyFactory:
    factory = BODIES[step_id]
    if isinstance(factory, str):
        module, _, name = factory.partition(":")
        factory = cast(BodyFactory, getattr(importlib.import_module(module), name))
    return factory


def _has_child(switcher: ContentSwitcher, child_id: str) -> bool:
    return any(child.id == child_id for child in switcher.children)


class ChecklistScreen(Screen[None]):
    """The wizard. Read-only is fixed here, at construction, from `config.read_only`."""

    COMMANDS = {GoToStepProvider}
    # Below 70 columns the sidebar folds away (s brings it back); the title still says "Step N of M".
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-normal"), (140, "-wide")]

    # Every key from the scheme (screens/keys.py), in the footer's order: the open step's own
    # keys first (bound here, acted on by its body: see action_body), then every step's.
    BINDINGS: ClassVar[list[BindingType]] = [
        *(keys.body_binding(key) for key in keys.STEP_KEYS if key is not keys.PROBLEMS),
        # Two bindings on one key, one hidden at a time, so the footer names what p does now.
        keys.body_binding(keys.PROBLEMS, True, description="Problems"),
        keys.body_binding(keys.PROBLEMS, False, description="All rows"),
        keys.body_binding(keys.LEAVE),  # the gate's name field: esc gives the letters back
        keys.RERUN.binding(),
        # After a fix made outside (kubectl apply), every step's state in the checklist is old.
        keys.RERUN_ALL.binding(),
        *keys.NEXT.bindings(),
        *keys.BACK.bindings(),
        *keys.PAGE_DOWN.bindings(),
        *keys.PAGE_UP.bindings(),
        *keys.TOP.bindings(),
        *keys.BOTTOM.bindings(),
        *keys.NEXT_PANE.bindings(),
        *keys.PREVIOUS_PANE.bindings(),
        # Each its own binding, so the footer says F1 where an entry field takes "?" as text.
        *keys.HELP.bindings(),
        # Shown where the checklist is folded away (narrow); the sidebar's last line says it.
        keys.SIDEBAR.binding(action="toggle_sidebar(True)"),
        keys.SIDEBAR.binding(action="toggle_sidebar(False)", show=False),
        *(
            Binding(str(n), f"go({n - 1})", f"Step {n}", show=False)
            for n in range(1, len(CHECKLIST) + 1)
        ),
    ]

    step_index: reactive[int] = reactive(0, init=False)
    show_help: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        config: CutoverConfig,
        gateways: Gateways,
        start_step: str | None = None,
        bodies: Bodies | None = None,
    ) -> None:
        """Opens at `start_step`, else where the operator was last time (state.json). `bodies`
        replaces the body of some steps (tests hand in a body built with their own seams)."""
        super().__init__()
        self.config = config
        self.gateways = gateways
        self.bodies: Bodies = bodies or {}
        self.steps = CHECKLIST
        self._focus_before_help: Widget | None = None
        self.all_steps_mounted = False  # tests wait on this before waiting on the workers
        self.has_bodies = False  # composed and not emptied: see check_action
        self.first_frame = threading.Event()  # the App's background work waits for it
        self.place = SavedPlace(config)
        self.resumed = self.place.load() if start_step is None else None
        start = start_step or (self.resumed.step if self.resumed else self.steps[0].id)
        self.set_reactive(ChecklistScreen.step_index, self._index_of(start))

    @property
    def step(self) -> Step:
        return self.steps[self.step_index]

    def compose(self) -> ComposeResult:
        yield CutoverHeader(self.config)
        if self.config.read_only_reason:
            # What to ask for is on Preflight's access findings; this line says why, briefly.
            why = f"Read-only because {self.config.read_only_reason}."
            yield Static(why, id="read-only-why", markup=False)
        with Horizontal(id="main"):
            yield ChecklistSidebar(self.steps)
            with Vertical(id="step-column"):
                yield Static(id="step-title", markup=False)
                yield StepHelp(id="help")
                with ContentSwitcher(initial=self.step.id, id="bodies"):
                    # Only the open step before the first paint: styling ~100 widgets of six
                    # bodies cost ~0.4 s. The rest follow right after (_mount_other_steps).
                    first = self._body(self.step)
                    first.defer_start = True
                    yield first
        yield Footer()

    async def _after_first_frame(self) -> None:
        """The open step's checks, then every other step's body, hidden; they start their checks
        in the background, so the sidebar fills in and a step is ready when it is opened."""
        self.first_frame.set()
        for body in self.query(StepBody):
            if body.defer_start:
                body.start(now=True)
        await self._mount_other_steps()

    async def _mount_other_steps(self) -> None:
        switcher = self.query_one("#bodies", ContentSwitcher)
        mounts = [self._ensure_body(switcher, step) for step in self.steps]
        for mounted in mounts:
            if mounted is not None:
                await mounted  # their on_mount has run: their workers exist from here on
        self.all_steps_mounted = True

    def _ensure_body(self, switcher: ContentSwitcher, step: Step) -> AwaitMount | None:
        if _has_child(switcher, step.id):
            return None
        body = self._body(step)
        body.display = step.id == switcher.current
        return switcher.mount(body)

    def _body(self, step: Step) -> StepBody:
        factory = self.bodies.get(step.id) or body_factory(step.id)
        return factory(step, self.config, self.gateways)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A screen is current as soon as it is pushed and composed a moment later, so a key can
        # reach the read-only twin before it has bodies (the view-only walk crashed once in 20
        # with NoMatches('#bodies') from `go`), and the emptied wizard beneath it has none any
        # more. Every action here acts on the bodies: none runs without them. The App's own
        # (quit) are not the screen's, so they still work.
        if not self.has_bodies:
            return False
        if action == "body":
            return self._body_can(str(parameters[0]), parameters[1:])
        if action in ("page", "edge"):
            return self._findings_keys_act(action)
        if action == "toggle_sidebar" and parameters[0]:
            # The shown binding only while the checklist is folded away; else the hidden one
            # (the checklist's own last line says "s hides it").
            return not self.query_one(ChecklistSidebar).display
        return super().check_action(action, parameters)

    # --- the step's own keys, and the findings keys ----------------------------------------------

    def _open_body(self) -> StepBody | None:
        return self.query(f"#{self.step.id}").first(StepBody) if self.has_bodies else None

    def _body_can(self, name: str, parameters: tuple[object, ...]) -> bool | None:
        """A step's own key acts when the open step has that action and says it may now."""
        body = self._open_body()
        if body is None or not callable(getattr(body, f"action_{name}", None)):
            return False
        return body.check_action(name, parameters)

    async def action_body(self, name: str, *parameters: object) -> None:
        """Hand a step's own key to the open step's body, wherever the focus is (the checklist
        on the left too: tab lands there)."""
        body = self._open_body()
        if body is not None:
            args = ", ".join(repr(p) for p in parameters)
            await body.run_action(f"{name}({args})")

    def _findings_keys_act(self, action: str) -> bool:
        """PgDn/PgUp/Home/End read the open step's findings whatever has the focus, except in
        the help (they scroll it) and Home/End in a text field (they move its cursor)."""
        if self.query_one(StepHelp).has_focus:
            return False
        if action == "edge" and isinstance(self.focused, Input):
            return False
        body = self._open_body()
        return body is not None and bool(body.findings_panes())

    def _panes(self) -> list[Widget]:
        """The open step's findings panes, after the table the operator is in, if any (the
        Mapping services list: End reaches its last row, the findings about no one service)."""
        body = self._open_body()
        if body is None:
            return []
        panes = body.findings_panes()
        focused = self.focused
        if isinstance(focused, DataTable) and body in focused.ancestors and focused not in panes:
            panes.insert(0, focused)
        return panes

    def action_page(self, direction: int) -> None:
        """A page further through the findings: the first pane (in reading order; the last
        for PgUp) that can still move that way, so PgDn pressed again and again reads the
        list, then the selected row's detail, to the end."""
        panes = self._panes()
        for pane in panes if direction > 0 else reversed(panes):
            if paging.can_move(pane, direction):
                paging.page(pane, direction)
                return
        self.app.bell()

    def action_edge(self, end: bool) -> None:
        """Every findings pane to its end (or start): the last row, then its whole detail."""
        panes = self._panes()
        if panes:
            paging.edge(panes[0], end)
            for pane in panes[1:]:
                # After the row's detail has been filled in for the row the first one landed on.
                self.call_after_refresh(paging.edge, pane, end)

    async def retire(self) -> None:
        """Empty this wizard for good (the read-only switch, once its twin is up): its bodies
        unmount, which stops their workers and closes their watches; no action runs here again."""
        self.has_bodies = False
        await self.remove_children()

    def on_mount(self) -> None:
        self.has_bodies = True  # compose has run (Textual dispatches Compose before Mount)
        self._show_step()
        self._default_focus().focus()
        # The first frame is computed at the next refresh but written by the driver's thread a
        # little later; starting the checks' threads before it is out delayed it by ~0.3 s.
        self.call_after_refresh(lambda: self.set_timer(FIRST_FRAME_S, self._after_first_frame))
        # After the first refresh: a note said while the screen is being pushed is lost.
        self.call_after_refresh(self._greet)

    def _greet(self) -> None:
        """Say why the wizard did not open at the first step, or why it could not resume, and
        whether a down already ran here (screens.resume_text), in the open step's note line."""
        body = self._open_body()
        if body is None:
            return
        if self.place.problem:
            tell(body, self.place.problem, "warning")
            return
        resumed = self.resumed is not None and self.step_index > 0
        step = f"step {self.step_index + 1}, {self.step.title}" if resumed else None
        text, severity = greeting_for(
            self.config, step=step, saved=self.resumed.saved if self.resumed is not None else ""
        )
        if text:
            tell(body, text, severity)  # type: ignore[arg-type]

    def _default_focus(self) -> Widget:
        # The body, so the arrows scroll what the step found; tab reaches the checklist.
        body = self.query_one(f"#{self.step.id}", StepBody)
        scrollers = body.query(".body-scroll")
        return scrollers.first() if scrollers else body

    # --- navigation ---------------------------------------------------------------------------

    def _index_of(self, step_id: str) -> int:
        return next((i for i, step in enumerate(self.steps) if step.id == step_id), 0)

    def go_to_step(self, step_id: str) -> None:
        self.step_index = self._index_of(step_id)

    def action_go(self, index: int) -> None:
        if 0 <= index < len(self.steps):
            self.step_index = index

    def action_next(self) -> None:
        if self.step_index + 1 < len(self.steps):
            self.step_index += 1
        else:
            self.app.bell()

    def action_back(self) -> None:
        if self.step_index > 0:
            self.step_index -= 1
        else:
            self.app.bell()

    def action_rerun(self) -> None:
        self.query_one(f"#{self.step.id}", StepBody).rerun()

    def action_rerun_all(self) -> None:
        bodies = list(self.query(StepBody))
        for body in bodies:
            body.rerun()
        # The sidebar's states change one by one, if at all: say that it started.
        open_step = self.query_one(f"#{self.step.id}", StepBody)
        tell(open_step, f"Checking all {len(bodies)} steps again.")

    def action_toggle_sidebar(self, _shown_in_footer: bool = False) -> None:
        self.query_one(ChecklistSidebar).toggle_class("-toggled")

    def action_toggle_help(self) -> None:
        self.show_help = not self.show_help

    def validate_step_index(self, index: int) -> int:
        # Leaving a step that holds typed values nothing else has asks first (screens.unsaved).
        go = lambda: setattr(self, "step_index", index)  # noqa: E731
        if self.is_mounted and index != self.step_index and keep_step(self, self.step.id, go):
            return self.step_index
        return index

    def watch_step_index(self) -> None:
        self._show_step()
        if self.place.save(self.step.id) is False:
            self.notify(self.place.problem, severity="warning", timeout=10)

    def watch_show_help(self, show: bool) -> None:
        # Below the wide breakpoint the help takes the body's place (see cutover.tcss).
        self.query_one("#step-column").set_class(show, "-help-open")
        self._show_title()
        help_panel = self.query_one(StepHelp)
        if show:
            # Focus the help so the arrows scroll it; n/b/1-6 still move between steps. Its keys
            # are those of where the focus goes back to when it closes.
            self._focus_before_help = self.focused
            help_panel.show_keys(self.focused or self._default_focus())
            help_panel.focus()
        elif help_panel.has_focus:
            # Not back into a step the operator has since left (it is hidden): this step's.
            places = (
                self.query_one(f"#{self.step.id}", StepBody),
                self.query_one(ChecklistSidebar),
            )
            before = self._focus_before_help
            if before is None or not any(a in places for a in before.ancestors_with_self):
                before = self._default_focus()
            before.focus()

    def _show_step(self) -> None:
        step = self.step
        switcher = self.query_one("#bodies", ContentSwitcher)
        self._ensure_body(switcher, step)  # a key pressed before the others were mounted
        switcher.current = step.id
        if not self.query_one(ChecklistSidebar).has_focus_within and not self.show_help:
            self.call_after_refresh(self._focus_open_step)
        self._show_title()
        self.query_one(StepHelp).show_step(step)
        self.query_one(ChecklistSidebar).set_current(step.id)

    def _focus_open_step(self) -> None:
        # Runs after a refresh, by which time the step itself may have moved focus on purpose
        # (the gate to its next button): only a focus left outside the open step is moved.
        body = self.query_one(f"#{self.step.id}", StepBody)
        focused = self.focused
        shown = focused is not None and all(
            node.display for node in focused.ancestors_with_self if isinstance(node, Widget)
        )
        if not (body.has_focus_within and shown):  # nor on a part the step has since hidden
            self._default_focus().focus()

    def _show_title(self) -> None:
        step = self.step
        title = f"Step {self.step_index + 1} of {len(self.steps)} · {step.title}"
        if self.show_help:
            title += " · help, ? closes it"
        self.query_one("#step-title", Static).update(title)

    # --- what the bodies and the sidebar report -----------------------------------------------

    @on(StepChosen)
    def _step_chosen(self, message: StepChosen) -> None:
        self.go_to_step(message.step_id)

    @on(StepStateChanged)
    def _step_state_changed(self, message: StepStateChanged) -> None:
        self.query_one(ChecklistSidebar).set_state(message.step_id, message.state)
