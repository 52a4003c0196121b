"""Gateway API HTTPRoutes (gateway.networking.k8s.io/v1, also v1beta1): which Services they send
HTTP to, for which hostnames and paths, through which Gateways; and those Gateways' addresses.

Only what says "this Service's port is reachable from outside" is kept: the hostnames, each rule's
paths and its Service backends (`kind: Service`, the default; another kind or another namespace
than the route's is not a Service of the target), and the parent Gateways (with the listener
`sectionName` when one is named, where TLS is decided). A Gateway's `status.addresses` is where
its routes' hostnames must resolve, as an Ingress's `status.loadBalancer.ingress` is for its
hosts: the Traffic step compares the names with it. Malformed fields read as absent, as in
wizard.target.parse; this module imports nothing of the target model, which holds these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GROUP = "gateway.networking.k8s.io"
VERSIONS = (f"{GROUP}/v1", f"{GROUP}/v1beta1")


@dataclass(frozen=True)
class RouteBackend:
    service: str
    port: int | None  # required by the API for a Service backend; None when left out


@dataclass(frozen=True)
class RouteRule:
    paths: tuple[str, ...]  # each match's path value ("/" when the rule matches everything)
    backends: tuple[RouteBackend, ...]


@dataclass(frozen=True)
class GatewayRef:
    """A parentRef that is a Gateway (the default kind; a mesh route's Service parent is not)."""

    namespace: str  # the route's own when the parentRef names none
    name: str

    @property
    def text(self) -> str:
        """`infra/public`, as kubectl's `-n infra gateway/public` names it."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class RouteGateway:
    """A Gateway that routes name, as read live: `addresses` are its status.addresses (empty
    until a Gateway controller has programmed it); `found` is False when it does not exist."""

    namespace: str
    name: str
    addresses: tuple[str, ...] = ()
    found: bool = True

    @property
    def ref(self) -> GatewayRef:
        return GatewayRef(self.namespace, self.name)


@dataclass(frozen=True)
class HttpRoute:
    name: str
    hostnames: tuple[str, ...] = ()  # empty: every hostname its Gateway listener accepts
    rules: tuple[RouteRule, ...] = ()
    gateways: tuple[str, ...] = ()  # parentRefs: `gateway` or `gateway/listener`, `ns/gateway`
    parents: tuple[GatewayRef, ...] = ()  # the parentRefs that are Gateways, each once


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _port(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _backend(raw: Mapping[str, Any], namespace: str) -> RouteBackend | None:
    """A backendRef that is a Service of the route's own namespace, else None."""
    if str(raw.get("group") or "") not in ("", "core") or str(raw.get("kind") or "Service") != (
        "Service"
    ):
        return None
    if str(raw.get("namespace") or namespace) != namespace:
        return None  # another namespace's Service (a ReferenceGrant): not one of the target's
    name = str(raw.get("name") or "")
    return RouteBackend(name, _port(raw.get("port"))) if name else None


def _parent(raw: Mapping[str, Any], namespace: str) -> str:
    name = str(raw.get("name") or "")
    where = str(raw.get("namespace") or "")
    section = str(raw.get("sectionName") or "")
    text = f"{where}/{name}" if where and where != namespace else name
    return f"{text} (listener {section})" if section else text


def _gateway_ref(raw: Mapping[str, Any], namespace: str) -> GatewayRef | None:
    """The Gateway a parentRef names, else None (another kind of parent, or no name)."""
    if str(raw.get("group") or GROUP) != GROUP or str(raw.get("kind") or "Gateway") != "Gateway":
        return None
    name = str(raw.get("name") or "")
    return GatewayRef(str(raw.get("namespace") or namespace), name) if name else None


def gateway_addresses(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """A Gateway's status.addresses values (IPs or host names), each once, in its order."""
    status = _map(obj.get("status"))
    values = (str(_map(a).get("value") or "") for a in _list(status.get("addresses")))
    return tuple(dict.fromkeys(v for v in values if v))


def http_route(obj: Mapping[str, Any], namespace: str = "") -> HttpRoute:
    """An HTTPRoute as listed or written in a manifest (v1 and v1beta1 have the same shape);
    `namespace` is the target's, for a manifest that does not say its own."""
    meta = _map(obj.get("metadata"))
    spec = _map(obj.get("spec"))
    namespace = str(meta.get("namespace") or namespace)
    rules: list[RouteRule] = []
    for rule in map(_map, _list(spec.get("rules"))):
        paths = tuple(
            str(_map(_map(m).get("path")).get("value") or "/") for m in _list(rule.get("matches"))
        )
        backends = tuple(
            b
            for raw in _list(rule.get("backendRefs"))
            if (b := _backend(_map(raw), namespace)) is not None
        )
        rules.append(RouteRule(paths or ("/",), backends))
    return HttpRoute(
        name=str(meta.get("name") or ""),
        hostnames=tuple(str(h) for h in _list(spec.get("hostnames"))),
        rules=tuple(rules),
        gateways=tuple(
            g for raw in _list(spec.get("parentRefs")) if (g := _parent(_map(raw), namespace))
        ),
        parents=tuple(
            dict.fromkeys(
                ref
                for raw in _list(spec.get("parentRefs"))
                if (ref := _gateway_ref(_map(raw), namespace)) is not None
            )
        ),
    )
