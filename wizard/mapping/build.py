"""Put the mapping diff together from the real sources: Compose files, cluster and/or manifests.

This is the one entry point the Mapping screen, `cutover plan` and `cutover status` call.
"""

from __future__ import annotations

from wizard.config import CutoverConfig
from wizard.factory import Gateways
from wizard.mapping.model import Plan


def build_plan(config: CutoverConfig, gateways: Gateways) -> Plan:
    """Load the Compose project, read the target, match and diff. Blocking I/O.

    Raises a CutoverError (with message and fix) when a source cannot be read at all.
    """
    raise NotImplementedError("wired up when the loaders land")  # pragma: no cover
