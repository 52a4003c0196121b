"""Shared by every test layer: the fixtures over the real services live in tests/support."""

pytest_plugins = ["tests.support.fixtures"]


from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def settled_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo cluster starts where its simulation ends, every time frozen: deterministic.
    (The screens' clock is frozen by constructor: tests/ui/conftest.py settled_live_bodies.)"""
    monkeypatch.setenv("CUTOVER_DEMO_SETTLED", "1")


@pytest.fixture(autouse=True)
def demo_state_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Each test's demo keeps its progress in a folder of its own, never in the user's home, and
    never sees another test's."""
    folder = tmp_path_factory.mktemp("demo-state")
    monkeypatch.setenv("CUTOVER_DEMO_STATE_DIR", str(folder))
    return folder
