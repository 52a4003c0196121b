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
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import ContentSwitcher, Footer, Static

from screens.commands import GoToStepProvider
from screens.header import CutoverHeader
from screens.help_panel import StepHelp
from screens.messages import StepChosen, StepStateChanged
from screens.preflight import PreflightBody
from screens.sidebar import ChecklistSidebar
from screens.step_body import StepBody
from wizard.config import CutoverConfig
from wizard.gateways import Gateways
from wizard.state.progress import SavedPlace, when_shown
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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,right", "next", "Next"),
        Binding("b,left", "back", "Back"),
        Binding("r", "rerun", "Re-run"),
        # After a fix made outside (kubectl apply), every step's state in the checklist is old.
        Binding("R", "rerun_all", "Re-run every step", show=False),
        Binding("question_mark", "toggle_help", "Help", key_display="?"),
        # Its own binding, so the footer says F1 where an entry field takes "?" as text.
        Binding("f1", "toggle_help", "Help"),
        Binding("s", "toggle_sidebar", "Checklist"),
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
        return super().check_action(action, parameters)

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
        # After the first refresh: a toast raised while the screen is being pushed is lost.
        self.call_after_refresh(self._greet)

    def _greet(self) -> None:
        """Say why the wizard did not open at the first step, or why it could not resume."""
        if self.place.problem:
            self.notify(self.place.problem, severity="warning", timeout=10)
        elif self.resumed is not None and self.step_index > 0:
            self.notify(
                f"Resumed at step {self.step_index + 1}, {self.step.title}, where you were "
                f"on {when_shown(self.resumed.saved)}; acknowledgements are kept. "
                "`--fresh` starts over.",
                title="Welcome back",
                timeout=8,
            )

    async def on_key(self, event: Key) -> None:
        """A step's own key (c on Data, a on the gate) works wherever the focus is: from the
        checklist on the left too, where the operator lands after tab. The step body's bindings
        are only active while the focus is inside it, so the key is handed to it here."""
        body = self.query(f"#{self.step.id}").first(StepBody) if self.has_bodies else None
        if body is None or (self.focused is not None and body in self.focused.ancestors_with_self):
            return
        for binding in body._bindings.key_to_bindings.get(event.key, ()):
            _, action, parameters = parse_action(binding.action)
            if body.check_action(action, parameters) is not False:
                event.stop()
                await body.run_action(binding.action)
                return

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
        for body in self.query(StepBody):
            body.rerun()

    def action_toggle_help(self) -> None:
        self.show_help = not self.show_help

    def action_toggle_sidebar(self) -> None:
        self.query_one(ChecklistSidebar).toggle_class("-toggled")

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
