"""Label selectors for the demo cluster: they live in `wizard.selector`, shared with the
manifests loader (wizard.target.manifests)."""

from __future__ import annotations

from wizard.selector import Labels, parse_selector

__all__ = ["Labels", "parse_selector"]
