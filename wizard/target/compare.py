"""Where the live cluster and the manifests folder disagree about the target.

- an object in the manifests but not in the cluster: "manifest not applied" (warn);
- an object in both whose fields differ where the diff cares (image, replicas, env names, ports,
  volumes, and each kind's own: Service ports and selector, Ingress rules, claim size and modes,
  ConfigMap/Secret key names, autoscaler bounds): "drift" (warn), one finding per field;
- an object only in the cluster: info.

What the API server or its controllers add on their own is not reported: the claims a
StatefulSet makes from its templates, the `kube-root-ca.crt` ConfigMap, a default storage class
where the manifest names none, and replicas of a workload an autoscaler drives. Secret values
are never compared (the model has none); kinds this identity may not read are not guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from wizard.checks import Finding, Severity
from wizard.target.model import ContainerSpec, TargetState, TargetWorkload

ROOT_CA_CONFIG_MAP = "kube-root-ca.crt"
_RESOURCES = {"Ingress": "ingresses", "ScaledObject": "scaledobjects.keda.sh"}


@dataclass(frozen=True)
class _Object:
    kind: str
    name: str
    value: Any


def compare_sources(cluster: TargetState, manifests: TargetState) -> list[Finding]:
    """Findings for every difference between `cluster` (read live) and `manifests` (files)."""
    ns = cluster.namespace
    live = {(o.kind, o.name): o for o in _objects(cluster)}
    wanted = {(o.kind, o.name): o for o in _objects(manifests)}
    scaled = _autoscaled(cluster) | _autoscaled(manifests)
    findings: list[Finding] = []
    for kind in sorted({k for k, _ in wanted if k in cluster.unreadable}):
        resource = _RESOURCES.get(kind, f"{kind.lower()}s")
        findings.append(
            Finding(
                f"target.unreadable:{kind}",
                Severity.INFO,
                f"Cannot compare the manifests' {kind} objects with the cluster: this identity "
                f"may not list {resource} in namespace {ns!r}",
                fix=f"Use an identity allowed to list {resource} to compare them "
                f"(`kubectl auth can-i list {resource} -n {ns}`).",
            )
        )
    for key, obj in wanted.items():
        if obj.kind in cluster.unreadable:
            continue
        file = manifests.origin(obj.kind, obj.name) or "<manifests folder>"
        apply = f"kubectl apply -f {file} -n {ns}"
        what = f"{obj.kind} {obj.name}"
        if key not in live:
            if obj.kind == "ScaledObject" and cluster.keda_installed is False:
                findings.append(
                    Finding(
                        f"target.not_applied:{obj.kind}/{obj.name}",
                        Severity.WARN,
                        f"{what} is in the manifests ({file}), but KEDA is not installed in "
                        "the cluster: nothing will scale the workload",
                        fix=f"Install KEDA (https://keda.sh/docs/latest/deploy/), then `{apply}`; "
                        "or use a HorizontalPodAutoscaler instead.",
                    )
                )
            else:
                findings.append(
                    Finding(
                        f"target.not_applied:{obj.kind}/{obj.name}",
                        Severity.WARN,
                        f"Manifest not applied: {what} is in {file} but not in namespace {ns!r}",
                        fix=f"`{apply}`",
                    )
                )
            continue
        for field, message in _drift(obj, live[key].value, key in scaled):
            findings.append(
                Finding(
                    f"target.drift:{obj.kind}/{obj.name}:{field}",
                    Severity.WARN,
                    f"Drift: {what}, {message}",
                    fix=f"`kubectl diff -f {file} -n {ns}` shows it; `{apply}` makes the "
                    f"cluster match the file, or change {file} if the cluster is right.",
                )
            )
    made_by_cluster = _claims_from_templates(cluster, manifests) | _tls_secrets(manifests)
    for key, obj in live.items():
        if key in wanted or key in made_by_cluster:
            continue
        if obj.kind == "ConfigMap" and obj.name == ROOT_CA_CONFIG_MAP:
            continue
        findings.append(
            Finding(
                f"target.cluster_only:{obj.kind}/{obj.name}",
                Severity.INFO,
                f"{obj.kind} {obj.name} is in namespace {ns!r} but in none of the manifests",
                fix="Add it to the manifests if it belongs to the target, or delete it; see it "
                f"with `kubectl -n {ns} get {_RESOURCES.get(obj.kind, obj.kind.lower())} "
                f"{obj.name} -o yaml`.",
            )
        )
    return findings


def _objects(state: TargetState) -> Iterable[_Object]:
    for w in state.workloads:
        yield _Object(w.kind, w.name, w)
    for s in state.services:
        yield _Object("Service", s.name, s)
    for i in state.ingresses:
        yield _Object("Ingress", i.name, i)
    for c in state.claims:
        yield _Object("PersistentVolumeClaim", c.name, c)
    for name, keys in state.config_maps.items():
        yield _Object("ConfigMap", name, keys)
    for name, keys in state.secrets.items():
        yield _Object("Secret", name, keys)
    for a in state.autoscalers:
        yield _Object(a.kind, a.name, a)


def _autoscaled(state: TargetState) -> set[tuple[str, str]]:
    return {(a.target_kind, a.target_name) for a in state.autoscalers}


def _tls_secrets(manifests: TargetState) -> set[tuple[str, str]]:
    """The TLS Secrets the manifests' Ingresses name but do not hold: made outside them (by
    cert-manager from an annotation, or by hand from a certificate), never "missing from the
    manifests"."""
    return {
        ("Secret", secret)
        for ingress in manifests.ingresses
        for secret, _ in ingress.tls
        if secret and secret not in manifests.secrets
    }


