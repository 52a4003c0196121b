"""The `cutover` command: outside the core, the one place that imports both `wizard` (the core)
and `screens` (the UI). `cutover.cli:main` is the console script; `python -m cutover` runs it."""
