"""CutoverApp: wiring only. Gateways come in through the constructor, built by wizard.gateways.factory."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

import assets
from screens import keys
from screens.checklist_screen import Bodies, ChecklistScreen
from screens.confirm import ConfirmScreen
from screens.header import CutoverHeader
from screens.mutations import QUIT_QUESTIONS
from screens.unsaved import ask_before_quitting
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gateways import Gateways
from wizard.gateways.factory import build_gateways
from wizard.gateways.protocols import Cluster
from wizard.model import ClusterIdentity

CSS_FILE = Path(assets.__file__).parent / "cutover.tcss"
GatewaysFor = Callable[[CutoverConfig], Gateways]
FIRST_FRAME_WAIT_S = 2.0


# inherit_bindings=False: not Textual's App bindings too, whose ^q would come first and make the
# footer say ^q where q works. Its ^c hint ("press q to quit") is kept below.
class CutoverApp(App[None], inherit_bindings=False):
    """The wizard over one Compose project and one cluster target."""

    CSS_PATH = CSS_FILE
    TITLE = "cutover"
    BINDINGS: ClassVar[list[BindingType]] = [
        keys.QUIT.binding(key="q"),
        # Shown where a text field takes q; a priority, as Textual's own, so a dialog has it too.
        keys.QUIT.binding(key="ctrl+q", priority=True),
        Binding("ctrl+c", "help_quit", show=False, system=True),
    ]

    def __init__(
        self,
        config: CutoverConfig,
        gateways: Gateways,
        gateways_for: GatewaysFor = build_gateways,
        bodies: Bodies | None = None,
    ) -> None:
        """`gateways_for` builds the read-only gateways when the identity turns out unable to
        write (tests pass one that builds their own kind of gateways); `bodies` replaces the body
        of some steps, in the wizard and in its read-only twin (tests: their own seams)."""
        # NO_COLOR: Textual's default turns colours into greys (still colour codes); with
        # ansi_color it strips them. Glyphs, words, bold and reverse carry every state.
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        self.config = config
        self.gateways = gateways
        self.gateways_for = gateways_for
        self.bodies = bodies
        self.sub_title = f"{config.project_name}{' (demo)' if config.demo else ''}"

    def get_key_display(self, binding: Binding) -> str:
        # One spelling for every key, in the footer and the help: ⇧→ (never shift+→), ^q, PgDn.
        return binding.key_display or keys.key_display(binding.key)

    def get_default_screen(self) -> Screen[None]:
        # The default screen, not one pushed over Textual's blank one: that cost ~0.1 s of the
        # first paint (a second screen to style, lay out and resume).
        return ChecklistScreen(self.config, self.gateways, bodies=self.bodies)

    def on_mount(self) -> None:
        self._learn_identity()

    # --- who and where, once the cluster gateway is built ---------------------------------------

    @work(thread=True, exit_on_error=False, group="identity")
    def _learn_identity(self) -> None:
        """Right after the first paint: the context and namespace the kubeconfig resolves to, for
        the header; then, unless read-only already, whether this identity may write at all.
        An identity that may make none of the wizard's writes gets the read-only wizard, and a
        line saying why, rather than entry fields and buttons that can only fail."""
        screen = self.screen
        if isinstance(screen, ChecklistScreen):
            screen.first_frame.wait(FIRST_FRAME_WAIT_S)  # not while it is being drawn
        try:
            cluster = self.gateways.cluster()
            self.call_from_thread(self._show_identity, cluster.identity)
            reason = "" if self.config.read_only else _why_read_only(cluster)
        except CutoverError:
            return  # unreachable, no kubeconfig...: Preflight says so, with the fix
        if reason:
            self.call_from_thread(
                lambda: self.run_worker(self._switch_to_read_only(reason, cluster.identity))
            )

    def _show_identity(self, identity: ClusterIdentity) -> None:
        for header in self.screen.query(CutoverHeader):
            header.show_identity(identity)

    async def _switch_to_read_only(self, reason: str, identity: ClusterIdentity) -> None:
        current = self.screen
        if not isinstance(current, ChecklistScreen):
            # A dialog or the command palette is open: switch once it is answered.
            self.set_timer(
                0.5, lambda: self.run_worker(self._switch_to_read_only(reason, identity))
            )
            return
        # The context and namespace pinned to those the kubeconfig resolved to, so the header
        # names them and the new gateways cannot resolve differently.
        config = replace(
            self.config,
            read_only=True,
            read_only_reason=reason,
            kube_context=identity.context,
            namespace=identity.namespace,
        )
        step = current.step.id
        # Why a pushed twin and not Textual's MODES (issue 12 suggested them): modes keep stacks
        # side by side to switch between, and this switch is one way (the writable wizard must
        # never come back). A mode is also current before its screen is composed, so the guard
        # in ChecklistScreen.check_action would still be needed; the default screen cannot be
        # a removable mode (Textual 8's remove_mode refuses "_default"), so the wizard would have
        # to become a named mode and the first paint, measured on the default screen (README,
        # issue 7), be measured again. Emptying the old wizard (retire) stops its workers and
        # watches, which is what modes would have bought.
        self.config, self.gateways = config, self.gateways_for(config)
        twin = ChecklistScreen(config, self.gateways, start_step=step, bodies=self.bodies)
        await self.push_screen(twin)
        # The default screen cannot be switched away, so the old wizard stays beneath, emptied:
        # its bodies unmount, which stops their workers and closes their watches.
        await current.retire()

    # --- quitting -------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit, but ask first while something outside is being changed (down, a Secret write):
        quitting then stops it partway, and the question says what that leaves."""
        running = [w.group for w in self.workers if w.group in QUIT_QUESTIONS and w.is_running]
        if not running:
            if ask_before_quitting(self):  # typed secret values nothing else has (screens.unsaved)
                return
            await super().action_quit()
            return
        if isinstance(self.screen, ConfirmScreen):
            return
        ask = QUIT_QUESTIONS[running[0]]

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmScreen(ask.question, ask.lines), answered)


def _why_read_only(cluster: Cluster) -> str:
    from wizard.preflight import why_read_only  # not before the first paint

    return why_read_only(cluster)
