"""The target model from manifests (files) and from API JSON, and where the two disagree."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from wizard.checks import Severity
from wizard.config import Flags, demo_dir, resolve_config
from wizard.demo import DemoCluster
from wizard.errors import ConfigError, Forbidden, NotFound
from wizard.model import Operation
from wizard.target.compare import compare_sources
from wizard.target.fetch import TargetReader
from wizard.target.manifests import load_manifests
from wizard.target.model import (
    Autoscaler,
    EnvValue,
    IngressRule,
    Probe,
    ServicePort,
    TargetClaim,
    TargetState,
)
from wizard.target.parse import TargetBuilder

SAMPLE = demo_dir() / "k8s"
NS = "email-rag"
SECRET_VALUE = "Hunter2-very-secret-value"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def secret_manifest(name: str = "app-secrets", **extra: Any) -> dict[str, Any]:
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
                    {"stringData": {"password": SECRET_VALUE}}
                )
            },
        },
        "type": "Opaque",
        "data": {"api-key": encoded},
        "stringData": {"password": SECRET_VALUE},
        **extra,
    }


@pytest.fixture(scope="module")
def sample() -> TargetState:
    return load_manifests(SAMPLE, NS)


# --- the bundled sample ---------------------------------------------------------------------------


def test_sample_kinds_and_names(sample: TargetState) -> None:
    assert [(w.kind, w.name, w.replicas) for w in sample.workloads] == [
        ("Deployment", "email-rag-backend", 2),
        ("Deployment", "email-rag-celery", 2),
        ("Deployment", "email-rag-frontend", 2),
        ("StatefulSet", "postgres", 1),
        ("StatefulSet", "rabbitmq", 1),
        ("StatefulSet", "redis", 1),
    ]
    assert [s.name for s in sample.services] == [
        "email-rag-backend",
        "email-rag-frontend",
        "postgres",
        "rabbitmq",
        "redis",
    ]
    assert [c.name for c in sample.claims] == ["chroma-data", "upload-data"]
    assert sample.config_maps == {
        "email-rag-config": (
            "CHROMA_PERSIST_DIR",
            "ENVIRONMENT",
            "POSTGRES_DB",
            "POSTGRES_USER",
            "RABBITMQ_DEFAULT_USER",
            "REDIS_URL",
            "UPLOAD_DIR",
        )
    }
    assert sample.secrets == {}  # the wizard writes the Secret; it is never shipped
    assert sample.ignored_kinds == {"Namespace": 1, "TriggerAuthentication": 1}
    assert sample.other_namespaces == 0
    assert sample.sources == ("manifests",)
    assert sample.origin("Deployment", "email-rag-celery") == str(SAMPLE / "celery.yaml")


def test_sample_backend_in_detail(sample: TargetState) -> None:
    backend = sample.workload("email-rag-backend")
    assert backend is not None
    assert backend.labels == backend.pod_labels == {"app": "email-rag", "component": "backend"}
    (main,) = backend.containers
    assert main.image == "amiteshhsingh/email-rag-backend:v1.0.0"
    assert main.command is None and main.args is None
    assert main.env["OPENAI_API_KEY"] == EnvValue(secret=("email-rag-secrets", "openai-api-key"))
    assert main.env["DATABASE_URL"].value is not None
    assert "$(POSTGRES_PASSWORD)" in main.env["DATABASE_URL"].value
    assert main.env_from == (("ConfigMap", "email-rag-config"),)
    assert main.ports == ((8000, "TCP"),)
    assert [(m.volume, m.path) for m in main.mounts] == [
        ("uploads", "/app/uploads"),
        ("chroma", "/app/data/chroma"),
    ]
    assert main.readiness == Probe("httpGet", "/health:http", 10, 5, 3, 10)
    assert main.liveness == Probe("httpGet", "/health:http", 30, 10, 3, 40)
    assert main.requests == {"cpu": "500m", "memory": "1Gi"}
    assert main.limits == {"cpu": "2", "memory": "2Gi"}
    (migrate,) = backend.init_containers
    assert migrate.command == ("alembic", "upgrade", "head")
    assert [(v.name, v.kind, v.ref) for v in backend.volumes] == [
        ("uploads", "persistentVolumeClaim", "upload-data"),
        ("chroma", "persistentVolumeClaim", "chroma-data"),
    ]
    celery = sample.workload("email-rag-celery")
    assert celery is not None and celery.termination_grace_s == 120
    assert celery.containers[0].command == ("celery", "-A", "app.workers.celery_app", "worker")
    assert celery.containers[0].args == ("--loglevel=info", "--concurrency=4")
    assert celery.containers[0].readiness is None
    assert celery.containers[0].liveness is not None
    assert celery.containers[0].liveness.kind == "exec"


def test_sample_statefulsets_services_ingress_claims_autoscalers(sample: TargetState) -> None:
    postgres = sample.workload("postgres")
    assert postgres is not None and postgres.kind == "StatefulSet"
    assert postgres.claim_templates == ("data",)
    assert postgres.claim_template_specs == (TargetClaim("data", ("ReadWriteOnce",), "", "20Gi"),)
    assert postgres.containers[0].env["POSTGRES_USER"] == EnvValue(
        config_map=("email-rag-config", "POSTGRES_USER")
    )
    redis = sample.workload("redis")
    assert redis is not None and redis.containers[0].args is not None
    assert redis.containers[0].readiness == Probe("exec", "redis-cli ping", 10, 5, 3, 0)

    services = {s.name: s for s in sample.services}
    assert services["email-rag-backend"].ports == (ServicePort(8000, "http", "TCP", "http"),)
    assert not services["email-rag-backend"].headless
    assert services["postgres"].headless
    assert services["postgres"].ports == (ServicePort(5432, "5432", "TCP", "postgres"),)
    assert [p.port for p in services["rabbitmq"].ports] == [5672, 15672]

    (ingress,) = sample.ingresses
    assert ingress.name == "email-rag" and ingress.class_name == "nginx"
    assert ingress.tls_hosts == ("email-rag.example.com",)
    assert ingress.rules == (
        IngressRule("email-rag.example.com", "/api", "email-rag-backend", "http"),
        IngressRule("email-rag.example.com", "/", "email-rag-frontend", "http"),
    )
    assert sample.claims[1] == TargetClaim("upload-data", ("ReadWriteMany",), "nfs", "50Gi")
    assert sample.autoscalers == (
        Autoscaler(
            "HorizontalPodAutoscaler",
            "email-rag-backend",
            "Deployment",
            "email-rag-backend",
            2,
            6,
        ),
        Autoscaler(
            "HorizontalPodAutoscaler",
            "email-rag-frontend",
            "Deployment",
            "email-rag-frontend",
            2,
            5,
        ),
        Autoscaler("ScaledObject", "email-rag-celery", "Deployment", "email-rag-celery", 2, 10),
    )


# --- folders, formats, broken input ---------------------------------------------------------------


HELM_OUTPUT = """\
---
# Source: email-rag/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: email-rag
---
# Source: email-rag/templates/empty.yaml
---
# Source: email-rag/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: email-rag-config
  labels:
    helm.sh/chart: email-rag-0.1.0
    app.kubernetes.io/managed-by: Helm
