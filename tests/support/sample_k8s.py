"""The bundled sample applied to a real API server: shared by the integration tests that need it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from kubernetes.client.exceptions import ApiException

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


class TimedOut(AssertionError):
    """A poll's deadline passed: a failure in a test, an error in the sandbox's CLI."""


def poll(what: str, check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1) -> Any:
    """`check()` until it is truthy (its value), or TimedOut after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise TimedOut(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return result


def wait_for_default_token(core: Any, namespace: str) -> None:
    """The controller-manager gives a new namespace's default ServiceAccount a token; pods are
    refused until then."""

    def token_ready() -> bool:
        try:
            return bool(core.read_namespaced_service_account("default", namespace).secrets)
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise

    poll(f"the default ServiceAccount token in {namespace}", token_ready)


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


def keda_crd_body() -> dict[str, Any]:
    """KEDA's ScaledObject CRD, cut to what the API server needs to serve the sample's object.
    Cluster-wide: whoever creates it removes it, and only when it made it."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": KEDA_CRD, "labels": {"cutover-test": "keda"}},
        "spec": {
            "group": "keda.sh",
            "scope": "Namespaced",
            "names": {
                "plural": "scaledobjects",
                "singular": "scaledobject",
                "kind": "ScaledObject",
                "listKind": "ScaledObjectList",
            },
            "versions": [
                {
                    "name": "v1alpha1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def keda_served(api: Any) -> bool:
    return raw(api, "GET", "/apis/keda.sh/v1alpha1")[0] == 200
