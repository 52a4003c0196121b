"""Plain Kubernetes-shaped dicts (API JSON or manifest YAML) -> the target model.

One function per kind, and `TargetBuilder`, which sorts objects into a `TargetState`. What the
API server fills in when a field is left out is filled in here too (protocol TCP, targetPort =
port, replicas 1, probe timings, ...), so an object read back from the cluster equals the
manifest it was applied from. Of a Secret only the names of its keys are read, never a value.
Malformed fields never raise: a value of the wrong type reads as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.target.fields import as_int as _int
from wizard.target.fields import as_list as _list
from wizard.target.fields import as_map as _map
from wizard.target.fields import controller_of
from wizard.target.fields import name_of as _name
from wizard.target.fields import str_map as _str_map
from wizard.target.fields import strs as _strs
from wizard.target.model import (
    WORKLOAD_KINDS,
    Autoscaler,
    ElsewhereRef,
    IngressRule,
    ObjectRef,
    ServicePort,
    TargetClaim,
    TargetIngress,
    TargetService,
    TargetState,
    TargetWorkload,
)

# The workload readers live in pods.py; imported here too, where callers have always found them.
from wizard.target.pods import claim, container, env_value, pod_volume, probe, workload
from wizard.target.routes import GROUP as ROUTES_GROUP
from wizard.target.routes import HttpRoute, http_route

__all__ = ["TargetBuilder", "claim", "container", "env_value", "pod_volume", "probe", "workload"]

# (API group, kind) pairs the model keeps; every other object is counted in `ignored_kinds`.
KNOWN: frozenset[tuple[str, str]] = frozenset(
    {
        ("apps", "Deployment"),
        ("extensions", "Deployment"),
        ("apps", "StatefulSet"),
        ("apps", "DaemonSet"),
        ("extensions", "DaemonSet"),
        ("", "ReplicationController"),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("", "Pod"),
        ("", "Service"),
        ("networking.k8s.io", "Ingress"),
        (ROUTES_GROUP, "HTTPRoute"),
        ("extensions", "Ingress"),
        ("", "PersistentVolumeClaim"),
        ("", "ConfigMap"),
        ("", "Secret"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("keda.sh", "ScaledObject"),
    }
)
# Secrets that are machinery, not configuration: service account tokens, Helm release records.
MACHINERY_SECRET_TYPES = frozenset({"kubernetes.io/service-account-token", "helm.sh/release.v1"})
# KEDA's documented defaults for a ScaledObject that leaves them out.
KEDA_MIN_REPLICAS = 0
KEDA_MAX_REPLICAS = 100


def api_group(api_version: object) -> str:
    """`apps/v1` -> `apps`; `v1` -> `` (the core group)."""
    text = str(api_version or "")
    return text.rpartition("/")[0] if "/" in text else ""


# --- kinds ---------------------------------------------------------------------------------------


def service(obj: Mapping[str, Any]) -> TargetService:
    spec = _map(obj.get("spec"))
    ports = []
    for raw in map(_map, _list(spec.get("ports"))):
        port = _int(raw.get("port"))
        if port is None:
            continue
        target = raw.get("targetPort")
        ports.append(
            ServicePort(
                port=port,
                target_port=str(port if target is None or target == "" else target),
                protocol=str(raw.get("protocol") or "TCP"),
                name=str(raw.get("name") or ""),
            )
        )
    return TargetService(
        name=_name(obj),
        selector=_str_map(spec.get("selector")),
        ports=tuple(ports),
        type=str(spec.get("type") or "ClusterIP"),
        headless=spec.get("clusterIP") == "None",
    )


def _backend(raw: Mapping[str, Any]) -> tuple[str, str]:
    """(service, port) of an Ingress backend, networking.k8s.io/v1 or v1beta1 shape."""
    if svc := _map(raw.get("service")):
        port = _map(svc.get("port"))
        return str(svc.get("name") or ""), str(port.get("number") or port.get("name") or "")
    if "serviceName" in raw:
        return str(raw.get("serviceName") or ""), str(raw.get("servicePort") or "")
    if resource := _map(raw.get("resource")):
        return f"{resource.get('kind') or ''}/{resource.get('name') or ''}", ""
    return "", ""


def ingress(obj: Mapping[str, Any]) -> TargetIngress:
    meta = _map(obj.get("metadata"))
    spec = _map(obj.get("spec"))
    rules: list[IngressRule] = []
    default = _map(spec.get("defaultBackend") or spec.get("backend"))
    if default:
        rules.append(IngressRule("", "", *_backend(default)))
    for rule in map(_map, _list(spec.get("rules"))):
        host = str(rule.get("host") or "")
        for path in map(_map, _list(_map(rule.get("http")).get("paths"))):
            service_name, port = _backend(_map(path.get("backend")))
            rules.append(IngressRule(host, str(path.get("path") or ""), service_name, port))
    annotations = _map(meta.get("annotations"))
    return TargetIngress(
        name=str(meta.get("name") or ""),
        rules=tuple(rules),
        tls_hosts=tuple(h for t in _list(spec.get("tls")) for h in _strs(_map(t).get("hosts"))),
        class_name=str(
            spec.get("ingressClassName") or annotations.get("kubernetes.io/ingress.class") or ""
        ),
        addresses=tuple(
            str(a.get("ip") or a.get("hostname"))
            for a in map(
                _map, _list(_map(_map(obj.get("status")).get("loadBalancer")).get("ingress"))
            )
            if a.get("ip") or a.get("hostname")
        ),
        tls=tuple(
            (str(_map(t).get("secretName") or ""), tuple(_strs(_map(t).get("hosts"))))
            for t in _list(spec.get("tls"))
        ),
    )


def autoscaler(obj: Mapping[str, Any]) -> Autoscaler:
    spec = _map(obj.get("spec"))
    target = _map(spec.get("scaleTargetRef"))
    if obj.get("kind") == "ScaledObject":
        return Autoscaler(
            kind="ScaledObject",
            name=_name(obj),
            target_kind=str(target.get("kind") or "Deployment"),
            target_name=str(target.get("name") or ""),
            min_replicas=_int(spec.get("minReplicaCount"), KEDA_MIN_REPLICAS),
            max_replicas=_int(spec.get("maxReplicaCount"), KEDA_MAX_REPLICAS),
        )
    return Autoscaler(
        kind="HorizontalPodAutoscaler",
        name=_name(obj),
        target_kind=str(target.get("kind") or ""),
        target_name=str(target.get("name") or ""),
        min_replicas=_int(spec.get("minReplicas"), 1),
        max_replicas=_int(spec.get("maxReplicas")),
    )


def key_names(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys of a Secret or ConfigMap (data, stringData, binaryData), sorted. Never values."""
    keys = {
        str(key) for part in ("data", "stringData", "binaryData") for key in _map(obj.get(part))
    }
    return tuple(sorted(keys))


