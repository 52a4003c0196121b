"""`cutover demo`: the wizard on the bundled Email-RAG sample, with nothing real touched.

Simulated gateways, implementing the same protocols as the real ones, answer from the files
in assets/demo: the Compose file for the Docker host, the k8s/ manifests for the cluster, and
an in-memory keyring. Screens cannot tell the difference, which is the point. The demo imports
nothing of `wizard.gateways`: the factory (`wizard.gateways.factory.demo_gateways`) builds it.
"""

from __future__ import annotations

from wizard.demo.cluster import DemoCluster
from wizard.demo.dockerhost import DemoComposeHost
from wizard.demo.vault import DemoVault

__all__ = ["DemoCluster", "DemoComposeHost", "DemoVault"]
