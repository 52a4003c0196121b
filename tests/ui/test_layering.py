"""The layers point one way: screens import wizard, never the other way round."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import wizard


def test_wizard_never_imports_screens() -> None:
    modules = [m.name for m in pkgutil.walk_packages(wizard.__path__, "wizard.")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'screens')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"wizard imported screens: {result.stdout}"
