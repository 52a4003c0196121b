"""Gateway API CRDs on the real kube-apiserver, as small as the tests need: this environment has
no Gateway API (the group answers 404), so a test that reads HTTPRoutes or Gateways installs their
CRDs (schema-free: `x-kubernetes-preserve-unknown-fields`), waits until discovery serves them, and
deletes only those it made (a CRD that was there, a concurrent test's, is left alone)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.support.sample_k8s import poll, raw

GROUP = "gateway.networking.k8s.io"


@dataclass(frozen=True)
class Crd:
    kind: str
    plural: str
    versions: tuple[str, ...]  # served; the first is stored
    status: bool = False  # a status subresource, as the real Gateway CRD has

    @property
    def name(self) -> str:
        return f"{self.plural}.{GROUP}"


HTTP_ROUTES = Crd("HTTPRoute", "httproutes", ("v1beta1",))
GATEWAYS = Crd("Gateway", "gateways", ("v1", "v1beta1"), status=True)


def _body(crd: Crd) -> dict[str, Any]:
    schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": crd.name,
            "labels": {"cutover-test": "gateway-api"},
            # A *.k8s.io group needs it; the Gateway API's own CRDs carry this one.
            "annotations": {
                "api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/gateway-api/pull/2466"
            },
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "plural": crd.plural,
                "singular": crd.kind.lower(),
                "kind": crd.kind,
                "listKind": f"{crd.kind}List",
            },
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": i == 0,
                    "schema": schema,
                    **({"subresources": {"status": {}}} if crd.status else {}),
                }
                for i, version in enumerate(crd.versions)
            ],
        },
    }


def _existing(extensions: Any, name: str) -> Any:
    try:
        return extensions.read_custom_resource_definition(name)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def _gone(extensions: Any, name: str) -> bool:
    return _existing(extensions, name) is None


def serves(admin_api: Any, crd: Crd) -> bool:
    """Discovery lists the kind in every version the CRD serves."""
    for version in crd.versions:
        status, answer = raw(admin_api, "GET", f"/apis/{GROUP}/{version}")
        if status != 200 or not any(r.get("name") == crd.plural for r in answer["resources"]):
            return False
    return True


@contextlib.contextmanager
def installed(admin_api: Any, *crds: Crd) -> Iterator[None]:
    """The CRDs Established and in discovery for the block; those made here deleted after."""
    extensions = client.ApiextensionsV1Api(admin_api)
    made: list[str] = []
    try:
        for crd in crds:
            found = _existing(extensions, crd.name)
            if found is not None and found.metadata.deletion_timestamp:
                gone = partial(_gone, extensions, crd.name)
                poll(f"CRD {crd.name} to finish deleting", gone, timeout=60)
                found = None
            if found is None:
                try:
                    body: Any = _body(crd)
                    extensions.create_custom_resource_definition(body)
                    made.append(crd.name)
                except ApiException as exc:
                    if exc.status != 409:  # a concurrent test made it meanwhile: theirs
                        raise
        for crd in crds:
            poll(f"{crd.name} in discovery", partial(serves, admin_api, crd), 60)
        yield
    finally:
        for name in made:
            try:
                extensions.delete_custom_resource_definition(name)
            except ApiException as exc:
                if exc.status != 404:
                    raise
