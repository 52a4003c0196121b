"""What reopening says (screens.resume_text): the place resumed, what the demo replayed and where
it keeps it, and that down already ran, by whom, with the rollback (issue 15, item 7)."""

from __future__ import annotations

from screens.resume_text import DEMO_KEYRING, down_line, greeting, kept_line
from wizard.demo.world import AppliedSecret, Kept
from wizard.model import SecretKeys
from wizard.state.down_record import parse_down

DONE = {
    "project": "email-rag",
    "status": "done",
    "finished": "2026-12-03T21:00:00+00:00",
    "gate": {"os_user": "ops"},
    "done": [{"action": "remove", "name": "email-rag-web-1"}],
}
ROLLBACK = "docker compose -f compose.yaml -p email-rag up -d"
SECRET = AppliedSecret(
    SecretKeys("email-rag-secrets", "email-rag", {"a": "0" * 64, "b": "1" * 64}, {}), "t", "ops"
)


def test_after_a_finished_down_it_says_so_first_when_who_and_how_to_roll_back() -> None:
    text, severity = greeting(
        demo=False,
        project="email-rag",
        step="step 8, Gate",
        saved="2026-12-03T21:01:00+00:00",
        down=DONE,
        rollback=ROLLBACK,
    )
    assert text == (
        "Down already ran: email-rag was taken down 2026-12-03 21:00 UTC by ops (volumes kept). "
        f"Roll back: {ROLLBACK} Resumed at step 8, Gate, where you were on 2026-12-03 21:01 UTC; "
        "acknowledgements are kept. `--fresh` starts over."
    )
    assert severity == "warning"  # stays on screen until the next note: not to be missed


def test_the_demo_rolls_back_with_fresh_and_says_it_once() -> None:
    text, severity = greeting(
        demo=True,
        project="email-rag",
        step="step 8, Gate",
        saved="2026-12-03T21:01:00+00:00",
        down=DONE,
        rollback=ROLLBACK,  # the demo's Compose is simulated: docker compose cannot reach it
        kept=Kept(secrets=(SECRET,), down=parse_down(DONE, "email-rag")),
        fresh="cutover demo --fixed --fresh",
    )
    assert text.startswith("Down already ran: email-rag was taken down 2026-12-03 21:00 UTC")
    assert "Roll back: cutover demo --fixed --fresh (the demo's Compose is simulated;" in text
    assert ROLLBACK not in text and text.count("--fresh") == 1
    assert text.endswith(
        f"Kept from before: Secret email-rag-secrets applied (2 keys; {DEMO_KEYRING})."
    )
    assert severity == "warning"


def test_the_demo_says_what_it_kept() -> None:
    text, severity = greeting(
        demo=True,
        project="email-rag",
        step=None,
        saved="",
        down=None,
        kept=Kept(secrets=(SECRET,), copies=2),
        fresh="cutover demo --fresh",
    )
    assert text == (
        f"Kept from before: Secret email-rag-secrets applied (2 keys; {DEMO_KEYRING}), "
        "2 volumes copied."
    )
    assert severity == "information"
    assert kept_line(Kept(copies=1)) == "Kept from before: 1 volume copied."
    assert kept_line(Kept()) == kept_line(None) == ""


def test_a_real_project_says_no_word_of_a_demo() -> None:
    text, severity = greeting(
        demo=False,
        project="shop",
        step="step 3, Volumes",
        saved="2026-12-03T21:01:00+00:00",
        down={"project": "shop", "status": "failed"},
        kept=Kept(secrets=(SECRET,)),  # ignored outside the demo
    )
    assert "interrupted" in text and "`--fresh` starts over." in text
    assert "demo" not in text and "Kept" not in text and severity == "warning"
    assert greeting(demo=True, project="shop", step=None, saved="", down=None) == ("", "")


def test_down_line_ignores_another_project_and_odd_records() -> None:
    assert down_line({"project": "other", "status": "done"}, "shop") == ""
    assert down_line(["not", "a", "dict"], "shop") == ""
    assert down_line({"project": "shop", "status": "running?"}, "shop") == ""
    said = down_line({"project": "shop", "status": "done", "finished": "?"}, "shop")
    assert said == "Down already ran: shop was taken down in an earlier run (volumes kept)."
