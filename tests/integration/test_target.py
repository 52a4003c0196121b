"""The target read from the real kube-apiserver equals the manifests it was applied from.

The bundled sample (assets/demo/k8s) is applied into each test's fresh namespace as raw JSON;
kinds the server does not serve (KEDA's, unless a test installs the CRD) are skipped, and the
test says which. Then `KubeCluster.read_target` must give what `load_manifests` gives, up to
what the server adds on its own, and `compare_sources` must find exactly what a test changed.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.support.sample_k8s import (
    KEDA_CRD,
    KEDA_KINDS,
    SELECTOR,
    apply_folder,
    create,
    keda_crd_body,
    keda_served,
    poll,
    sample_for,
)
from wizard.checks import Severity
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster
from wizard.target.compare import compare_sources
from wizard.target.manifests import load_manifests
from wizard.target.model import TargetState

SECRET_VALUE = "pg-" + secrets.token_hex(12)


def without_statefulset_claims(state: TargetState) -> tuple[Any, ...]:
    """The claims, minus those the StatefulSet controller made from templates (data-redis-0)."""
    made = {
        f"{t}-{w.name}-{i}"
        for w in state.workloads
        for t in w.claim_templates
        for i in range(w.replicas or 1)
    }
    return tuple(c for c in state.claims if c.name not in made)


def assert_same_target(live: TargetState, files: TargetState) -> None:
    assert live.workloads == files.workloads
    assert live.services == files.services
    assert live.ingresses == files.ingresses
    assert without_statefulset_claims(live) == files.claims
    assert live.config_maps == files.config_maps
    readable = live.keda_installed and "ScaledObject" not in live.unreadable
    served = {"HorizontalPodAutoscaler"} | ({"ScaledObject"} if readable else set())
    assert live.autoscalers == tuple(a for a in files.autoscalers if a.kind in served)


@pytest.fixture
def admin(admin_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    yield cluster
    cluster.close()


@pytest.fixture
def viewer(viewer_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    cluster = connect_cluster(viewer_kubeconfig, None, namespace, read_only=True)
    yield cluster
    cluster.close()


@pytest.fixture
def applied(admin_api: Any, namespace: str, tmp_path: Path) -> tuple[Path, TargetState]:
    """The sample applied to the namespace: its folder and what load_manifests makes of it."""
    folder = sample_for(namespace, tmp_path / "k8s")
    keda = keda_served(admin_api)
    skipped = apply_folder(admin_api, folder, namespace)
    # Only KEDA's kinds are skipped, and the ScaledObject exactly when keda.sh is not served.
    assert skipped <= KEDA_KINDS
    assert (("ScaledObject", "email-rag-celery") in skipped) is not keda
    return folder, load_manifests(folder, namespace, SELECTOR)


def test_read_target_equals_the_applied_manifests(
    admin: KubeCluster, applied: tuple[Path, TargetState], namespace: str
) -> None:
    folder, files = applied
    started = time.perf_counter()
    live = admin.read_target(SELECTOR)
    first = time.perf_counter() - started
    started = time.perf_counter()
    admin.read_target(SELECTOR)
    again = time.perf_counter() - started
    print(f"read_target on the sample: first {first * 1000:.0f} ms, again {again * 1000:.0f} ms")

    # The StatefulSet controller makes a claim per template and pod: there, and not drift.
    made = {"data-postgres-0", "data-rabbitmq-0", "data-redis-0"}

    def with_claims() -> TargetState | None:
        state = admin.read_target(SELECTOR)
        return state if made <= {c.name for c in state.claims} else None

    live = poll("the StatefulSets' claims", with_claims)
    assert live.sources == ("cluster",) and live.namespace == namespace
    assert live.autoscaling_version == "autoscaling/v2beta2"  # no autoscaling/v2 in 1.20
    assert live.secrets_readable and live.unreadable == ()
    assert_same_target(live, files)
    findings = compare_sources(live, files)
    if live.keda_installed:  # another test's CRD, installed meanwhile
        assert findings == []
    else:
        [keda] = findings
        assert keda.check == "target.not_applied:ScaledObject/email-rag-celery"
        assert "KEDA is not installed" in keda.message
        assert str(folder / "celery.yaml") in keda.fix


def test_compare_reports_a_deleted_object_and_a_changed_image(
    admin: KubeCluster, admin_api: Any, applied: tuple[Path, TargetState], namespace: str
) -> None:
    folder, files = applied
    apps = client.AppsV1Api(admin_api)
    apps.delete_namespaced_deployment("email-rag-frontend", namespace)
    apps.patch_namespaced_deployment(
        "email-rag-backend",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "backend", "image": "b:v2"}]}}}},
    )
    live = admin.read_target(SELECTOR)
    found = {
        f.check: f
        for f in compare_sources(live, files)
        if not f.check.startswith("target.not_applied:ScaledObject/")
    }
    assert set(found) == {
        "target.not_applied:Deployment/email-rag-frontend",
        "target.drift:Deployment/email-rag-backend:image:backend",
    }
    missing = found["target.not_applied:Deployment/email-rag-frontend"]
    assert missing.severity is Severity.WARN
    assert missing.fix == f"`kubectl apply -f {folder / 'frontend.yaml'} -n {namespace}`"
    drift = found["target.drift:Deployment/email-rag-backend:image:backend"]
    assert drift.severity is Severity.WARN and "'b:v2'" in drift.message


def test_viewer_reads_everything_but_secrets(
    admin: KubeCluster,
    viewer: KubeCluster,
    admin_api: Any,
    applied: tuple[Path, TargetState],
    namespace: str,
) -> None:
    _, files = applied
    client.CoreV1Api(admin_api).create_namespaced_secret(
        namespace,
        {
            "metadata": {"name": "email-rag-secrets", "labels": {"app": "email-rag"}},
            "stringData": {"postgres-password": SECRET_VALUE, "openai-api-key": SECRET_VALUE},
        },
    )
    # The StatefulSet controller makes its claims in its own time: compare once all five exist.
    poll("every claim made", lambda: len(admin.read_target(SELECTOR).claims) == 5)
    as_admin = admin.read_target(SELECTOR)
    assert as_admin.secrets == {"email-rag-secrets": ("openai-api-key", "postgres-password")}
    assert SECRET_VALUE not in repr(as_admin)

    as_viewer = viewer.read_target(SELECTOR)
    # `view` does not cover CRDs: when another test (or a sandbox) has KEDA installed right now,
    # the viewer cannot read ScaledObjects either, and says so.
    unreadable = as_viewer.unreadable
    assert not as_viewer.secrets_readable and unreadable in {
        ("Secret",),
        ("Secret", "ScaledObject"),
    }
    assert as_viewer.secrets == {}
    # Without ScaledObjects the viewer sees the HorizontalPodAutoscalers only.
    hpas = tuple(a for a in as_admin.autoscalers if a.kind == "HorizontalPodAutoscaler")
    autoscalers = hpas if "ScaledObject" in unreadable else as_admin.autoscalers
    assert as_viewer == replace(
        as_admin,
        secrets={},
        secrets_readable=False,
        unreadable=unreadable,
        autoscalers=autoscalers,
    )
    assert_same_target(as_viewer, files)
    # The Secret is not in the manifests; the viewer cannot tell it is there at all.
    assert [f.check for f in compare_sources(as_admin, files) if "Secret" in f.check] == [
        "target.cluster_only:Secret/email-rag-secrets"
    ]
    assert not [f for f in compare_sources(as_viewer, files) if "Secret" in f.check]


def test_an_hpa_created_as_v1_or_v2beta2_is_found(
    admin: KubeCluster, admin_api: Any, namespace: str
) -> None:
    for version, name, extra in (
        ("autoscaling/v2beta2", "web", {"metrics": []}),
        ("autoscaling/v1", "old", {"targetCPUUtilizationPercentage": 60}),
    ):
        assert create(
            admin_api,
            {
                "apiVersion": version,
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": name, "labels": {"app": "hpa"}},
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                    "minReplicas": 2,
                    "maxReplicas": 4,
                    **extra,
                },
            },
            namespace,
        )
    live = admin.read_target("app=hpa")
    assert live.autoscaling_version == "autoscaling/v2beta2"
    assert [
        (a.kind, a.name, a.target_name, a.min_replicas, a.max_replicas) for a in live.autoscalers
    ] == [
        ("HorizontalPodAutoscaler", "old", "old", 2, 4),
        ("HorizontalPodAutoscaler", "web", "web", 2, 4),
    ]


# --- KEDA: the CRD is cluster-wide, so only this test installs it, and only removes its own -----


@pytest.fixture
def keda_crd(admin_api: Any) -> Iterator[None]:
    """The ScaledObject CRD, Established and in discovery. Deleted afterwards only when this
    fixture made it: a CRD that was there already (another run's, a real KEDA) is left alone."""
    extensions = client.ApiextensionsV1Api(admin_api)

    def existing() -> Any:
        try:
            return extensions.read_custom_resource_definition(KEDA_CRD)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    crd = existing()
    if crd is not None and crd.metadata.deletion_timestamp:  # an earlier cleanup still running
        poll(f"CRD {KEDA_CRD} to finish deleting", lambda: existing() is None, timeout=60)
        crd = None
    made = False
    if crd is None:
        try:
            extensions.create_custom_resource_definition(keda_crd_body())
            made = True
        except ApiException as exc:
            if exc.status != 409:  # someone else's, made just now: use it, leave it
                raise

    def established() -> bool:
        found = existing()
        conditions = (found.status.conditions or []) if found and found.status else []
        return any(c.type == "Established" and c.status == "True" for c in conditions)

    try:
        poll(f"CRD {KEDA_CRD} Established", established)
        poll("keda.sh/v1alpha1 in discovery", lambda: keda_served(admin_api))
        yield
    finally:
        if made:
            try:
                extensions.delete_custom_resource_definition(KEDA_CRD)
            except ApiException as exc:
                if exc.status != 404:
                    raise


def test_scaled_objects_are_read_when_keda_is_installed(
    keda_crd: None,
    admin_kubeconfig: str,
    viewer: KubeCluster,
    admin_api: Any,
    namespace: str,
    tmp_path: Path,
) -> None:
    folder = sample_for(namespace, tmp_path / "k8s", files=("config.yaml", "celery.yaml"))
    # TriggerAuthentication has no CRD here; the ScaledObject now has one.
    assert apply_folder(admin_api, folder, namespace) == {
        ("TriggerAuthentication", "email-rag-rabbitmq")
    }
    files = load_manifests(folder, namespace, SELECTOR)
    # A fresh gateway: discovery is asked once per gateway, and KEDA came after the others.
    admin = connect_cluster(admin_kubeconfig, None, namespace, read_only=True)
    try:
        live = admin.read_target(SELECTOR)
    finally:
        admin.close()
    assert live.keda_installed is True
    assert [(a.kind, a.name, a.min_replicas, a.max_replicas) for a in live.autoscalers] == [
        ("ScaledObject", "email-rag-celery", 2, 10)
    ]
    assert_same_target(live, files)
    assert compare_sources(live, files) == []
    # `view` has no rule for keda.sh: the viewer is told, not failed.
    as_viewer = viewer.read_target(SELECTOR)
    assert as_viewer.unreadable == ("Secret", "ScaledObject") and as_viewer.keda_installed
    assert [f.check for f in compare_sources(as_viewer, files)] == [
        "target.unreadable:ScaledObject"
    ]