data:
  LOG_LEVEL: "info"
---
# Source: email-rag/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-web
  labels:
    app.kubernetes.io/managed-by: Helm
spec:
  template:
    spec:
      containers:
        - name: web
          image: "nginx:1.25"
          ports:
            - containerPort: 80
---
# Source: email-rag/templates/hpa.yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: release-web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: release-web}
  maxReplicas: 4
---
"""


def test_helm_template_output(tmp_path: Path) -> None:
    write(tmp_path, "rendered.yaml", HELM_OUTPUT)
    state = load_manifests(tmp_path, "prod")
    (web,) = state.workloads
    assert web.name == "release-web" and web.replicas == 1  # the API server's default
    assert web.containers[0].image == "nginx:1.25"
    assert web.containers[0].ports == ((80, "TCP"),)
    assert state.config_maps == {"email-rag-config": ("LOG_LEVEL",)}
    assert state.autoscalers == (
        Autoscaler("HorizontalPodAutoscaler", "release-web", "Deployment", "release-web", 1, 4),
    )
    assert state.ignored_kinds == {"ServiceAccount": 1}


def test_lists_json_recursion_namespaces_and_selector(tmp_path: Path) -> None:
    deployment = {
        "metadata": {"name": "api", "namespace": "prod", "labels": {"app": "shop"}},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "api"}]}}},
    }
    # `kubectl get deploy -o json`: a typed list whose items carry no kind.
    write(
        tmp_path,
        "dump/deployments.json",
        json.dumps({"apiVersion": "apps/v1", "kind": "DeploymentList", "items": [deployment]}),
    )
    generic_list = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"}},
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "other", "namespace": "staging"},
            },
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "unlabelled-in-prod", "labels": {"app": "blog"}},
            },
        ],
    }
    write(tmp_path, "nested/deeper/list.yml", yaml.safe_dump(generic_list))
    write(tmp_path, ".hidden/ignored.yaml", "kind: [not, parsed")
    write(tmp_path, "README.md", "not a manifest")

    everything = load_manifests(tmp_path, "prod")
    assert [(w.name, w.replicas) for w in everything.workloads] == [("api", 3)]
    assert [s.name for s in everything.services] == ["api"]
    assert everything.other_namespaces == 1
    assert "unlabelled-in-prod" in everything.config_maps
    assert everything.origin("Deployment", "api") == str(tmp_path / "dump/deployments.json")

    shop = load_manifests(tmp_path, "prod", selector="app=shop")
    assert [w.name for w in shop.workloads] == ["api"]
    assert shop.services == () and shop.config_maps == {}
    assert shop.selector == "app=shop"

    single = load_manifests(tmp_path / "nested/deeper/list.yml", "staging")
    assert [s.name for s in single.services] == ["api", "other"]  # no namespace: the target's


def test_broken_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n"
        f"  password: {SECRET_VALUE}\n    broken: [indent\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_manifests(tmp_path, "prod")
    text = f"{caught.value} {caught.value.fix}"
    assert str(path) in text
    assert "line 7, column 11" in str(caught.value)
    assert SECRET_VALUE not in text


def test_broken_json_and_missing_or_empty_folders(tmp_path: Path) -> None:
    write(tmp_path, "a/bad.json", '{"kind": "Service",\n  "metadata": }')
    with pytest.raises(ConfigError, match=r"bad\.json, line 2, column 15: not valid JSON"):
        load_manifests(tmp_path / "a", "prod")
    with pytest.raises(ConfigError, match="does not exist"):
        load_manifests(tmp_path / "absent", "prod")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"No \*\.yaml"):
        load_manifests(tmp_path / "empty", "prod")
    write(tmp_path, "b/x.yaml", "kind: Service\n")
    with pytest.raises(ConfigError, match="selector"):
        load_manifests(tmp_path / "b", "prod", selector="app in (a")


def test_secret_values_never_enter_the_model(tmp_path: Path) -> None:
    write(tmp_path, "secret.yaml", yaml.safe_dump(secret_manifest()))
    token = secret_manifest("default-token-abcde", type="kubernetes.io/service-account-token")
    write(tmp_path, "token.json", json.dumps(token))
    state = load_manifests(tmp_path, "prod")
    assert state.secrets == {"app-secrets": ("api-key", "password")}
    assert state.ignored_kinds == {"Secret (kubernetes.io/service-account-token)": 1}
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    for shown in (repr(state), str(state)):
        assert SECRET_VALUE not in shown and encoded not in shown


# --- other shapes -----------------------------------------------------------------------------------


def test_other_api_versions_and_defaults() -> None:
    builder = TargetBuilder("prod")
    builder.add(
        {
            "apiVersion": "extensions/v1beta1",
            "kind": "Ingress",
            "metadata": {"name": "old", "annotations": {"kubernetes.io/ingress.class": "nginx"}},
            "spec": {
                "backend": {"serviceName": "web", "servicePort": 80},
                "rules": [
                    {
                        "host": "a.example",
                        "http": {
                            "paths": [{"backend": {"serviceName": "api", "servicePort": "http"}}]
                        },
                    }
                ],
            },
        }
    )
    builder.add(
        {
            "apiVersion": "autoscaling/v1",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "hpa"},
            "spec": {"scaleTargetRef": {"kind": "StatefulSet", "name": "db"}, "maxReplicas": 3},
        }
    )
    builder.add(
        {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledObject",
            "metadata": {"name": "so"},
            "spec": {"scaleTargetRef": {"name": "worker"}},
        }
    )
    builder.add(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"type": "NodePort", "ports": [{"port": 80, "protocol": "UDP"}]},
        }
    )
    assert not builder.add({"apiVersion": "example.com/v1", "kind": "Service", "metadata": {}})
    state = builder.build()
    (ingress,) = state.ingresses
    assert ingress.class_name == "nginx"
    assert ingress.rules == (
        IngressRule("", "", "web", "80"),
        IngressRule("a.example", "", "api", "http"),
    )
    assert state.autoscalers == (
        Autoscaler("HorizontalPodAutoscaler", "hpa", "StatefulSet", "db", 1, 3),
        Autoscaler("ScaledObject", "so", "Deployment", "worker", 0, 100),
    )
    assert state.services[0].ports == (ServicePort(80, "80", "UDP"),)
    assert state.services[0].type == "NodePort"
    assert state.ignored_kinds == {"Service": 1}


# --- compare_sources ------------------------------------------------------------------------------


def test_identical_sources_agree(sample: TargetState) -> None:
    live = replace(sample, sources=("cluster",), origins={}, keda_installed=True)
    assert compare_sources(live, sample) == []


def test_not_applied_drift_and_cluster_only(sample: TargetState) -> None:
    backend = sample.workload("email-rag-backend")
    redis = sample.workload("redis")
    assert backend is not None and redis is not None
    changed_backend = replace(
        backend,
        replicas=5,  # an HPA drives it: not drift
        containers=(
            replace(backend.containers[0], image="amiteshhsingh/email-rag-backend:v1.0.1"),
        ),
    )
    changed_redis = replace(
        redis,
        replicas=2,
        containers=(
            replace(
                redis.containers[0],
                env={"EXTRA": EnvValue(value="1")},
                ports=((6380, "TCP"),),
            ),
        ),
    )
    workloads = tuple(
        {"email-rag-backend": changed_backend, "redis": changed_redis}.get(w.name, w)
        for w in sample.workloads
        if w.name != "email-rag-frontend"
    )
    live = replace(
        sample,
        workloads=workloads,
        claims=(
            *sample.claims,
            TargetClaim("data-postgres-0", ("ReadWriteOnce",), "standard", "20Gi"),
        ),
        config_maps={**sample.config_maps, "kube-root-ca.crt": ("ca.crt",), "stray": ("a",)},
        keda_installed=True,
        origins={},
    )
    found = {f.check: f for f in compare_sources(live, sample)}
    assert set(found) == {
        "target.not_applied:Deployment/email-rag-frontend",
        "target.drift:Deployment/email-rag-backend:image:backend",
        "target.drift:StatefulSet/redis:replicas",
        "target.drift:StatefulSet/redis:env:redis",
        "target.drift:StatefulSet/redis:ports:redis",
        "target.cluster_only:ConfigMap/stray",
    }
    missing = found["target.not_applied:Deployment/email-rag-frontend"]
    assert missing.severity is Severity.WARN
    assert missing.fix == f"`kubectl apply -f {SAMPLE / 'frontend.yaml'} -n {NS}`"
    image = found["target.drift:Deployment/email-rag-backend:image:backend"]
    assert "v1.0.1" in image.message and "image" in image.message
    assert "only in the cluster: EXTRA" in found["target.drift:StatefulSet/redis:env:redis"].message
    assert found["target.cluster_only:ConfigMap/stray"].severity is Severity.INFO


def test_keda_missing_and_unreadable_secrets(sample: TargetState) -> None:
    wanted = replace(sample, secrets={"email-rag-secrets": ("postgres-password",)})
    live = replace(
        sample,
        autoscalers=tuple(a for a in sample.autoscalers if a.kind != "ScaledObject"),
        keda_installed=False,
        secrets_readable=False,
        unreadable=("Secret",),
    )
    findings = compare_sources(live, wanted)
    assert [(f.check, f.severity) for f in findings] == [
        ("target.unreadable:Secret", Severity.INFO),
        ("target.not_applied:ScaledObject/email-rag-celery", Severity.WARN),
    ]
    assert "KEDA is not installed" in findings[1].message


# --- reading the cluster (TargetReader over a scripted API) -----------------------------------------


class ScriptedApi:
    """Answers GET paths from a dict; a missing path is 404, a path mapped to 403 is Forbidden."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []

    def get(self, op: Operation, path: str, query: list[tuple[str, str]]) -> dict[str, Any]:
        self.calls.append((path, query))
        answer = self.answers.get(path)
        if answer is None:
            raise NotFound(f"not found: {path}")
        if answer == 403:
            raise Forbidden(f"forbidden: {op.describe('ns')}")
        if callable(answer):
            result: dict[str, Any] = answer(dict(query))
            return result
        return dict(answer)


