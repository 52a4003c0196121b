"""CutoverApp: wiring only. Gateways come in through the constructor, built by wizard.factory."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

import assets
from screens.checklist_screen import ChecklistScreen
from screens.confirm import ConfirmScreen
from screens.gate import DOWN_GROUP, QUIT_LINES, QUIT_QUESTION
from wizard.config import CutoverConfig
from wizard.factory import Gateways

CSS_FILE = Path(assets.__file__).parent / "cutover.tcss"


class CutoverApp(App[None]):
    """The wizard over one Compose project and one cluster target."""

    CSS_PATH = CSS_FILE
    TITLE = "cutover"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(self, config: CutoverConfig, gateways: Gateways) -> None:
        super().__init__()
        self.config = config
        self.gateways = gateways
        self.sub_title = f"{config.project_name}{' (demo)' if config.demo else ''}"

    def get_default_screen(self) -> Screen[None]:
        return ChecklistScreen(self.config, self.gateways)

    async def action_quit(self) -> None:
        """Quit, but ask first while Compose down runs (the exit then stops it between two
        containers, and the record says where)."""
        if not any(w.group == DOWN_GROUP and w.is_running for w in self.workers):
            await super().action_quit()
            return
        if isinstance(self.screen, ConfirmScreen):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmScreen(QUIT_QUESTION, QUIT_LINES), answered)
