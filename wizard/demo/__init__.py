"""`cutover demo`: the wizard on the bundled Email-RAG sample, with nothing real touched.

Simulated gateways, implementing the same protocols as the real ones, answer from the files
in assets/demo: the Compose file for the Docker host, the k8s/ manifests for the cluster, and
an in-memory keyring. Screens cannot tell the difference, which is the point.
"""

from __future__ import annotations

from wizard.config import CutoverConfig
from wizard.demo.cluster import DemoCluster
from wizard.demo.dockerhost import DemoComposeHost
from wizard.demo.vault import DemoVault
from wizard.factory import Gateways

__all__ = ["DemoCluster", "DemoComposeHost", "DemoVault", "demo_gateways"]


def demo_gateways(config: CutoverConfig) -> Gateways:
    """The demo's cluster, Docker host and keyring, each built on first use like the real ones."""
    return Gateways(
        cluster=lambda: DemoCluster(config),
        compose_host=lambda: DemoComposeHost(config),
        vault=DemoVault,
    )
