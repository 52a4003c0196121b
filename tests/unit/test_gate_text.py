"""The Gate step's words (screens.gate_text), without an App: the down preview over the demo's
engine, and down's progress lines."""

from __future__ import annotations

from screens.gate_text import preview_lines, progress_line
from wizard.config import Flags, resolve_config
from wizard.demo import DemoComposeHost
from wizard.gate import DownProgress, DownStep, preview_down


def test_the_preview_says_what_goes_and_what_stays() -> None:
    config = resolve_config(Flags(demo=True))
    lines = preview_lines(preview_down(DemoComposeHost(config), config.project_name))
    assert lines[0] == "Removes 6 container(s) (stopped first):"
    assert "  email-rag-postgres-1  (postgres, running)" in lines
    assert "One-off containers (docker compose run): none" in lines
    assert any(line.startswith("Keeps every named volume (5), the rollback") for line in lines)
    assert "  email-rag_postgres_data" in lines
    assert lines[-1] == "The same as, for the record: docker compose -p email-rag down"


def test_progress_lines() -> None:
    stop = DownStep("stop", "email-rag-backend-1", "backend", 10)
    assert progress_line(DownProgress(stop, 2, 9, "started")) == (
        "[2/9] … stop email-rag-backend-1 (grace 10 s)"
    )
    network = DownStep("remove-network", "email-rag_default")
    assert progress_line(DownProgress(network, 9, 9, "gone")) == (
        "[9/9] ✔ remove network email-rag_default (already done)"
    )
    assert progress_line(DownProgress(network, 9, 9, "failed")).startswith("[9/9] ✖ ")