# --- a whole target --------------------------------------------------------------------------------


class TargetBuilder:
    """Collects objects of one namespace into a TargetState; a later object of the same kind and
    name replaces an earlier one, as a later `kubectl apply` would."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._workloads: dict[tuple[str, str], TargetWorkload] = {}
        self._services: dict[str, TargetService] = {}
        self._ingresses: dict[str, TargetIngress] = {}
        self._routes: dict[str, HttpRoute] = {}
        self._claims: dict[str, TargetClaim] = {}
        self._config_maps: dict[str, tuple[str, ...]] = {}
        # ConfigMap values are configuration, not secrets: the env diff compares them. A secret
        # pasted into a ConfigMap by mistake is masked by wizard.mapping.redact all the same.
        self._config_map_values: dict[str, dict[str, str]] = {}
        self._secrets: dict[str, tuple[str, ...]] = {}
        self._autoscalers: dict[tuple[str, str], Autoscaler] = {}
        self._origins: dict[str, str] = {}
        self.ignored: dict[str, int] = {}
        self._ignored_refs: set[ObjectRef] = set()
        self._elsewhere: set[ElsewhereRef] = set()

    def ignore(self, kind: str, name: str = "") -> None:
        self.ignored[kind] = self.ignored.get(kind, 0) + 1
        if name:
            self._ignored_refs.add(ObjectRef(kind, name))

    def elsewhere(self, obj: Mapping[str, Any], namespace: str) -> None:
        """Note an object of another namespace: not compared, but named in the findings."""
        kind = str(obj.get("kind") or "")
        if kind and (name := _name(obj)):
            self._elsewhere.add(ElsewhereRef(namespace, kind, name))

    def add(self, obj: Mapping[str, Any], origin: str = "") -> bool:
        """Take one object; False (and counted in `ignored`) when the model has no place for it."""
        kind = str(obj.get("kind") or "")
        name = _name(obj)
        if (api_group(obj.get("apiVersion")), kind) not in KNOWN or not name:
            self.ignore(kind or "(not a Kubernetes object)", name)
            return False
        if kind in WORKLOAD_KINDS:
            owner = controller_of(obj)
            if kind in ("Pod", "Job") and owner is not None:
                # A pod of a ReplicaSet, a run of a CronJob: its controller is the workload.
                self.ignore(f"{kind} (of a {owner[0]})")
                return False
            self._workloads[(kind, name)] = workload(obj)
        elif kind == "Service":
            self._services[name] = service(obj)
        elif kind == "Ingress":
            self._ingresses[name] = ingress(obj)
        elif kind == "HTTPRoute":
            self._routes[name] = http_route(obj, self.namespace)
        elif kind == "PersistentVolumeClaim":
            self._claims[name] = claim(obj)
        elif kind == "ConfigMap":
            self._config_maps[name] = key_names(obj)
            data = obj.get("data") or {}
            self._config_map_values[name] = {str(k): str(v) for k, v in data.items()}
        elif kind == "Secret":
            secret_type = str(obj.get("type") or "Opaque")
            if secret_type in MACHINERY_SECRET_TYPES:
                self.ignore(f"Secret ({secret_type})")
                return False
            self._secrets[name] = key_names(obj)
        else:
            self._autoscalers[(kind, name)] = autoscaler(obj)
        if origin:
            self._origins[f"{kind}/{name}"] = origin
        return True

    def build(self, **extra: Any) -> TargetState:
        """The TargetState, every list in the API server's order (kind, then name)."""
        return TargetState(
            namespace=self.namespace,
            workloads=tuple(v for _, v in sorted(self._workloads.items())),
            services=tuple(v for _, v in sorted(self._services.items())),
            ingresses=tuple(v for _, v in sorted(self._ingresses.items())),
            routes=tuple(v for _, v in sorted(self._routes.items())),
            claims=tuple(v for _, v in sorted(self._claims.items())),
            config_maps=dict(sorted(self._config_maps.items())),
            config_map_values=dict(sorted(self._config_map_values.items())),
            secrets=dict(sorted(self._secrets.items())),
            autoscalers=tuple(v for _, v in sorted(self._autoscalers.items())),
            ignored_kinds=dict(sorted(self.ignored.items())),
            ignored=tuple(sorted(self._ignored_refs, key=lambda r: (r.kind, r.name))),
            elsewhere=tuple(sorted(self._elsewhere, key=lambda r: (r.namespace, r.kind, r.name))),
            origins=dict(self._origins),
            **extra,
        )
