"""Shared by every test layer: the fixtures over the real services live in tests/support."""

pytest_plugins = ["tests.support.fixtures"]
