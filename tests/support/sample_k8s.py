"""The bundled sample applied to a real API server: shared by the integration tests that need it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from wizard.config import demo_dir

SAMPLE = demo_dir() / "k8s"
SELECTOR = "app=email-rag"
PLURALS = {
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "Service": "services",
    "PersistentVolumeClaim": "persistentvolumeclaims",
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "Ingress": "ingresses",
    "HorizontalPodAutoscaler": "horizontalpodautoscalers",
    "ScaledObject": "scaledobjects",
    "TriggerAuthentication": "triggerauthentications",
}
KEDA_CRD = "scaledobjects.keda.sh"
KEDA_KINDS = {
    ("ScaledObject", "email-rag-celery"),
    ("TriggerAuthentication", "email-rag-rabbitmq"),
}


def poll(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
    return result


def raw(api: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request as admin, plain JSON both ways: (status, answer)."""
    request = api.param_serialize(
        method=method,
        resource_path=path,
        header_params={"Accept": "application/json", "Content-Type": "application/json"},
        body=body,
        auth_settings=["BearerToken"],
    )
    response = api.call_api(*request)
    try:
        data = response.read() or b"null"
    finally:
        response.response.release_conn()
    try:
        return response.status, json.loads(data)
    except ValueError:  # "404 page not found" for a group version the server lacks
        return response.status, data.decode()


def create(api: Any, obj: dict[str, Any], namespace: str) -> bool:
    """Create one namespaced object; False when the server does not serve its kind (404)."""
    version = obj["apiVersion"]
    root = f"/api/{version}" if "/" not in version else f"/apis/{version}"
    status, answer = raw(api, "POST", f"{root}/namespaces/{namespace}/{PLURALS[obj['kind']]}", obj)
    if status == 404:
        return False
    assert 200 <= status < 300, answer
    return True


def sample_for(namespace: str, folder: Path, files: tuple[str, ...] = ()) -> Path:
    """The sample's manifests (or some of its files), moved into `namespace`, under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(SAMPLE.glob("*.yaml")):
        if files and path.name not in files:
            continue
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        for doc in docs:
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = namespace
        (folder / path.name).write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return folder


def apply_folder(api: Any, folder: Path, namespace: str) -> set[tuple[str, str]]:
    """Create every object of the folder's files; the (kind, name)s the server lacks a kind for."""
    skipped = set()
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc["kind"] == "Namespace":  # the test's own namespace stands in
                continue
            if not create(api, doc, namespace):
                skipped.add((doc["kind"], doc["metadata"]["name"]))
    return skipped


def keda_served(api: Any) -> bool:
    return raw(api, "GET", "/apis/keda.sh/v1alpha1")[0] == 200
