"""The top line: the tool, DEMO/READ-ONLY markers, and which project and cluster this is."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from wizard.config import CutoverConfig
from wizard.model import ClusterIdentity


class CutoverHeader(Horizontal):
    """Markers come right after the tool's name so a narrow terminal never cuts them off."""

    def __init__(self, config: CutoverConfig) -> None:
        super().__init__(id="header")
        self.config = config

    def compose(self) -> ComposeResult:
        yield Label("cutover", id="header-tool")
        if self.config.demo:
            # The fixed sample says so: its gate opens, the planted one's does not.
            marker = "DEMO, FIXED" if self.config.demo_fixed else "DEMO"
            yield Label(marker, id="header-demo", classes="marker")
        if self.config.read_only:
            yield Label("READ-ONLY", id="header-read-only", classes="marker")
        yield Label(where(self.config), id="header-where", markup=False)

    def show_identity(self, identity: ClusterIdentity) -> None:
        """Once the cluster gateway is built: the context and namespace it actually uses, where
        the config only said 'current kube context'."""
        config = replace(self.config, kube_context=identity.context, namespace=identity.namespace)
        self.query_one("#header-where", Label).update(where(config))


def where(config: CutoverConfig) -> str:
    """'project email-rag → context demo, ns email-rag', with kubectl's defaults spelled out."""
    context = f"context {config.kube_context}" if config.kube_context else "current kube context"
    namespace = f"ns {config.namespace}" if config.namespace else "its default ns"
    return f"project {config.project_name} → {context}, {namespace}"
