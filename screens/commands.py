"""Command palette: one "Go to step: X" command per checklist step."""

from __future__ import annotations

from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from wizard.steps import CHECKLIST


@runtime_checkable
class StepNavigator(Protocol):
    """A screen that can open a step (the checklist screen)."""

    def go_to_step(self, step_id: str) -> None: ...


class GoToStepProvider(Provider):
    """Offers every step."""

    def _commands(self) -> list[tuple[str, str, str]]:
        total = len(CHECKLIST)
        return [
            (
                f"Go to step: {step.title}",
                step.id,
                f"Step {n} of {total}",
            )
            for n, step in enumerate(CHECKLIST, start=1)
        ]

    async def discover(self) -> Hits:
        screen = self.screen
        if not isinstance(screen, StepNavigator):
            return
        for text, step_id, help_text in self._commands():
            yield DiscoveryHit(text, partial(screen.go_to_step, step_id), help=help_text)

    async def search(self, query: str) -> Hits:
        screen = self.screen
        if not isinstance(screen, StepNavigator):
            return
        matcher = self.matcher(query)
        for text, step_id, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(screen.go_to_step, step_id),
                    text=text,
                    help=help_text,
                )