def _claims_from_templates(*states: TargetState) -> set[tuple[str, str]]:
    """The claims a StatefulSet controller made: `<template>-<statefulset>-<ordinal>`."""
    prefixes = [
        f"{template}-{w.name}-"
        for state in states
        for w in state.workloads
        if w.kind == "StatefulSet"
        for template in w.claim_templates
    ]
    return {
        ("PersistentVolumeClaim", c.name)
        for state in states
        for c in state.claims
        if any(c.name.startswith(p) and c.name[len(p) :].isdigit() for p in prefixes)
    }


# --- field by field ------------------------------------------------------------------------------


def _show(items: Iterable[object]) -> str:
    return ", ".join(str(i) for i in items) or "none"


def _sets(
    field: str, what: str, wanted: Iterable[object], live: Iterable[object]
) -> list[tuple[str, str]]:
    """A drift row when two collections differ, naming what is only on each side."""
    want, have = set(map(str, wanted)), set(map(str, live))
    if want == have:
        return []
    parts = []
    if only := sorted(want - have):
        parts.append(f"only in the manifests: {_show(only)}")
    if only := sorted(have - want):
        parts.append(f"only in the cluster: {_show(only)}")
    return [(field, f"{what} differ: {'; '.join(parts)}")]


def _value(field: str, what: str, wanted: object, live: object) -> list[tuple[str, str]]:
    if wanted == live:
        return []
    return [(field, f"{what}: the manifests say {wanted!r}, the cluster has {live!r}")]


def _drift(obj: _Object, live: Any, autoscaled: bool) -> list[tuple[str, str]]:
    compare: Callable[..., list[tuple[str, str]]] = _COMPARERS.get(obj.kind, _keys)
    return compare(obj.value, live, autoscaled)