def _items(*items: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(items)}


def _api_1_20(**overrides: Any) -> dict[str, Any]:
    """What a v1.20 API server answers, for namespace `ns` (everything empty)."""
    base = "/namespaces/ns/"
    answers: dict[str, Any] = {
        "/apis/networking.k8s.io/v1": {"resources": [{"name": "ingresses"}]},
        "/apis/autoscaling/v2beta2": {"resources": [{"name": "horizontalpodautoscalers"}]},
        "/apis/autoscaling/v1": {"resources": [{"name": "horizontalpodautoscalers"}]},
        "/apis/batch/v1": {"resources": [{"name": "jobs"}, {"name": "cronjobs"}]},
    }
    for path in (
        "/apis/apps/v1" + base + "deployments",
        "/apis/apps/v1" + base + "statefulsets",
        "/apis/apps/v1" + base + "daemonsets",
        "/api/v1" + base + "replicationcontrollers",
        "/apis/batch/v1" + base + "cronjobs",
        "/apis/batch/v1" + base + "jobs",
        "/api/v1" + base + "pods",
        "/api/v1" + base + "services",
        "/apis/networking.k8s.io/v1" + base + "ingresses",
        "/api/v1" + base + "persistentvolumeclaims",
        "/api/v1" + base + "configmaps",
        "/api/v1" + base + "secrets",
        "/apis/autoscaling/v2beta2" + base + "horizontalpodautoscalers",
    ):
        answers[path] = _items()
    answers.update(overrides)
    return answers


