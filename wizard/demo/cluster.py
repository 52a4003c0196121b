"""A simulated Kubernetes cluster where the sample's manifests (assets/demo/k8s) were applied.

What it teaches: the Secret `email-rag-secrets` is not there yet (the wizard writes it), so
every pod that reads one of its keys waits in CreateContainerConfigError, as a real kubelet keeps
it, and the celery worker crash-loops; redis, which reads no Secret, runs. Once the Secret exists
with the keys a workload needs, its pods are ready. A claim with a storage class is provisioned
(Bound); one without binds only to a PersistentVolume made by hand, as the PV controller binds:
the cluster has NFS exports for redis and rabbitmq (HAND_MADE_VOLUMES, in wizard.demo.objects)
but none for postgres, so data-postgres-0 stays Pending, and its pod unscheduled, until a
matching PersistentVolume is among the manifests (`cutover demo --fixed` applies
assets/demo/k8s-fixed over k8s/, which has one). wizard.demo.simulation tells the whole story, and how pods come up over a few seconds. The
identity may do anything, unless the demo runs `--read-only`, where every write is refused
before it is "sent".

A Secret applied in an earlier run of the demo is there again (key names and digests, kept in
the demo's state file: wizard.demo.world), as a real cluster would still have it.

The manifests as the API server keeps them (controllers, claim binding, generated names, Secret
validation) are in wizard.demo.objects; this module holds the state.

`settled`: start where the simulation ends, every time frozen (tests, snapshots, `cutover
status`); None reads CUTOVER_DEMO_SETTLED=1 from the environment, which the tests set.

Over 400 lines on purpose: it implements every method of the Cluster protocol over one shared
state; the stateless parts are in wizard.demo.objects.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from wizard.config import CutoverConfig, demo_dir
from wizard.demo import simulation
from wizard.demo.objects import (
    HAND_MADE_VOLUMES,
    Controller,
    bind_claims,
    capacity_of,
    check_secret,
    claim_object,
    controller_of,
    labels_of,
    namespace_of,
    namespaces_in,
    pod_names,
    served,
    tls_secret_names,
)
from wizard.demo.sample import load_manifests, overlay
from wizard.demo.selector import parse_selector
from wizard.demo.simulation import DemoPod, DemoWatch
from wizard.demo.world import load_secrets, save_secret, world_state
from wizard.errors import (
    Conflict,
    CutoverError,
    Forbidden,
    GatewayError,
    NotFound,
    PodDidNotAnswer,
    ReadOnlyRefused,
)
from wizard.health.status import EventRow, PodRow, WorkloadHealth
from wizard.health.watch import KINDS, OnChange
from wizard.model import (
    AccessVerdict,
    ClusterIdentity,
    ExecResult,
    Pod,
    Pvc,
    SecretKeys,
    Workload,
)
from wizard.target.model import TargetState
from wizard.target.parse import TargetBuilder

DEMO_SERVER = "https://demo.invalid:6443"
DEMO_USER = "demo-admin"
SERVER_VERSION = "v1.20.2"
# No default StorageClass: a claim without a class binds to a PersistentVolume made by hand.
DEFAULT_STORAGE_CLASS = ""
SETTLED_ENV = "CUTOVER_DEMO_SETTLED"
NODES = ("demo-node-1", "demo-node-2", "demo-node-3")
_BUILT_IN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


class DemoCluster:
    """The `Cluster` of `cutover demo`. `denied` lists (verb, resource) pairs RBAC refuses."""

    def __init__(
        self,
        config: CutoverConfig,
        denied: Iterable[tuple[str, str]] = (),
        settled: bool | None = None,
    ) -> None:
        if settled is None:
            settled = os.environ.get(SETTLED_ENV) == "1"
        self.settled = settled
        self._start, self.now = simulation.clock(settled)
        self._recovered: dict[str, int] = {}
        namespace = config.namespace or "email-rag"
        self._identity = ClusterIdentity(
            context=config.kube_context or "demo",
            server=DEMO_SERVER,
            user=DEMO_USER,
            namespace=namespace,
        )
        self._read_only = config.read_only
        self._denied = frozenset(denied)
        manifests = load_manifests(config.manifests_dir or demo_dir() / "k8s")
        if config.demo_fixed:
            manifests = overlay(manifests, load_manifests(demo_dir() / "k8s-fixed"))
        self._namespaces = _BUILT_IN_NAMESPACES | namespaces_in(manifests)
        volumes = [*HAND_MADE_VOLUMES, *(m for m in manifests if m["kind"] == "PersistentVolume")]
        mine = [
            m
            for m in manifests
            if m["kind"] != "PersistentVolume" and namespace_of(m, namespace) == namespace
        ]
        # In the order the API server lists them: by kind, then by name.
        self._controllers = sorted(
            (controller_of(m) for m in mine if m["kind"] in ("Deployment", "StatefulSet")),
            key=lambda c: (c.kind, c.name),
        )
        self._claims = [m for m in mine if m["kind"] == "PersistentVolumeClaim"]
        self._objects = mine
        # Claims and volumes never change here, so the PV controller's work is done once.
        self._bound = bind_claims(
            [(name, spec) for name, _, spec in self._all_claims()], volumes, namespace
        )
        self._unbound = frozenset(
            name
            for name, _, spec in self._all_claims()
            if name not in self._bound and not spec.get("storageClassName")
        )
        # What cert-manager issued for the Ingresses' TLS hosts (no app label, as it makes them).
        self._secrets: dict[str, SecretKeys] = {
            name: SecretKeys(
                name, namespace, dict.fromkeys(("tls.crt", "tls.key"), ""), {}, "kubernetes.io/tls"
            )
            for name in tls_secret_names(self._objects)
        }
        # What the operator applied in an earlier run of the demo: a real cluster keeps it.
        self._world = world_state(config)
        if self._world is not None:
            kept = load_secrets(self._world, namespace)
            self._secrets.update({name: applied.secret for name, applied in kept.items()})
            if kept and not settled:
                # Its pods have been up since that earlier run: they do not come up again one
                # by one (checks run at opening would find them not ready yet).
                self._start -= simulation.SETTLED_NOW - simulation.SETTLED_START
        self._lock = threading.Lock()

    @property
    def identity(self) -> ClusterIdentity:
        return self._identity

    @property
    def read_only(self) -> bool:
        return self._read_only

    def server_version(self) -> str:
        return SERVER_VERSION

    def namespace_exists(self, name: str) -> bool:
        return name in self._namespaces

    def can_i(
        self, verb: str, resource: str, group: str = "", subresource: str = ""
    ) -> AccessVerdict:
        allowed = (verb, resource) not in self._denied
        reason = "" if allowed else f"{DEMO_USER} has no RBAC rule for {verb} {resource}"
        return AccessVerdict(
            verb, resource, group, self._identity.namespace, allowed=allowed, reason=reason
        )

    def read_secret_keys(self, name: str) -> SecretKeys | None:
        self._require("get", "secrets")
        with self._lock:
            return self._secrets.get(name)

    def create_secret(
        self, name: str, data: Mapping[str, str], labels: Mapping[str, str]
    ) -> SecretKeys:
        if self._read_only:
            raise ReadOnlyRefused(
                f"Read-only mode: Secret {name} was not created.",
                "Run cutover without --read-only to write the Secret.",
            )
        self._require("create", "secrets")
        check_secret(name, data)
        namespace = self._identity.namespace
        if namespace not in self._namespaces:
            raise NotFound(
                f"Namespace {namespace} does not exist.", f"kubectl create namespace {namespace}"
            )
        secret = SecretKeys(
            name=name,
            namespace=namespace,
            digests={
                key: hashlib.sha256(value.encode()).hexdigest() for key, value in data.items()
            },
            labels=dict(labels),
        )
        with self._lock:
            if name in self._secrets:
                raise Conflict(
                    f"Secret {name} already exists in {namespace}.",
                    "Update the existing Secret instead of creating it again.",
                )
            self._secrets[name] = secret
        self._remember(secret)
        return secret

    def patch_secret(
        self,
        name: str,
        set: Mapping[str, str],  # the keys to set
        remove: Sequence[str] = (),
        labels: Mapping[str, str] | None = None,
    ) -> SecretKeys:
        if self._read_only:
            raise ReadOnlyRefused(
                f"Read-only mode: Secret {name} was not changed.",
                "Run cutover without --read-only to write the Secret.",
            )
        self._require("patch", "secrets")
        check_secret(name, set)
        with self._lock:
            found = self._secrets.get(name)
            if found is None:
                raise NotFound(
                    f"Secret {name} does not exist in {self._identity.namespace}.",
                    "Create it first.",
                )
            digests = {k: v for k, v in found.digests.items() if k not in remove}
            digests.update(
                {key: hashlib.sha256(value.encode()).hexdigest() for key, value in set.items()}
            )
            patched = SecretKeys(
                name=name,
                namespace=found.namespace,
                digests=digests,
                labels={**found.labels, **(labels or {})},
                type=found.type,
            )
            self._secrets[name] = patched
        self._remember(patched)
        return patched

    def _remember(self, secret: SecretKeys) -> None:
        """Keep what was applied (key names and digests) for the demo's next run. A state file
        that cannot be written costs only that: the Secret is applied here all the same, and
        the saved place's own warning already says the file is unusable."""
        if self._world is None:
            return
        with contextlib.suppress(CutoverError, OSError):
            save_secret(self._world, secret)

    def list_workloads(self, selector: str = "") -> list[Workload]:
        matches = parse_selector(selector)
        pods = self.pod_rows()
        workloads = []
        for c in self._controllers:
            if not matches(c.labels):
                continue
            ready = sum(1 for p in pods.values() if p.workload == c.name and p.healthy)
            workloads.append(
                Workload(
                    kind=c.kind,
                    name=c.name,
                    namespace=self._identity.namespace,
                    labels=dict(c.labels),
                    desired=c.replicas,
                    ready=ready,
                    available=ready,
                    updated=c.replicas,
                )
            )
        return workloads

    def list_pvcs(self, selector: str = "") -> list[Pvc]:
        matches = parse_selector(selector)
        return [
            self._claim(name, spec)
            for name, labels, spec in sorted(self._all_claims(), key=lambda claim: claim[0])
            if matches(labels)
        ]

    def _all_claims(self) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
        """Every claim as (name, labels, spec): the manifests' and those the StatefulSets made."""
        claims: list[tuple[str, dict[str, str], dict[str, Any]]] = [
            (m["metadata"]["name"], labels_of(m["metadata"]), m.get("spec") or {})
            for m in self._claims
        ]
        for c in self._controllers:  # a StatefulSet's claims: <template>-<statefulset>-<ordinal>
            for template in c.claim_templates:
                labels = {**labels_of(template["metadata"]), **c.pod_labels}
                for ordinal in range(c.replicas):
                    name = f"{template['metadata']['name']}-{c.name}-{ordinal}"
                    claims.append((name, labels, template.get("spec") or {}))
        return claims

    def list_pods(self, selector: str = "") -> list[Pod]:
        matches = parse_selector(selector)
        rows = self.pod_rows()
        pods: list[Pod] = []
        for c in self._controllers:
            for name, labels in pod_names(c):
                if not matches(labels):
                    continue
                row = rows[name]
                pods.append(
                    Pod(
                        name=name,
                        namespace=self._identity.namespace,
                        phase=row.phase,
                        labels=labels,
                        node=row.node,
                        ready_containers=row.ready,
                        total_containers=row.total,
                        restarts=row.restarts,
                        claims=row.claims,
                    )
                )
        return sorted(pods, key=lambda pod: pod.name)

    def pod_rows(self, selector: str = "") -> dict[str, PodRow]:
        """Every pod as the Health screen shows it, at the demo's `now()`."""
        matches = parse_selector(selector)
        now = self.now()
        missing = {c.name: self._missing_keys(c) for c in self._controllers}
        rows: dict[str, PodRow] = {}
        for pod, labels in self._demo_pods():
            if matches(labels):
                row = simulation.pod_state(
                    pod, now - self._start, missing, self._start, self._recovered, self._unbound
                )
                rows[pod.name] = row
        return dict(sorted(rows.items()))

    def _demo_pods(self) -> list[tuple[DemoPod, dict[str, str]]]:
        # Dependencies (the StatefulSets) come up first, then the Deployments, each by name.
        ordered = sorted(self._controllers, key=lambda c: (c.kind != "StatefulSet", c.name))
        pods = []
        for index, c in enumerate(self._controllers):
            for ordinal, (name, labels) in enumerate(pod_names(c)):
                own = tuple(
                    f"{t['metadata']['name']}-{c.name}-{ordinal}" for t in c.claim_templates
                )
                order = sum(x.replicas for x in ordered[: ordered.index(c)]) + ordinal
                node = NODES[(index + ordinal) % len(NODES)]  # replicas spread out
                pods.append(
                    (DemoPod(name, c.name, node, c.containers, order, c.claims + own), labels)
                )
        return pods

    def read_target(self, selector: str = "") -> TargetState:
        """The applied sample, as a real cluster lists it: claims (with those the StatefulSets
        made) as `list_pvcs` has them, the Secrets written so far (keys only), KEDA installed."""
        matches = parse_selector(selector)
        builder = TargetBuilder(self._identity.namespace)
        for m in self._objects:
            if m["kind"] != "PersistentVolumeClaim" and matches(labels_of(m["metadata"])):
                builder.add(served(m))
        for claim in self.list_pvcs(selector):
            builder.add(claim_object(claim))
        readable = ("list", "secrets") not in self._denied
        if readable:
            with self._lock:
                secrets = [s for s in self._secrets.values() if matches(s.labels)]
            for secret in secrets:
                builder.add(
                    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": secret.name}}
                    | {"type": secret.type, "data": dict.fromkeys(secret.digests, "")}
                )
        return builder.build(
            sources=("cluster",),
            selector=selector,
            secrets_readable=readable,
            unreadable=() if readable else ("Secret",),
            keda_installed=True,
            autoscaling_version="autoscaling/v2beta2",  # what a v1.20 API server serves
        )

    def list_events(self, field_selector: str = "") -> list[EventRow]:
        return list(self._events(field_selector).values())

    def create_claim_helper(
        self, name: str, claim: str, image: str, labels: Mapping[str, str]
    ) -> None:
        """The demo makes no helper pods (its copies are simulated)."""
        if self._read_only:
            raise ReadOnlyRefused(f"Read-only mode: refused to create pod {name}")
        raise GatewayError(
            f"The demo cannot create pod {name}: its pods are simulated",
            fix="Try data moves on `make sandbox`, which runs real pods.",
        )

    def scale(self, kind: str, name: str, replicas: int) -> int:
        """The demo scales nothing from the Data step (its copies are simulated)."""
        if self._read_only:
            raise ReadOnlyRefused(f"Read-only mode: refused to scale {kind} {name}")
        raise GatewayError(f"The demo cannot scale {kind} {name} from here")

    def delete_pod(self, name: str) -> None:
        raise NotFound(f"pod {name} not found in the demo")

    def exec_in(
        self,
        pod: str,
        container: str,
        command: Sequence[str],
        stdin: Iterable[bytes] | None = None,
        stdin_length: int = 0,
        on_sent: Callable[[int], None] | None = None,
        keep: int = 1 << 20,
    ) -> ExecResult:
        """The demo runs nothing in its pods (the Data step simulates its copies instead)."""
        if self._read_only:
            raise ReadOnlyRefused(f"Read-only mode: refused to exec in pod {pod}")
        raise GatewayError(
            f"The demo cannot run commands in pod {pod}: its pods are simulated",
            fix="Try data moves on `make sandbox`, which runs real pods.",
        )

    def port_forward(self, pod: str, port: int, request: bytes, deadline_s: float) -> bytes:
        """A ready pod of the demo answers 200 (the Traffic step's smoke request); any other
        did not answer, as a pod that is not running would not."""
        if self._read_only:
            raise ReadOnlyRefused(f"Read-only mode: refused to port-forward to pod {pod}")
        row = self.pod_rows().get(pod)
        if row is None or not row.healthy:
            raise PodDidNotAnswer(f"port {port} of pod {pod} did not answer: it is not ready")
        return b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    def _events(self, field_selector: str = "") -> dict[str, EventRow]:
        events = simulation.events_for(self.pod_rows(), self.now(), self._start, self._unbound)
        return {k: e for k, e in events.items() if simulation.matches_fields(e, field_selector)}

    def watch(
        self, kind: str, selector: str, on_change: OnChange, field_selector: str = ""
    ) -> DemoWatch:
        """The rows of `kind` at once; in a live demo, then every change the simulation's clock
        or a written Secret brings (a settled demo never changes by itself)."""
        if kind not in KINDS:
            raise ValueError(f"cannot watch {kind!r}; known: {', '.join(KINDS)}")

        def rows() -> dict[str, Any]:
            if kind == "pods":
                return dict(self.pod_rows(selector))
            if kind == "persistentvolumeclaims":
                return {c.name: c for c in self.list_pvcs(selector)}
            if kind == "events":
                return dict(self._events(field_selector))
            return {
                w.name: WorkloadHealth(
                    w.kind, w.name, w.desired, w.ready, w.available, w.updated, w.desired
                )
                for w in self.list_workloads(selector)
                if f"{w.kind.lower()}s" == kind
            }

        return DemoWatch(kind, rows, on_change, live=not self.settled)

    def _require(self, verb: str, resource: str) -> None:
        if (verb, resource) in self._denied:
            raise Forbidden(
                f"{DEMO_USER} may not {verb} {resource} in {self._identity.namespace}.",
                "Ask for a RoleBinding that grants it, or run with --read-only to only watch.",
            )

    def _missing_keys(self, controller: Controller) -> tuple[str, ...]:
        """The Secret keys a pod of `controller` needs and lacks: `<secret>/<key>`, or `<secret>`
        for a Secret that does not exist (its pods cannot start: CreateContainerConfigError)."""
        missing: list[str] = []
        with self._lock:
            for secret, keys in sorted(controller.secret_keys.items()):
                found = self._secrets.get(secret)
                if found is None:
                    missing.append(secret)
                else:
                    missing.extend(f"{secret}/{k}" for k in sorted(keys - set(found.digests)))
        return tuple(missing)

    def _claim(self, name: str, spec: dict[str, Any]) -> Pvc:
        size = str(((spec.get("resources") or {}).get("requests") or {}).get("storage", ""))
        namespace = self._identity.namespace
        volume = self._bound.get(name)
        if volume is not None:  # bound to a PersistentVolume: its name and its capacity
            return Pvc(
                name=name,
                namespace=namespace,
                phase="Bound",
                requested=size,
                capacity=capacity_of(volume) or size,
                access_modes=tuple(spec.get("accessModes") or ()),
                storage_class=spec.get("storageClassName") or DEFAULT_STORAGE_CLASS,
                volume_name=str(volume["metadata"]["name"]),
            )
        if name in self._unbound:
            return Pvc(
                name=name,
                namespace=namespace,
                phase="Pending",
                requested=size,
                access_modes=tuple(spec.get("accessModes") or ()),
                storage_class=spec.get("storageClassName") or DEFAULT_STORAGE_CLASS,
            )
        # A claim with a class: its provisioner made a volume for it.
        return Pvc(
            name=name,
            namespace=namespace,
            phase="Bound",
            requested=size,
            capacity=size,
            access_modes=tuple(spec.get("accessModes") or ()),
            storage_class=spec.get("storageClassName") or DEFAULT_STORAGE_CLASS,
            volume_name=f"pvc-{uuid.uuid5(uuid.NAMESPACE_URL, f'demo/{namespace}/{name}')}",
        )
