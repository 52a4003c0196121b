"""Shared by every test layer: the fixtures over the real services live in tests/support."""

pytest_plugins = ["tests.support.fixtures"]


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def settled_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo cluster starts where its simulation ends, every time frozen: deterministic."""
    monkeypatch.setenv("CUTOVER_DEMO_SETTLED", "1")
    monkeypatch.setattr("screens.live.now", lambda: 1_767_225_660.0)  # the settled demo's now
