"""Every kind a Compose service can become is read from manifests as a workload; objects of
another namespace and of kinds cutover does not compare are named, not silently dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from wizard.target.manifests import load_manifests
from wizard.target.model import ElsewhereRef, ObjectRef
from wizard.target.parse import TargetBuilder

POD = {
    "containers": [
        {"name": "app", "image": "shop/app:1", "env": [{"name": "MODE", "value": "batch"}]},
        {"name": "proxy", "image": "nginx:1.27"},
    ]
}


def _obj(kind: str, name: str, api: str, spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, **meta}, "spec": spec}


def _templated(kind: str, name: str, api: str = "apps/v1", **spec: Any) -> dict[str, Any]:
    template = {"metadata": {"labels": {"component": name}}, "spec": POD}
    return _obj(kind, name, api, {"template": template, **spec}, labels={"app": "shop"})


def _write(folder: Path, *objects: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "all.yaml").write_text(yaml.safe_dump_all(objects), encoding="utf-8")
    return folder


def test_every_workload_kind_is_read_with_its_pod_template(tmp_path: Path) -> None:
    cron = _obj(
        "CronJob",
        "report",
        "batch/v1",
        {
            "schedule": "0 3 * * *",
            "suspend": True,
            "jobTemplate": {"spec": {"template": {"spec": POD}}},
        },
    )
    pod = _obj("Pod", "oneoff", "v1", POD, labels={"component": "oneoff"})
    folder = _write(
        tmp_path,
        _templated("DaemonSet", "agent"),
        _templated("Job", "migrate", "batch/v1", completions=1),
        _templated("ReplicationController", "legacy", "v1", replicas=3),
        cron,
        pod,
    )
    state = load_manifests(folder, "shop")
    found = {(w.kind, w.name): w for w in state.workloads}
    assert set(found) == {
        ("DaemonSet", "agent"),
        ("Job", "migrate"),
        ("ReplicationController", "legacy"),
        ("CronJob", "report"),
        ("Pod", "oneoff"),
    }
    for w in found.values():
        assert [c.name for c in w.containers] == ["app", "proxy"]
        assert w.containers[0].env["MODE"].value == "batch"
    assert found[("CronJob", "report")].schedule == "0 3 * * *"
    assert found[("CronJob", "report")].suspended
    assert not found[("Job", "migrate")].suspended
    assert found[("CronJob", "report")].pod_path == "spec.jobTemplate.spec.template.spec"
    assert found[("Pod", "oneoff")].pod_path == "spec"
    assert found[("Pod", "oneoff")].pod_labels == {"component": "oneoff"}
    assert found[("ReplicationController", "legacy")].replicas == 3
    assert found[("DaemonSet", "agent")].replicas is None  # one per node: no count
    assert found[("Pod", "oneoff")].replicas == 1
    assert state.ignored_kinds == {}


def test_owned_pods_and_cronjob_runs_are_not_workloads() -> None:
    owner = [{"kind": "ReplicaSet", "name": "web-5d9f", "controller": True}]
    run_owner = [{"kind": "CronJob", "name": "report", "controller": True}]
    builder = TargetBuilder("shop")
    assert not builder.add(_obj("Pod", "web-5d9f-abcde", "v1", POD, ownerReferences=owner))
    assert not builder.add(
        _templated("Job", "report-2900", "batch/v1")
        | {"metadata": {"name": "report-2900", "ownerReferences": run_owner}}
    )
    assert builder.add(_obj("Pod", "debug", "v1", POD))
    state = builder.build()
    assert [(w.kind, w.name) for w in state.workloads] == [("Pod", "debug")]


def test_a_name_shared_by_kinds_resolves_to_the_long_running_one(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        _templated("Job", "web", "batch/v1"),
        _templated("Deployment", "web"),
        _templated("DaemonSet", "web"),
    )
    state = load_manifests(folder, "shop")
    assert state.workload("web").kind == "Deployment"  # type: ignore[union-attr]
    assert state.workload("web", "Job").kind == "Job"  # type: ignore[union-attr]
    assert state.workload("web", "StatefulSet") is None


def test_objects_of_other_namespaces_are_named(tmp_path: Path) -> None:
    web = _templated("Deployment", "web")
    web["metadata"]["namespace"] = "staging"
    svc = _obj("Service", "web", "v1", {"ports": [{"port": 80}]}, namespace="staging")
    cache = _templated("StatefulSet", "cache")
    cache["metadata"]["namespace"] = "data"
    here = _templated("Deployment", "api")
    state = load_manifests(_write(tmp_path, web, svc, cache, here), "shop")
    assert [w.name for w in state.workloads] == ["api"]
    assert state.elsewhere == (
        ElsewhereRef("data", "StatefulSet", "cache"),
        ElsewhereRef("staging", "Deployment", "web"),
        ElsewhereRef("staging", "Service", "web"),
    )
    assert state.other_namespaces == 3


def test_the_selector_applies_before_the_namespace_is_noted(tmp_path: Path) -> None:
    other = _templated("Deployment", "other-app")
    other["metadata"] = {"name": "other-app", "namespace": "x", "labels": {"app": "other"}}
    state = load_manifests(_write(tmp_path, other), "shop", "app=shop")
    assert state.elsewhere == ()


def test_unsupported_kinds_are_named_for_the_findings(tmp_path: Path) -> None:
    rollout = _templated("Rollout", "web", "argoproj.io/v1alpha1")
    state = load_manifests(_write(tmp_path, rollout), "shop")
    assert state.workloads == ()
    assert state.ignored == (ObjectRef("Rollout", "web"),)
    assert state.ignored_kinds == {"Rollout": 1}