def test_reader_falls_back_to_v2beta2_and_skips_absent_keda() -> None:
    hpa = {
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3},
    }
    api = ScriptedApi(
        _api_1_20(
            **{"/apis/autoscaling/v2beta2/namespaces/ns/horizontalpodautoscalers": _items(hpa)}
        )
    )
    reader = TargetReader(api.get, "ns")
    state = reader.read("app=web")
    assert state.autoscaling_version == "autoscaling/v2beta2"
    assert state.keda_installed is False
    assert state.autoscalers == (
        Autoscaler("HorizontalPodAutoscaler", "web", "Deployment", "web", 1, 3),
    )
    assert state.secrets_readable and state.unreadable == ()
    lists = [(p, q) for p, q in api.calls if "/namespaces/" in p]
    assert len(lists) == 13 and all(("labelSelector", "app=web") in q for _, q in lists)
    discovery = [p for p, _ in api.calls if "/namespaces/" not in p]
    assert discovery == [
        "/apis/batch/v1",
        "/apis/networking.k8s.io/v1",
        "/apis/autoscaling/v2",
        "/apis/autoscaling/v2beta2",
        "/apis/keda.sh/v1alpha1",
        # No Gateway API on a 1.20 server: 404 on both versions, read as no routes.
        "/apis/gateway.networking.k8s.io/v1",
        "/apis/gateway.networking.k8s.io/v1beta1",
    ]
    assert state.routes == ()
    api.calls.clear()
    reader.read()
    assert all("/namespaces/" in p for p, _ in api.calls)  # discovered once


