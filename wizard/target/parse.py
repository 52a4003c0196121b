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

from wizard.target.model import (
    Autoscaler,
    ContainerSpec,
    EnvValue,
    IngressRule,
    PodVolume,
    Probe,
    ServicePort,
    TargetClaim,
    TargetIngress,
    TargetService,
    TargetState,
    TargetWorkload,
    VolumeMountSpec,
)

# (API group, kind) pairs the model keeps; every other object is counted in `ignored_kinds`.
KNOWN: frozenset[tuple[str, str]] = frozenset(
    {
        ("apps", "Deployment"),
        ("extensions", "Deployment"),
        ("apps", "StatefulSet"),
        ("", "Service"),
        ("networking.k8s.io", "Ingress"),
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
_VOLUME_KINDS = {
    "persistentVolumeClaim": "claimName",
    "configMap": "name",
    "secret": "secretName",
    "emptyDir": "",
    "hostPath": "path",
}
# KEDA's documented defaults for a ScaledObject that leaves them out.
KEDA_MIN_REPLICAS = 0
KEDA_MAX_REPLICAS = 100


def api_group(api_version: object) -> str:
    """`apps/v1` -> `apps`; `v1` -> `` (the core group)."""
    text = str(api_version or "")
    return text.rpartition("/")[0] if "/" in text else ""


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _strs(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in _list(value))


def _str_map(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in _map(value).items()}


def _int(value: object, default: int | None = None) -> int | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def _name(obj: Mapping[str, Any]) -> str:
    return str(_map(obj.get("metadata")).get("name") or "")


# --- pods ----------------------------------------------------------------------------------------


def env_value(entry: Mapping[str, Any]) -> EnvValue:
    source = _map(entry.get("valueFrom"))
    if secret := _map(source.get("secretKeyRef")):
        return EnvValue(secret=(str(secret.get("name") or ""), str(secret.get("key") or "")))
    if config := _map(source.get("configMapKeyRef")):
        return EnvValue(config_map=(str(config.get("name") or ""), str(config.get("key") or "")))
    if ref := _map(source.get("fieldRef")):
        return EnvValue(field_ref=str(ref.get("fieldPath") or ""))
    if ref := _map(source.get("resourceFieldRef")):
        return EnvValue(field_ref=f"resource:{ref.get('resource') or ''}")
    # The API server drops an empty value: absent and "" are the same.
    value = entry.get("value")
    return EnvValue(value="" if value is None else str(value))


def probe(spec: object) -> Probe | None:
    raw = _map(spec)
    if not raw:
        return None
    if action := _map(raw.get("exec")):
        kind, detail = "exec", " ".join(_strs(action.get("command")))
    elif action := _map(raw.get("httpGet")):
        kind, detail = "httpGet", f"{action.get('path') or ''}:{action.get('port') or ''}"
    elif action := _map(raw.get("tcpSocket")):
        kind, detail = "tcpSocket", str(action.get("port") or "")
    elif action := _map(raw.get("grpc")):
        kind, detail = "grpc", str(action.get("port") or "")
    else:
        kind, detail = "other", ""
    # The API server's defaults, so a probe read back equals the one written.
    return Probe(
        kind=kind,
        detail=detail,
        period_s=_int(raw.get("periodSeconds"), 10),
        timeout_s=_int(raw.get("timeoutSeconds"), 1),
        failure_threshold=_int(raw.get("failureThreshold"), 3),
        initial_delay_s=_int(raw.get("initialDelaySeconds"), 0),
    )


def container(spec: Mapping[str, Any]) -> ContainerSpec:
    env: dict[str, EnvValue] = {}
    for entry in _list(spec.get("env")):
        entry = _map(entry)
        if name := str(entry.get("name") or ""):
            env[name] = env_value(entry)
    env_from: list[tuple[str, str]] = []
    for source in _list(spec.get("envFrom")):
        source = _map(source)
        if ref := _map(source.get("configMapRef")):
            env_from.append(("ConfigMap", str(ref.get("name") or "")))
        elif ref := _map(source.get("secretRef")):
            env_from.append(("Secret", str(ref.get("name") or "")))
    ports = tuple(
        (number, str(_map(p).get("protocol") or "TCP"))
        for p in _list(spec.get("ports"))
        if (number := _int(_map(p).get("containerPort"))) is not None
    )
    mounts = tuple(
        VolumeMountSpec(
            volume=str(m.get("name") or ""),
            path=str(m.get("mountPath") or ""),
            read_only=bool(m.get("readOnly")),
            sub_path=str(m.get("subPath") or ""),
        )
        for m in map(_map, _list(spec.get("volumeMounts")))
    )
    resources = _map(spec.get("resources"))
    command = spec.get("command")
    args = spec.get("args")
    return ContainerSpec(
        name=str(spec.get("name") or ""),
        image=str(spec.get("image") or ""),
        command=_strs(command) if isinstance(command, list) else None,
        args=_strs(args) if isinstance(args, list) else None,
        env=env,
        env_from=tuple(env_from),
        ports=ports,
        mounts=mounts,
        readiness=probe(spec.get("readinessProbe")),
        liveness=probe(spec.get("livenessProbe")),
        startup=probe(spec.get("startupProbe")),
        requests=_str_map(resources.get("requests")),
        limits=_str_map(resources.get("limits")),
    )


def pod_volume(spec: Mapping[str, Any]) -> PodVolume:
    name = str(spec.get("name") or "")
    for kind, ref_key in _VOLUME_KINDS.items():
        if kind in spec:
            source = _map(spec.get(kind))
            return PodVolume(name, kind, str(source.get(ref_key) or "") if ref_key else "")
    other = next((key for key in spec if key != "name"), "")
    if not other:  # a volume with no source is an emptyDir, as the API server defaults it
        return PodVolume(name, "emptyDir", "")
    return PodVolume(name, "other", str(other))


# --- kinds ---------------------------------------------------------------------------------------


def workload(obj: Mapping[str, Any]) -> TargetWorkload:
    meta = _map(obj.get("metadata"))
    spec = _map(obj.get("spec"))
    template = _map(spec.get("template"))
    pod = _map(template.get("spec"))
    kind = str(obj.get("kind") or "")
    templates = (
        tuple(claim(_map(t)) for t in _list(spec.get("volumeClaimTemplates")))
        if kind == "StatefulSet"
        else ()
    )
    return TargetWorkload(
        kind=kind,
        name=str(meta.get("name") or ""),
        labels=_str_map(meta.get("labels")),
        pod_labels=_str_map(_map(template.get("metadata")).get("labels")),
        replicas=_int(spec.get("replicas"), 1),
        containers=tuple(container(_map(c)) for c in _list(pod.get("containers"))),
        init_containers=tuple(container(_map(c)) for c in _list(pod.get("initContainers"))),
        volumes=tuple(pod_volume(_map(v)) for v in _list(pod.get("volumes"))),
        claim_templates=tuple(c.name for c in templates),
        claim_template_specs=templates,
        termination_grace_s=_int(pod.get("terminationGracePeriodSeconds"), 30) or 0,
    )


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
    )


def claim(obj: Mapping[str, Any]) -> TargetClaim:
    spec = _map(obj.get("spec"))
    requests = _map(_map(spec.get("resources")).get("requests"))
    return TargetClaim(
        name=_name(obj),
        access_modes=_strs(spec.get("accessModes")),
        storage_class=str(spec.get("storageClassName") or ""),
        requested=str(requests.get("storage") or ""),
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
        self._claims: dict[str, TargetClaim] = {}
        self._config_maps: dict[str, tuple[str, ...]] = {}
        # ConfigMap values are configuration, not secrets: the env diff compares them. A secret
        # pasted into a ConfigMap by mistake is masked by wizard.mapping.redact all the same.
        self._config_map_values: dict[str, dict[str, str]] = {}
        self._secrets: dict[str, tuple[str, ...]] = {}
        self._autoscalers: dict[tuple[str, str], Autoscaler] = {}
        self._origins: dict[str, str] = {}
        self.ignored: dict[str, int] = {}

    def ignore(self, kind: str) -> None:
        self.ignored[kind] = self.ignored.get(kind, 0) + 1

    def add(self, obj: Mapping[str, Any], origin: str = "") -> bool:
        """Take one object; False (and counted in `ignored`) when the model has no place for it."""
        kind = str(obj.get("kind") or "")
        name = _name(obj)
        if (api_group(obj.get("apiVersion")), kind) not in KNOWN or not name:
            self.ignore(kind or "(not a Kubernetes object)")
            return False
        if kind in ("Deployment", "StatefulSet"):
            self._workloads[(kind, name)] = workload(obj)
        elif kind == "Service":
            self._services[name] = service(obj)
        elif kind == "Ingress":
            self._ingresses[name] = ingress(obj)
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
            claims=tuple(v for _, v in sorted(self._claims.items())),
            config_maps=dict(sorted(self._config_maps.items())),
            config_map_values=dict(sorted(self._config_map_values.items())),
            secrets=dict(sorted(self._secrets.items())),
            autoscalers=tuple(v for _, v in sorted(self._autoscalers.items())),
            ignored_kinds=dict(sorted(self.ignored.items())),
            origins=dict(self._origins),
            **extra,
        )
