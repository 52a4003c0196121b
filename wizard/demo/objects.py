"""The sample's manifests as the demo's API server keeps them: the controllers (Deployments,
StatefulSets) and what their pods need, claims bound to hand-made volumes as the PV controller
binds them, generated pod names, and the API server's validation of a Secret. Pure: no state,
no clock; wizard.demo.cluster holds the state.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wizard.demo.sample import Manifest
from wizard.errors import Invalid
from wizard.model import Pvc
from wizard.storage.claims import parse_quantity

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the one Kubernetes uses for generated names


def nfs_export(name: str, size: str, path: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "nfs": {"server": "nfs.email-rag.internal", "path": path},
        },
    }


# The PersistentVolumes an administrator made by hand before the sample was applied: NFS exports
# for redis (2Gi) and rabbitmq (5Gi), with no claimRef (they bind by size and access mode).
# None is big enough for postgres' 20Gi claim; assets/demo/k8s-fixed brings one.
HAND_MADE_VOLUMES: tuple[Manifest, ...] = (
    nfs_export("nfs-data-redis-0", "2Gi", "/exports/redis"),
    nfs_export("nfs-data-rabbitmq-0", "5Gi", "/exports/rabbitmq"),
)


@dataclass(frozen=True)
class Controller:
    """A Deployment or StatefulSet as applied: what its pods look like and what they need."""

    kind: str
    name: str
    labels: dict[str, str]
    replicas: int
    pod_labels: dict[str, str]
    containers: int
    secret_keys: dict[str, frozenset[str]]  # Secret name -> keys its pods cannot start without
    claim_templates: tuple[Manifest, ...]
    claims: tuple[str, ...] = ()  # the claims its pods mount by name (not from templates)


def bind_claims(
    claims: Sequence[tuple[str, dict[str, Any]]], volumes: Sequence[Manifest], namespace: str
) -> dict[str, Manifest]:
    """Which PersistentVolume each claim binds to, as the PV controller decides: a volume whose
    claimRef names the claim first, then (claims by name) the smallest free volume without a
    claimRef that fits. Either way the volume must fit: the claim's storage class (none is ""),
    at least its size, every access mode it asks for. Claims not in the result are unbound."""
    specs = dict(claims)
    bound: dict[str, Manifest] = {}
    free: list[Manifest] = []
    for volume in volumes:
        ref = (volume.get("spec") or {}).get("claimRef") or {}
        name = ref.get("name")
        if not ref:
            free.append(volume)
        elif (
            (ref.get("namespace") or namespace) == namespace
            and name in specs
            and name not in bound
            and fits(volume, specs[name])
        ):
            bound[name] = volume
    for name, spec in sorted(claims, key=lambda claim: claim[0]):
        if name in bound:
            continue
        fitting = [v for v in free if fits(v, spec)]
        if fitting:
            best = min(fitting, key=lambda v: parse_quantity(capacity_of(v)) or 0)
            bound[name] = best
            free.remove(best)
    return bound


def fits(volume: Manifest, claim: dict[str, Any]) -> bool:
    spec = volume.get("spec") or {}
    if (spec.get("storageClassName") or "") != (claim.get("storageClassName") or ""):
        return False
    wanted = ((claim.get("resources") or {}).get("requests") or {}).get("storage", "")
    has, needs = parse_quantity(capacity_of(volume)), parse_quantity(str(wanted))
    if has is None or needs is None or has < needs:
        return False
    return set(claim.get("accessModes") or ()) <= set(spec.get("accessModes") or ())


def capacity_of(volume: Manifest) -> str:
    return str(((volume.get("spec") or {}).get("capacity") or {}).get("storage", ""))


def controller_of(manifest: Manifest) -> Controller:
    spec = manifest.get("spec") or {}
    template = spec.get("template") or {}
    pod_spec = template.get("spec") or {}
    return Controller(
        kind=manifest["kind"],
        name=manifest["metadata"]["name"],
        labels=labels_of(manifest["metadata"]),
        replicas=int(spec.get("replicas", 1)),
        pod_labels=labels_of(template.get("metadata") or {}),
        containers=len(pod_spec.get("containers") or ()),
        secret_keys=secret_keys_of(pod_spec),
        claim_templates=tuple(spec.get("volumeClaimTemplates") or ()),
        claims=tuple(
            str(v["persistentVolumeClaim"]["claimName"])
            for v in pod_spec.get("volumes") or ()
            if v.get("persistentVolumeClaim")
        ),
    )


def secret_keys_of(pod_spec: dict[str, Any]) -> dict[str, frozenset[str]]:
    """Secrets the pod cannot start without: env secretKeyRef, envFrom and volumes (not optional)."""
    needed: dict[str, set[str]] = {}
    for container in [*(pod_spec.get("initContainers") or ()), *(pod_spec.get("containers") or ())]:
        for env in container.get("env") or ():
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if ref and not ref.get("optional"):
                needed.setdefault(ref["name"], set()).add(ref["key"])
        for source in container.get("envFrom") or ():
            ref = source.get("secretRef")
            if ref and not ref.get("optional"):
                needed.setdefault(ref["name"], set())
    for volume in pod_spec.get("volumes") or ():
        ref = volume.get("secret")
        if ref and not ref.get("optional"):
            needed.setdefault(ref["secretName"], set())
    return {name: frozenset(keys) for name, keys in needed.items()}


def pod_names(c: Controller) -> list[tuple[str, dict[str, str]]]:
    """Pod names and labels as the controllers make them, stable from run to run."""
    revision = generated_name(c.name, 10)
    if c.kind == "StatefulSet":
        return [
            (
                f"{c.name}-{i}",
                {
                    **c.pod_labels,
                    "controller-revision-hash": f"{c.name}-{revision}",
                    "statefulset.kubernetes.io/pod-name": f"{c.name}-{i}",
                },
            )
            for i in range(c.replicas)
        ]
    return [
        (
            f"{c.name}-{revision}-{generated_name(f'{c.name}/{i}', 5)}",
            {**c.pod_labels, "pod-template-hash": revision},
        )
        for i in range(c.replicas)
    ]


def generated_name(seed: str, length: int) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_NAME_ALPHABET[b % len(_NAME_ALPHABET)] for b in digest[:length])


def check_secret(name: str, data: Mapping[str, str]) -> None:
    if not _DNS_SUBDOMAIN.match(name):
        raise Invalid(
            f"{name!r} is not a valid Secret name.",
            "Use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit.",
        )
    bad = sorted(key for key in data if not _SECRET_KEY.match(key))
    if bad:
        raise Invalid(
            f"Secret key(s) {', '.join(map(repr, bad))} are not valid.",
            "Secret keys may contain only letters, digits, '-', '_' and '.'.",
        )


def claim_object(claim: Pvc) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": claim.name},
        "spec": {
            "accessModes": list(claim.access_modes),
            "storageClassName": claim.storage_class,
            "resources": {"requests": {"storage": claim.requested}},
        },
    }


def labels_of(metadata: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (metadata.get("labels") or {}).items()}


def namespace_of(manifest: Manifest, default: str) -> str:
    return str((manifest.get("metadata") or {}).get("namespace") or default)


def namespaces_in(manifests: list[Manifest]) -> frozenset[str]:
    named = {m["metadata"]["name"] for m in manifests if m["kind"] == "Namespace"}
    used = {m["metadata"]["namespace"] for m in manifests if m["metadata"].get("namespace")}
    return frozenset(named | used)


# The address the demo's ingress controller serves Ingresses on (TEST-NET-3, never routed), and
# the Compose host's (TEST-NET-2): assets/demo/cutover.yaml `compose_addresses` names it.
INGRESS_ADDRESS = "203.0.113.20"
COMPOSE_ADDRESS = "198.51.100.10"


def served(manifest: Manifest) -> Manifest:
    """An Ingress as a running controller leaves it: its address in status.loadBalancer."""
    if manifest.get("kind") != "Ingress":
        return manifest
    status = {"loadBalancer": {"ingress": [{"ip": INGRESS_ADDRESS}]}}
    return {**manifest, "status": status}


def tls_secret_names(manifests: list[Manifest]) -> list[str]:
    """The Secrets the Ingresses' tls entries name (cert-manager issues them in a real cluster)."""
    return sorted(
        {
            str(tls["secretName"])
            for m in manifests
            if m.get("kind") == "Ingress"
            for tls in (m.get("spec") or {}).get("tls") or ()
            if tls.get("secretName")
        }
    )
