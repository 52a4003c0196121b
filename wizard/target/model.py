"""The Kubernetes target as the wizard sees it: what a Compose project became.

Built from plain Kubernetes-shaped dicts (API JSON or manifest YAML: the same shape), so the live
cluster and a manifests folder give the same model. Secrets appear as key names only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.target.routes import GatewayRef, HttpRoute, RouteGateway


@dataclass(frozen=True)
class EnvValue:
    """One container env entry: a literal value, or where Kubernetes takes it from."""

    value: str | None = None
    secret: tuple[str, str] | None = None  # (secret name, key)
    config_map: tuple[str, str] | None = None  # (configmap name, key)
    field_ref: str = ""  # e.g. metadata.name, or resourceFieldRef
    # `optional: true` on the secretKeyRef / configMapKeyRef: a missing object or key leaves the
    # variable unset instead of keeping the pod from starting.
    optional: bool = False


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
    # The envFrom entries marked `optional: true` (kind, name): the pod starts without them.
    optional_env_from: tuple[tuple[str, str], ...] = ()
    ports: tuple[tuple[int, str], ...] = ()  # (containerPort, protocol)
    # A named containerPort's number: a Service's targetPort may name it (`targetPort: http`).
    port_names: dict[str, int] = field(default_factory=dict)
    mounts: tuple[VolumeMountSpec, ...] = ()
    readiness: Probe | None = None
    liveness: Probe | None = None
    startup: Probe | None = None
    requests: dict[str, str] = field(default_factory=dict)  # cpu/memory as written
    limits: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VolumeSource:
    """A Secret or ConfigMap whose keys a `secret`, `configMap` or `projected` volume shows as
    files: each listed item (key, path), or, with no `items`, every key under its own name."""

    kind: str  # Secret | ConfigMap
    name: str
    items: tuple[tuple[str, str], ...] = ()  # (key, path in the volume)
    # File permissions: an item's own `mode` (path -> mode), else the volume's `defaultMode`
    # (None: the API server's 0644).
    item_modes: tuple[tuple[str, int], ...] = ()
    default_mode: int | None = None

    def mode_of(self, path: str) -> int:
        """The permission bits the file at `path` gets."""
        own = dict(self.item_modes).get(path)
        if own is not None:
            return own
        return 0o644 if self.default_mode is None else self.default_mode


@dataclass(frozen=True)
class PodVolume:
    name: str
    kind: str  # persistentVolumeClaim | configMap | secret | emptyDir | hostPath | other
    ref: str = ""  # claim / configmap / secret name
    sources: tuple[VolumeSource, ...] = ()  # for secret, configMap and projected volumes
    read_only: bool = False  # the volume's own readOnly (persistentVolumeClaim.readOnly)


# Where each workload kind keeps its pod template (a bare Pod is its own template), in the
# order a name shared by several kinds is resolved: long-running controllers first.
POD_PATHS = {
    "Deployment": "spec.template.spec",
    "StatefulSet": "spec.template.spec",
    "DaemonSet": "spec.template.spec",
    "ReplicationController": "spec.template.spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
    "Job": "spec.template.spec",
    "Pod": "spec",
}
WORKLOAD_KINDS = tuple(POD_PATHS)
# Kinds whose pod count is not a replica count: one per node, runs to completion, on a schedule.
NOT_REPLICATED = frozenset({"DaemonSet", "Job", "CronJob"})


def kind_rank(workload: TargetWorkload) -> int:
    """Where `workload`'s kind comes in WORKLOAD_KINDS (unknown kinds last)."""
    kind = workload.kind
    return WORKLOAD_KINDS.index(kind) if kind in WORKLOAD_KINDS else len(WORKLOAD_KINDS)


@dataclass(frozen=True)
class TargetWorkload:
    kind: str  # one of WORKLOAD_KINDS
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
    schedule: str = ""  # a CronJob's spec.schedule
    suspended: bool = False  # a CronJob's spec.suspend

    @property
    def pod_path(self) -> str:
        """Where the pod template is in this kind's manifest: `spec.template.spec`, ..."""
        return POD_PATHS.get(self.kind, "spec.template.spec")


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
    # status.loadBalancer.ingress: the IPs / host names the controller serves it on (empty until
    # a controller has taken it, and always from manifests).
    addresses: tuple[str, ...] = ()
    tls: tuple[tuple[str, tuple[str, ...]], ...] = ()  # spec.tls[]: (secretName, hosts)


@dataclass(frozen=True)
class TargetClaim:
    name: str
    access_modes: tuple[str, ...] = ()
    storage_class: str = ""
    requested: str = ""
    # The bound PersistentVolume's modes (status.accessModes): empty when not Bound or not known
    # (manifests). wizard.storage.access decides on sharing with both.
    bound_modes: tuple[str, ...] = ()


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
class ElsewhereRef:
    """An object of the manifests that belongs to another namespace than the target's."""

    namespace: str
    kind: str
    name: str


@dataclass(frozen=True)
class TargetState:
    """Everything found for the target, and where it came from ("cluster", "manifests").

    Only the kinds above are kept; `ignored_kinds` counts the rest (kind -> objects) and
    `ignored` names them, and `elsewhere` lists the manifests' objects that belong to another
    namespace (`other_namespaces` counts them). `origins` maps
    `Kind/name` to the manifest file it came from. From the cluster, `unreadable` lists the kinds
    this identity may not list (403; e.g. Secret for the `view` role, then `secrets_readable` is
    False), `keda_installed` says whether the keda.sh API exists (None: not known, e.g. from
    manifests), and `autoscaling_version` the group version HPAs were read with.
    """

    namespace: str
    workloads: tuple[TargetWorkload, ...] = ()
    services: tuple[TargetService, ...] = ()
    ingresses: tuple[TargetIngress, ...] = ()
    routes: tuple[HttpRoute, ...] = ()  # Gateway API HTTPRoutes (wizard.target.routes)
    # The routes' parent Gateways as read live, with their addresses (none from manifests, nor
    # those this identity may not get: then "Gateway" is in `unreadable`).
    gateways: tuple[RouteGateway, ...] = ()
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
    ignored: tuple[ObjectRef, ...] = ()  # objects of kinds the model has no place for
    elsewhere: tuple[ElsewhereRef, ...] = ()
    origins: dict[str, str] = field(default_factory=dict)  # "Kind/name" -> manifest file

    @property
    def other_namespaces(self) -> int:
        return len(self.elsewhere)

    def workload(self, name: str, kind: str = "") -> TargetWorkload | None:
        """The workload named `name` (of `kind`, when given; else the first kind in the API
        server's order that has one)."""
        found = [w for w in self.workloads if w.name == name and kind in ("", w.kind)]
        return min(found, key=kind_rank, default=None)

    def gateway(self, ref: GatewayRef) -> RouteGateway | None:
        """The Gateway `ref` names as read, None when it was not read."""
        return next((g for g in self.gateways if g.ref == ref), None)

    def origin(self, kind: str, name: str) -> str:
        """The manifest file `kind/name` came from ("" when not from a file)."""
        return self.origins.get(f"{kind}/{name}", "")