def test_reader_reads_keda_pages_and_strips_secret_values() -> None:
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    secret = secret_manifest()
    del secret["apiVersion"], secret["kind"], secret["stringData"]
    secret["data"]["password"] = encoded

    def deployments(query: dict[str, str]) -> dict[str, Any]:
        name = "second" if query.get("continue") == "t1" else "first"
        meta = {"continue": "t1"} if name == "first" else {}
        return {"metadata": meta, "items": [{"metadata": {"name": name}}]}

    answers = _api_1_20(
        **{
            "/apis/keda.sh/v1alpha1": {"resources": [{"name": "scaledobjects"}]},
            "/apis/keda.sh/v1alpha1/namespaces/ns/scaledobjects": _items(
                {
                    "apiVersion": "keda.sh/v1alpha1",
                    "kind": "ScaledObject",
                    "metadata": {"name": "worker"},
                    "spec": {"scaleTargetRef": {"name": "worker"}, "maxReplicaCount": 7},
                }
            ),
            "/api/v1/namespaces/ns/secrets": _items(secret),
            "/apis/apps/v1/namespaces/ns/deployments": deployments,
        }
    )
    state = TargetReader(ScriptedApi(answers).get, "ns").read()
    assert [w.name for w in state.workloads] == ["first", "second"]
    assert state.keda_installed is True
    assert state.autoscalers == (
        Autoscaler("ScaledObject", "worker", "Deployment", "worker", 0, 7),
    )
    assert state.secrets == {"app-secrets": ("api-key", "password")}
    assert SECRET_VALUE not in repr(state) and encoded not in repr(state)


