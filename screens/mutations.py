"""The worker groups that change something outside the wizard, and what to ask before quitting
while one runs. Kept apart from the step modules so the App can know them without importing
those (they load after the first paint)."""

from __future__ import annotations

from dataclasses import dataclass

DOWN_GROUP = "gate-down"  # Compose down, one container at a time
SECRET_WRITE_GROUP = "secrets-write"  # the keyring save, the Secret preview and write


@dataclass(frozen=True)
class QuitQuestion:
    question: str
    lines: tuple[str, ...]


QUIT_QUESTIONS = {
    DOWN_GROUP: QuitQuestion(
        "Compose down is running. Quit anyway?",
        (
            "Quitting stops down after the container it is handling now.",
            "What was done is recorded in .cutover/state.json; "
            "the next down picks up where it stopped.",
        ),
    ),
    SECRET_WRITE_GROUP: QuitQuestion(
        "A Secret or keyring write is running. Quit anyway?",
        (
            "It is one request: it may or may not have reached the cluster or the keyring.",
            "Next time, the Secrets step reads both again and shows which keys are there.",
        ),
    ),
}