def _workload(
    want: TargetWorkload, have: TargetWorkload, autoscaled: bool
) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if not autoscaled:
        rows += _value("replicas", "replicas", want.replicas, have.replicas)
    for label, wanted, live in (
        ("container", want.containers, have.containers),
        ("init container", want.init_containers, have.init_containers),
    ):
        field = "containers" if label == "container" else "init_containers"
        rows += _sets(field, f"{label}s", (c.name for c in wanted), (c.name for c in live))
        by_name = {c.name: c for c in live}
        for c in wanted:
            if c.name in by_name:
                rows += _container(f"{label} {c.name}", c, by_name[c.name])
    rows += _sets(
        "volumes",
        "pod volumes",
        (f"{v.name} ({v.kind} {v.ref})".replace(" )", ")") for v in want.volumes),
        (f"{v.name} ({v.kind} {v.ref})".replace(" )", ")") for v in have.volumes),
    )
    rows += _sets(
        "volumes",
        "volume claim templates",
        (
            f"{c.name} ({_claim_text(c.access_modes, c.requested)})"
            for c in want.claim_template_specs
        ),
        (
            f"{c.name} ({_claim_text(c.access_modes, c.requested)})"
            for c in have.claim_template_specs
        ),
    )
    return rows


def _claim_text(modes: Iterable[str], size: str) -> str:
    return " ".join([*modes, size]).strip()


def _container(what: str, want: ContainerSpec, have: ContainerSpec) -> list[tuple[str, str]]:
    suffix = f":{want.name}"
    rows = _value(f"image{suffix}", f"image of {what}", want.image, have.image)
    rows += _sets(
        f"env{suffix}",
        f"env names of {what}",
        [*want.env, *(f"envFrom {k}/{n}" for k, n in want.env_from)],
        [*have.env, *(f"envFrom {k}/{n}" for k, n in have.env_from)],
    )
    rows += _sets(
        f"ports{suffix}",
        f"ports of {what}",
        (f"{p}/{proto}" for p, proto in want.ports),
        (f"{p}/{proto}" for p, proto in have.ports),
    )
    rows += _sets(
        f"volumes{suffix}",
        f"volume mounts of {what}",
        (f"{m.volume} at {m.path}" for m in want.mounts),
        (f"{m.volume} at {m.path}" for m in have.mounts),
    )
    return rows


def _service(want: Any, have: Any, _: bool) -> list[tuple[str, str]]:
    def ports(service: Any) -> list[str]:
        return [f"{p.port}->{p.target_port}/{p.protocol}" for p in service.ports]

    rows = _sets("ports", "Service ports", ports(want), ports(have))
    rows += _value("selector", "selector", want.selector, have.selector)
    rows += _value("type", "type", want.type, have.type)
    return rows


def _ingress(want: Any, have: Any, _: bool) -> list[tuple[str, str]]:
    def rules(ingress: Any) -> list[str]:
        return [f"{r.host}{r.path} -> {r.service}:{r.port}" for r in ingress.rules]

    rows = _sets("rules", "Ingress rules", rules(want), rules(have))
    rows += _sets("tls", "TLS hosts", want.tls_hosts, have.tls_hosts)
    return rows


def _claim(want: Any, have: Any, _: bool) -> list[tuple[str, str]]:
    rows = _value("storage", "requested size", want.requested, have.requested)
    rows += _sets("access_modes", "access modes", want.access_modes, have.access_modes)
    if want.storage_class:  # none named: the cluster's default class is not drift
        rows += _value("storage_class", "storage class", want.storage_class, have.storage_class)
    return rows


def _autoscaler(want: Any, have: Any, _: bool) -> list[tuple[str, str]]:
    rows = _value(
        "target",
        "scale target",
        f"{want.target_kind}/{want.target_name}",
        f"{have.target_kind}/{have.target_name}",
    )
    rows += _value("replicas:min", "minimum replicas", want.min_replicas, have.min_replicas)
    rows += _value("replicas:max", "maximum replicas", want.max_replicas, have.max_replicas)
    return rows


def _keys(want: Any, have: Any, _: bool) -> list[tuple[str, str]]:
    return _sets("keys", "keys", want, have)


_COMPARERS: dict[str, Callable[..., list[tuple[str, str]]]] = {
    "Deployment": _workload,
    "StatefulSet": _workload,
    "Service": _service,
    "Ingress": _ingress,
    "PersistentVolumeClaim": _claim,
    "HorizontalPodAutoscaler": _autoscaler,
    "ScaledObject": _autoscaler,
}
