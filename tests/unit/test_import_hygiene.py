"""The core never imports Textual: it must run headless (`cutover status`) and stay testable."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import wizard


def test_wizard_never_imports_textual() -> None:
    modules = [m.name for m in pkgutil.walk_packages(wizard.__path__, "wizard.")]
    assert "wizard.preflight" in modules  # the walk really found the core
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"wizard imported textual: {result.stdout}"


def test_cli_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from wizard.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(','.join(m for m in ('textual', 'kubernetes', 'docker') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
