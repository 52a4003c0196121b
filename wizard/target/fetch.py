"""The target as the live cluster has it: one raw-JSON list call per kind, label-selected by the
API server, for the real Cluster gateway (`KubeCluster.read_target`).

Versioned APIs are discovered once per gateway, preferred version first: a 404 on a group
version moves on to the next (HPAs: autoscaling/v2, then v2beta2, then v1). KEDA ScaledObjects
are read only when the keda.sh API exists; when it does not, they are skipped silently; so are
Gateway API HTTPRoutes (v1, then v1beta1). The Gateways the routes name are then read one by one,
by name, in their own namespaces (often not the target's; and not label-selected: a platform
team's objects), for the addresses their hostnames must resolve to.
Pods and Jobs are read for the bare ones only (a Compose service can become one); those a
controller owns are dropped page by page, as they arrive. A kind
this identity may not list (403; Secrets under the `view` role) is reported in
`TargetState.unreadable` instead of failing the read, except the workloads themselves.
Secrets are cut down to their key names right after the answer is decoded, before anything
else sees them (a `last-applied-configuration` annotation would hold the values, too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from wizard.errors import Forbidden, NotFound
from wizard.model import Operation
from wizard.target.fields import controller_of
from wizard.target.model import TargetState
from wizard.target.parse import TargetBuilder
from wizard.target.routes import VERSIONS as ROUTE_VERSIONS
from wizard.target.routes import GatewayRef, RouteGateway, gateway_addresses

# GET path + query -> the answer's JSON; raises the gateway's translated errors.
GetJson = Callable[[Operation, str, list[tuple[str, str]]], dict[str, Any]]
PAGE_SIZE = 500


@dataclass(frozen=True)
class Kind:
    kind: str
    plural: str
    versions: tuple[str, ...]  # group versions, preferred first
    resource: str = ""  # as kubectl names it in messages, when not the plural (CRDs)
    required: bool = False  # 403 fails the whole read instead of marking the kind unreadable

    @property
    def discovered(self) -> bool:
        """Whether which version (if any) the server serves must be asked first."""
        return len(self.versions) > 1 or "." in self.versions[0].partition("/")[0]


KINDS: tuple[Kind, ...] = (
    Kind("Deployment", "deployments", ("apps/v1",), required=True),
    Kind("StatefulSet", "statefulsets", ("apps/v1",), required=True),
    # Compose services also become these; a 403 on one is named in `unreadable`, not fatal.
    Kind("DaemonSet", "daemonsets", ("apps/v1",)),
    Kind("ReplicationController", "replicationcontrollers", ("v1",)),
    Kind("CronJob", "cronjobs", ("batch/v1", "batch/v1beta1")),
    Kind("Job", "jobs", ("batch/v1",)),
    Kind("Pod", "pods", ("v1",)),
    Kind("Service", "services", ("v1",)),
    Kind(
        "Ingress",
        "ingresses",
        ("networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"),
    ),
    Kind("PersistentVolumeClaim", "persistentvolumeclaims", ("v1",)),
    Kind("ConfigMap", "configmaps", ("v1",)),
    Kind("Secret", "secrets", ("v1",)),
    Kind(
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        ("autoscaling/v2", "autoscaling/v2beta2", "autoscaling/v1"),
    ),
    Kind("ScaledObject", "scaledobjects", ("keda.sh/v1alpha1",), "scaledobjects.keda.sh"),
    # Gateway API: a cluster without its CRDs answers 404 on the group, read as no routes.
    Kind("HTTPRoute", "httproutes", ROUTE_VERSIONS, "httproutes.gateway.networking.k8s.io"),
)
# Read by name for the routes that name them (TargetReader.gateways), never listed.
GATEWAYS = Kind("Gateway", "gateways", ROUTE_VERSIONS, "gateways.gateway.networking.k8s.io")


def _api_root(group_version: str) -> str:
    return f"/api/{group_version}" if "/" not in group_version else f"/apis/{group_version}"


class TargetReader:
    """Reads the target of one namespace through `get`; remembers which API versions exist."""

    def __init__(self, get: GetJson, namespace: str) -> None:
        self._get = get
        self._namespace = namespace
        self._versions: dict[str, str | None] = {}  # kind -> group version served (None: none)

    def read(self, selector: str = "") -> TargetState:
        builder = TargetBuilder(self._namespace)
        unreadable: list[str] = []
        for kind in KINDS:
            try:
                version = self.version(kind)
                items = [] if version is None else self._list(kind, version, selector)
            except Forbidden:
                if kind.required:
                    raise
                unreadable.append(kind.kind)
                continue
            for item in items:
                builder.add(item)
        state = builder.build(
            sources=("cluster",),
            selector=selector,
            secrets_readable="Secret" not in unreadable,
            unreadable=tuple(unreadable),
            keda_installed=self._versions.get("ScaledObject") is not None,
            autoscaling_version=self._versions.get("HorizontalPodAutoscaler") or "",
        )
        refs = list(dict.fromkeys(ref for route in state.routes for ref in route.parents))
        if not refs:
            return state
        gateways, forbidden = self.gateways(refs)
        return replace(
            state,
            gateways=gateways,
            unreadable=state.unreadable + (("Gateway",) if forbidden else ()),
        )

    def gateways(self, refs: list[GatewayRef]) -> tuple[tuple[RouteGateway, ...], bool]:
        """The Gateways `refs` name, each read by name: (those read, whether any was refused
        (403)). One that does not exist is read as `found=False`; none at all when the server
        does not serve Gateways (a 404 on the group)."""
        try:
            version = self.version(GATEWAYS)
        except Forbidden:
            return (), True
        if version is None:
            return (), False
        found: list[RouteGateway] = []
        forbidden = False
        for ref in refs:
            path = (
                f"{_api_root(version)}/namespaces/{quote(ref.namespace, safe='')}/"
                f"{GATEWAYS.plural}/{quote(ref.name, safe='')}"
            )
            try:
                gateway = self._get(Operation("get", GATEWAYS.resource, ref.name), path, [])
            except NotFound:
                found.append(RouteGateway(ref.namespace, ref.name, found=False))
            except Forbidden:
                forbidden = True  # another team's namespace, say: named in `unreadable`
            else:
                found.append(RouteGateway(ref.namespace, ref.name, gateway_addresses(gateway)))
        return tuple(found), forbidden

    def version(self, kind: Kind) -> str | None:
        """The group version the server serves `kind` in; discovery is asked once per kind."""
        if not kind.discovered:
            return kind.versions[0]
        if kind.kind not in self._versions:
            self._versions[kind.kind] = next(
                (v for v in kind.versions if self._serves(v, kind)), None
            )
        return self._versions[kind.kind]

    def _serves(self, group_version: str, kind: Kind) -> bool:
        op = Operation("get", f"discovery of {group_version}", namespaced=False)
        try:
            answer = self._get(op, _api_root(group_version), [])
        except NotFound:
            return False
        resources = answer.get("resources") or []
        return any(isinstance(r, dict) and r.get("name") == kind.plural for r in resources)

    def _list(self, kind: Kind, version: str, selector: str) -> list[dict[str, Any]]:
        path = f"{_api_root(version)}/namespaces/{quote(self._namespace, safe='')}/{kind.plural}"
        op = Operation("list", kind.resource or kind.plural, sensitive=kind.kind == "Secret")
        items: list[dict[str, Any]] = []
        token = ""
        while True:
            query = [("limit", str(PAGE_SIZE))]
            if selector:
                query.append(("labelSelector", selector))
            if token:
                query.append(("continue", token))
            try:
                page = self._get(op, path, query)
            except NotFound:  # the API went away since discovery (a CRD deleted)
                return []
            for item in page.get("items") or []:
                if not isinstance(item, dict):
                    continue
                # Items of a built-in list carry no kind/apiVersion of their own.
                item.setdefault("kind", kind.kind)
                item.setdefault("apiVersion", version)
                if kind.kind in ("Pod", "Job") and controller_of(item) is not None:
                    continue  # a Deployment's pod, a CronJob's run: not kept (5,000 pods)
                items.append(_keys_only(item) if kind.kind == "Secret" else item)
            token = str((page.get("metadata") or {}).get("continue") or "")
            del page  # a Secret list's values go with it
            if not token:
                return items


def _keys_only(secret: dict[str, Any]) -> dict[str, Any]:
    """A Secret without its values: name, labels, type and the names of its data keys."""
    meta = secret.get("metadata") or {}
    return {
        "apiVersion": secret.get("apiVersion"),
        "kind": "Secret",
        "metadata": {
            "name": meta.get("name"),
            "namespace": meta.get("namespace"),
            "labels": dict(meta.get("labels") or {}),
        },
        "type": secret.get("type"),
        "data": dict.fromkeys(secret.get("data") or {}, ""),
    }
