"""One place that builds the gateways, used by the CLI, the App and the tests alike.

Gateways are built lazily, on first use, in whatever thread asks: importing the kubernetes
client costs ~0.3 s, and that must not delay the first paint. A gateway that cannot be built
(no kubeconfig, bad DOCKER_HOST) raises its GatewayError at that first use, where a check turns
it into a finding.
"""

from __future__ import annotations

from wizard.config import CutoverConfig
from wizard.gateways.lazy import IMPORT_LOCK, Gateways
from wizard.gateways.protocols import Cluster, ComposeHost, Vault


def build_gateways(config: CutoverConfig, one_shot: bool = False) -> Gateways:
    """Real gateways for `config`, or the demo's simulated ones when `config.demo` is set.

    `one_shot`: for a report that reads once and exits (`cutover status`): a cluster found
    unreachable stays so for the run, so the later checks answer at once instead of each
    waiting out its own timeout (wizard.gateways.kube.cluster)."""
    if config.demo:
        return demo_gateways(config)

    def cluster() -> Cluster:
        with IMPORT_LOCK:
            from wizard.gateways.kube.cluster import connect_cluster

        return connect_cluster(
            kubeconfig=config.kubeconfig,
            context=config.kube_context,
            namespace=config.namespace,
            read_only=config.read_only,
            remember_unreachable=one_shot,
        )

    def compose_host() -> ComposeHost:
        with IMPORT_LOCK:
            from wizard.gateways.dockerhost import connect_compose_host

        return connect_compose_host(config.docker_host, read_only=config.read_only)

    def vault() -> Vault:
        with IMPORT_LOCK:
            from wizard.gateways.vault import OsKeyring

        return OsKeyring()

    return Gateways(cluster, compose_host, vault)


def demo_gateways(config: CutoverConfig) -> Gateways:
    """The demo's cluster, Docker host and keyring, each built on first use like the real ones."""
    from wizard.demo import DemoCluster, DemoComposeHost, DemoVault
    from wizard.demo.resolver import DemoResolver

    return Gateways(
        cluster=lambda: DemoCluster(config),
        compose_host=lambda: DemoComposeHost(config),
        vault=DemoVault,
        resolver=lambda: DemoResolver(config),
    )
