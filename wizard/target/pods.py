"""A workload's pod template -> the model: containers, probes, env, volumes, claim templates.

Every workload kind keeps a pod template (a bare Pod is one): where it sits in the manifest is
`POD_PATHS` of the model, so a CronJob's containers diff like a Deployment's. Malformed fields
never raise: a value of the wrong type reads as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.target.fields import as_int as _int
from wizard.target.fields import as_list as _list
from wizard.target.fields import as_map as _map
from wizard.target.fields import name_of as _name
from wizard.target.fields import str_map as _str_map
from wizard.target.fields import strs as _strs
from wizard.target.model import (
    NOT_REPLICATED,
    ContainerSpec,
    EnvValue,
    PodVolume,
    Probe,
    TargetClaim,
    TargetWorkload,
    VolumeMountSpec,
    VolumeSource,
)

_VOLUME_KINDS = {
    "persistentVolumeClaim": "claimName",
    "configMap": "name",
    "secret": "secretName",
    "emptyDir": "",
    "hostPath": "path",
}


def env_value(entry: Mapping[str, Any]) -> EnvValue:
    source = _map(entry.get("valueFrom"))
    if secret := _map(source.get("secretKeyRef")):
        return EnvValue(
            secret=(str(secret.get("name") or ""), str(secret.get("key") or "")),
            optional=secret.get("optional") is True,
        )
    if config := _map(source.get("configMapKeyRef")):
        return EnvValue(
            config_map=(str(config.get("name") or ""), str(config.get("key") or "")),
            optional=config.get("optional") is True,
        )
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
    optional_env_from: list[tuple[str, str]] = []
    for source in _list(spec.get("envFrom")):
        source = _map(source)
        for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            if ref := _map(source.get(key)):
                env_from.append((kind, str(ref.get("name") or "")))
                if ref.get("optional") is True:
                    optional_env_from.append(env_from[-1])
                break
    ports = tuple(
        (number, str(_map(p).get("protocol") or "TCP"))
        for p in _list(spec.get("ports"))
        if (number := _int(_map(p).get("containerPort"))) is not None
    )
    port_names = {
        str(_map(p).get("name")): number
        for p in _list(spec.get("ports"))
        if _map(p).get("name") and (number := _int(_map(p).get("containerPort"))) is not None
    }
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
        optional_env_from=tuple(optional_env_from),
        ports=ports,
        port_names=port_names,
        mounts=mounts,
        readiness=probe(spec.get("readinessProbe")),
        liveness=probe(spec.get("livenessProbe")),
        startup=probe(spec.get("startupProbe")),
        requests=_str_map(resources.get("requests")),
        limits=_str_map(resources.get("limits")),
    )


def pod_volume(spec: Mapping[str, Any]) -> PodVolume:
    name = str(spec.get("name") or "")
    files = volume_sources(spec)
    for kind, ref_key in _VOLUME_KINDS.items():
        if kind in spec:
            source = _map(spec.get(kind))
            ref = str(source.get(ref_key) or "") if ref_key else ""
            read_only = source.get("readOnly") is True
            return PodVolume(name, kind, ref, sources=files, read_only=read_only)
    other = next((key for key in spec if key != "name"), "")
    if not other:  # a volume with no source is an emptyDir, as the API server defaults it
        return PodVolume(name, "emptyDir", "")
    return PodVolume(name, "other", str(other), sources=files)


def volume_sources(spec: Mapping[str, Any]) -> tuple[VolumeSource, ...]:
    """The Secrets and ConfigMaps a secret, configMap or projected volume shows as files (the
    mapping diff finds a Compose secret's or config's file in them), with their modes."""
    projected = _map(spec.get("projected"))
    found: list[tuple[str, Mapping[str, Any], str, Any]] = [
        ("Secret", _map(spec.get("secret")), "secretName", None),
        ("ConfigMap", _map(spec.get("configMap")), "name", None),
    ]
    for projection in _list(projected.get("sources")):
        default = projected.get("defaultMode")
        found.append(("Secret", _map(_map(projection).get("secret")), "name", default))
        found.append(("ConfigMap", _map(_map(projection).get("configMap")), "name", default))
    sources = []
    for kind, source, name_key, projected_default in found:
        if not source:
            continue
        items = [_map(item) for item in _list(source.get("items"))]
        default = source.get("defaultMode", projected_default)
        sources.append(
            VolumeSource(
                kind,
                str(source.get(name_key) or ""),
                tuple((str(i.get("key") or ""), str(i.get("path") or "")) for i in items),
                tuple(
                    (str(i.get("path") or ""), i["mode"])
                    for i in items
                    if isinstance(i.get("mode"), int) and not isinstance(i.get("mode"), bool)
                ),
                default if isinstance(default, int) and not isinstance(default, bool) else None,
            )
        )
    return tuple(sources)


def claim(obj: Mapping[str, Any]) -> TargetClaim:
    spec = _map(obj.get("spec"))
    requests = _map(_map(spec.get("resources")).get("requests"))
    return TargetClaim(
        name=_name(obj),
        access_modes=_strs(spec.get("accessModes")),
        storage_class=str(spec.get("storageClassName") or ""),
        requested=str(requests.get("storage") or ""),
        bound_modes=_bound_modes(obj),
    )


def _bound_modes(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """A claim's status.accessModes (its PersistentVolume's) while it is Bound."""
    status = _map(obj.get("status"))
    return _strs(status.get("accessModes")) if status.get("phase") == "Bound" else ()


def pod_template(obj: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(pod metadata, pod spec) of any workload kind: the template's, or a bare Pod's own."""
    kind = str(obj.get("kind") or "")
    spec = _map(obj.get("spec"))
    if kind == "Pod":
        return _map(obj.get("metadata")), spec
    if kind == "CronJob":
        spec = _map(_map(spec.get("jobTemplate")).get("spec"))
    template = _map(spec.get("template"))
    return _map(template.get("metadata")), _map(template.get("spec"))


def workload(obj: Mapping[str, Any]) -> TargetWorkload:
    meta = _map(obj.get("metadata"))
    spec = _map(obj.get("spec"))
    kind = str(obj.get("kind") or "")
    pod_meta, pod = pod_template(obj)
    templates = (
        tuple(claim(_map(t)) for t in _list(spec.get("volumeClaimTemplates")))
        if kind == "StatefulSet"
        else ()
    )
    # A DaemonSet runs one pod per node, a Job until done, a CronJob on its schedule: no count.
    replicas = (
        None if kind in NOT_REPLICATED else 1 if kind == "Pod" else _int(spec.get("replicas"), 1)
    )
    return TargetWorkload(
        kind=kind,
        name=str(meta.get("name") or ""),
        labels=_str_map(meta.get("labels")),
        pod_labels=_str_map(pod_meta.get("labels")),
        replicas=replicas,
        containers=tuple(container(_map(c)) for c in _list(pod.get("containers"))),
        init_containers=tuple(container(_map(c)) for c in _list(pod.get("initContainers"))),
        volumes=tuple(pod_volume(_map(v)) for v in _list(pod.get("volumes"))),
        claim_templates=tuple(c.name for c in templates),
        claim_template_specs=templates,
        termination_grace_s=_int(pod.get("terminationGracePeriodSeconds"), 30) or 0,
        schedule=str(spec.get("schedule") or "") if kind == "CronJob" else "",
        suspended=kind == "CronJob" and spec.get("suspend") is True,
    )
