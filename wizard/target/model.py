"""The Kubernetes target as the wizard sees it: what a Compose project became.

Built from plain Kubernetes-shaped dicts (API JSON or manifest YAML: the same shape), so the live
cluster and a manifests folder give the same model. Secrets appear as key names only.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EnvValue:
    """One container env entry: a literal value, or where Kubernetes takes it from."""

    value: str | None = None
    secret: tuple[str, str] | None = None  # (secret name, key)
    config_map: tuple[str, str] | None = None  # (configmap name, key)
    field_ref: str = ""  # e.g. metadata.name, or resourceFieldRef


@dataclass(frozen=True)
class Probe:
    kind: str  # exec | httpGet | tcpSocket | grpc
    detail: str  # command, path:port, or port, for display
    period_s: int | None = None
    timeout_s: int | None = None
    failure_threshold: int | None = None
    initial_delay_s: int | None = None


@dataclass(frozen=True)
class VolumeMountSpec:
    volume: str  # the pod volume's name
    path: str
    read_only: bool = False
    sub_path: str = ""


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str = ""
    command: tuple[str, ...] | None = None  # Kubernetes `command` (= Compose entrypoint)
    args: tuple[str, ...] | None = None  # Kubernetes `args` (= Compose command)
    env: dict[str, EnvValue] = field(default_factory=dict)
    env_from: tuple[tuple[str, str], ...] = ()  # (kind "Secret"|"ConfigMap", name)
    ports: tuple[tuple[int, str], ...] = ()  # (containerPort, protocol)
    mounts: tuple[VolumeMountSpec, ...] = ()
    readiness: Probe | None = None
    liveness: Probe | None = None
    startup: Probe | None = None
    requests: dict[str, str] = field(default_factory=dict)  # cpu/memory as written
    limits: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PodVolume:
    name: str
    kind: str  # persistentVolumeClaim | configMap | secret | emptyDir | hostPath | other
    ref: str = ""  # claim / configmap / secret name


@dataclass(frozen=True)
class TargetWorkload:
    kind: str  # Deployment | StatefulSet
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    pod_labels: dict[str, str] = field(default_factory=dict)
    replicas: int | None = None
    containers: tuple[ContainerSpec, ...] = ()
    init_containers: tuple[ContainerSpec, ...] = ()
    volumes: tuple[PodVolume, ...] = ()
    claim_templates: tuple[str, ...] = ()  # StatefulSet volumeClaimTemplates names
    # The same templates in full (access modes, class, size), in the same order.
    claim_template_specs: tuple[TargetClaim, ...] = ()
    termination_grace_s: int = 30  # the API server's default when the manifest says nothing


@dataclass(frozen=True)
class ServicePort:
    port: int
    target_port: str  # number or name, as text
    protocol: str = "TCP"
    name: str = ""


@dataclass(frozen=True)
class TargetService:
    name: str
    selector: dict[str, str] = field(default_factory=dict)
    ports: tuple[ServicePort, ...] = ()
    type: str = "ClusterIP"
    headless: bool = False  # clusterIP: None (StatefulSets' usual Service)


@dataclass(frozen=True)
class IngressRule:
    host: str
    path: str
    service: str
    port: str  # number or name, as text


@dataclass(frozen=True)
class TargetIngress:
    name: str
    rules: tuple[IngressRule, ...] = ()
    tls_hosts: tuple[str, ...] = ()
    class_name: str = ""  # spec.ingressClassName, or the kubernetes.io/ingress.class annotation


@dataclass(frozen=True)
class TargetClaim:
    name: str
    access_modes: tuple[str, ...] = ()
    storage_class: str = ""
    requested: str = ""


@dataclass(frozen=True)
class Autoscaler:
    kind: str  # HorizontalPodAutoscaler | ScaledObject
    name: str
    target_kind: str
    target_name: str
    min_replicas: int | None = None
    max_replicas: int | None = None


@dataclass(frozen=True)
class ObjectRef:
    kind: str
    name: str


@dataclass(frozen=True)
class TargetState:
    """Everything found for the target, and where it came from ("cluster", "manifests").

    Only the kinds above are kept; `ignored_kinds` counts the rest (kind -> objects), and
    `other_namespaces` the manifests' objects that belong to another namespace. `origins` maps
    `Kind/name` to the manifest file it came from. From the cluster, `unreadable` lists the kinds
    this identity may not list (403; e.g. Secret for the `view` role, then `secrets_readable` is
    False), `keda_installed` says whether the keda.sh API exists (None: not known, e.g. from
    manifests), and `autoscaling_version` the group version HPAs were read with.
    """

    namespace: str
    workloads: tuple[TargetWorkload, ...] = ()
    services: tuple[TargetService, ...] = ()
    ingresses: tuple[TargetIngress, ...] = ()
    claims: tuple[TargetClaim, ...] = ()
    config_maps: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> keys
    secrets: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> keys (never values)
    # ConfigMap values, when known (name -> key -> value): the mapping diff compares env values.
    config_map_values: dict[str, dict[str, str]] = field(default_factory=dict)
    autoscalers: tuple[Autoscaler, ...] = ()
    sources: tuple[str, ...] = ()
    selector: str = ""  # the label selector the objects were chosen with
    secrets_readable: bool = True
    unreadable: tuple[str, ...] = ()
    keda_installed: bool | None = None
    autoscaling_version: str = ""
    ignored_kinds: dict[str, int] = field(default_factory=dict)
    other_namespaces: int = 0
    origins: dict[str, str] = field(default_factory=dict)  # "Kind/name" -> manifest file

    def workload(self, name: str) -> TargetWorkload | None:
        return next((w for w in self.workloads if w.name == name), None)

    def origin(self, kind: str, name: str) -> str:
        """The manifest file `kind/name` came from ("" when not from a file)."""
        return self.origins.get(f"{kind}/{name}", "")