def test_reader_reports_forbidden_kinds_but_not_forbidden_workloads() -> None:
    viewer = ScriptedApi(_api_1_20(**{"/api/v1/namespaces/ns/secrets": 403}))
    state = TargetReader(viewer.get, "ns").read()
    assert state.secrets_readable is False and state.unreadable == ("Secret",)
    nobody = ScriptedApi(_api_1_20(**{"/apis/apps/v1/namespaces/ns/deployments": 403}))
    with pytest.raises(Forbidden):
        TargetReader(nobody.get, "ns").read()


# --- the demo cluster -------------------------------------------------------------------------------


def test_demo_cluster_reads_the_sample_as_applied(sample: TargetState) -> None:
    cluster = DemoCluster(resolve_config(Flags(demo=True)))
    state = cluster.read_target("app=email-rag")
    assert state.sources == ("cluster",) and state.keda_installed is True
    assert [w.name for w in state.workloads] == [w.name for w in sample.workloads]
    assert {c.name for c in state.claims} >= {"upload-data", "data-postgres-0"}
    assert compare_sources(state, sample) == []

    cluster.create_secret("email-rag-secrets", {"secret-key": SECRET_VALUE}, {"app": "email-rag"})
    state = cluster.read_target("app=email-rag")
    assert state.secrets == {"email-rag-secrets": ("secret-key",)}
    assert SECRET_VALUE not in repr(state)
    assert [f.check for f in compare_sources(state, sample)] == [
        "target.cluster_only:Secret/email-rag-secrets"
    ]
    only_backend = cluster.read_target("component=backend")
    assert [w.name for w in only_backend.workloads] == ["email-rag-backend"]


def test_demo_cluster_without_secret_access() -> None:
    cluster = DemoCluster(resolve_config(Flags(demo=True)), denied=[("list", "secrets")])
    state = cluster.read_target()
    assert not state.secrets_readable and state.unreadable == ("Secret",)
