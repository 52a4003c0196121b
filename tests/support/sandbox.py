"""A rehearsal on real services: the bundled Email-RAG sample, running, on the test environment.

``start_sandbox(workdir)`` puts together, against whatever test environment is current (the
values of ``scripts/testenv.sh up``'s env.sh, see tests/support/testenv.py):

- the Kubernetes side: namespace ``namespace`` with the sample's manifests (assets/demo/k8s),
  KEDA's ScaledObject CRD, and the PersistentVolumes the sample's story assumes were made by hand
  (there is no provisioner): redis', rabbitmq's, upload-data's, chroma-data's (class ``standard``,
  ReadWriteOnce, as planted) and a ReadWriteMany one for the fixed chroma-data. Not one for
  ``data-postgres-0``: that claim staying Pending is a planted problem, fixed by
  assets/demo/k8s-fixed/postgres-volume.yaml. PV names start with the namespace, and each PV is
  pre-bound (``claimRef``) to its claim in that namespace, so two sandboxes never meet. The
  sample's PVs are NFS exports; here each is a ``hostPath`` folder in the environment's state dir
  (no NFS server runs here), so the real kubelet really mounts them.
  ``fixed=True`` applies k8s-fixed/ over k8s/ (same kind and name replaces) from the start.
- the pods run on the environment's real kubelet: postgres and redis are real (the environment's
  images from Debian's packages, tagged with the sample's names); a pod whose Secret key is
  missing waits in the kubelet's own CreateContainerConfigError until step 2 writes it.
- the Compose side: the sample's Compose file and a ``.env`` from ``.env.example`` in the workdir,
  project ``project`` up on the private dockerd, on the same images: real postgres and redis,
  busybox standing in for the application's images (it serves HTTP on 80 and 8000).

``Sandbox.stop()`` takes all of it away again (the workdir is the caller's). It is also the engine
of ``make sandbox`` (scripts/sandbox.sh)::

    python -m tests.support.sandbox up|fix|down|info --workdir DIR [--namespace NS] [--fixed]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support import testenv
from tests.support.dns import DnsServer, stop_pid
from tests.support.sample_k8s import (
    KEDA_CRD,
    PLURALS,
    TimedOut,
    create,
    keda_crd_body,
    keda_served,
    poll,
    raw,
    sample_for,
    wait_for_default_token,
)
from wizard.config import demo_dir
from wizard.demo.objects import INGRESS_ADDRESS
from wizard.demo.resolver import SITE

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = demo_dir()
FIXED = SAMPLE / "k8s-fixed"
COMPOSE_NAME = "docker-compose.prod.yml"
OVERRIDE_NAME = "sandbox.override.yml"
STATE_NAME = "sandbox.json"
LABEL = "cutover-sandbox"  # on the namespace and the PVs; its value is the namespace
STANDIN_LABEL = "cutover-sandbox.standin"

# The sample's images that are real here: the environment's own, tagged with the sample's names.
REAL_IMAGES = {"postgres:15-alpine": "postgres_image", "redis:7-alpine": "redis_image"}
# The commands the sample's Compose file and manifests run in the application's images (checks,
# the migration, the worker): in the stand-in image, scripts (see TOOL).
STANDIN_TOOLS = ("curl", "rabbitmq-diagnostics", "celery", "alembic")
ENTRYPOINT = """#!/bin/sh
# Stand-in for the sample's application images: serves HTTP on 80 (the frontend) and 8000 (the
# backend; /health answers), whatever the command, until stopped.
mkdir -p /tmp/www
echo "email-rag stand-in" >/tmp/www/index.html
echo ok >/tmp/www/health
httpd -p 80 -h /tmp/www
httpd -p 8000 -h /tmp/www
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
"""
TOOL = """#!/bin/sh
# Stand-in for a tool of the sample's images: a worker runs (serves and waits) until stopped;
# anything else (a check, a migration) succeeds at once.
case " $* " in *" worker "*) exec /bin/entrypoint ;; esac
exit 0
"""

# Only for `docker-compose up` here; cutover reads the sample's file alone. Healthchecks every
# second, else Compose's depends_on: service_healthy waits out 30 s intervals twice; a start
# period for the stores, whose failed checks while initdb runs on a loaded machine would count
# (five of them made postgres unhealthy and `up` fail once); host ports
# picked by the daemon, so two sandboxes on one dockerd never clash (the container ports stay).
OVERRIDE = """\
# Sandbox only, next to the sample's Compose file for `docker-compose up`; cutover never reads it.
services:
  frontend:
    ports: !override ["80", "443"]
  backend:
    healthcheck: {interval: 1s, start_period: 0s}
  celery:
    healthcheck: {interval: 1s, start_period: 0s}
  postgres:
    healthcheck: {interval: 1s, start_period: 120s}
  redis:
    healthcheck: {interval: 1s, start_period: 120s}
  rabbitmq:
    ports: !override ["127.0.0.1::15672"]
    healthcheck: {interval: 1s, start_period: 120s}
"""


class SandboxError(Exception):
    """Setting up or taking down the sandbox failed; the message says where."""


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------


@dataclass
class Sandbox:
    namespace: str
    project: str
    compose_file: Path
    env_file: Path
    workdir: Path
    kubeconfig: str
    docker_host: str
    fixed: bool = False
    compose_bin: str = ""
    persistent_volumes: list[str] = field(default_factory=list)
    made_keda_crd: bool = False
    # The site's DNS (tests/support/dns.py): dnsmasq on loopback, detached, stopped by pid.
    dns_server: str = ""
    dns_pid: int = 0

    # -- what to run against it ----------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The environment for `cutover` (and `docker-compose`) against the sandbox."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
        env.update(KUBECONFIG=self.kubeconfig, DOCKER_HOST=self.docker_host)
        return env

    def cutover_args(self) -> list[str]:
        """`cutover`'s options for the sandbox (with KUBECONFIG and DOCKER_HOST from env())."""
        return ["-f", str(self.compose_file), "-p", self.project, "-n", self.namespace]

    def compose(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        files = ["-f", str(self.compose_file), "-f", str(self.workdir / OVERRIDE_NAME)]
        return subprocess.run(
            [self.compose_bin, "-p", self.project, *files, *args],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    # -- saved in the workdir, for the CLI's later commands -------------------------------------

    def save(self) -> None:
        data = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}
        (self.workdir / STATE_NAME).write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, workdir: Path) -> Sandbox:
        data = json.loads((workdir / STATE_NAME).read_text())
        for key in ("compose_file", "env_file", "workdir"):
            data[key] = Path(data[key])
        return cls(**data)

    # -- taking it down --------------------------------------------------------------------------

    def stop(self) -> None:
        """Namespace deleted (its pods at once), Compose project removed with its volumes, the
        PVs made for it deleted with their folders; waits until they are gone. Goes as far as it
        can when a service is unreachable, then raises SandboxError saying what is left."""
        problems: list[str] = []
        if self.dns_pid:
            stop_pid(self.dns_pid)
        try:
            self._delete_from_cluster()
        except Exception as exc:  # unreachable API server and such: still take Compose down
            problems.append(f"Kubernetes: {type(exc).__name__}: {exc}")
        if self.compose_bin:
            result = self.compose("down", "-v", "--remove-orphans", "-t", "1")
            if result.returncode != 0:
                problems.append(f"docker-compose down: {result.stderr.strip()}")
        if problems:
            raise SandboxError("; ".join(problems))

    def _delete_from_cluster(self) -> None:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        with _kube(self.kubeconfig) as api:
            core = client.CoreV1Api(api)
            with contextlib.suppress(ApiException):
                core.delete_namespace(self.namespace, propagation_policy="Background")
            # At once: the kubelet stops their containers when it sees them gone.
            with contextlib.suppress(ApiException):
                core.delete_collection_namespaced_pod(self.namespace, grace_period_seconds=0)
            for name in self.persistent_volumes:
                with contextlib.suppress(ApiException):
                    core.delete_persistent_volume(name)

            def gone(read: Callable[[], Any]) -> bool:
                try:
                    read()
                except ApiException as exc:
                    if exc.status == 404:
                        return True
                    raise
                return False

            def all_gone() -> bool:
                if not gone(lambda: core.read_namespace(self.namespace)):
                    return False
                return all(
                    gone(lambda name=name: core.read_persistent_volume(name))  # type: ignore[misc]
                    for name in self.persistent_volumes
                )

            poll(f"namespace {self.namespace} and its PVs to be gone", all_gone, timeout=90)
            if self.made_keda_crd:
                _remove_keda_crd_if_unused(api)
        for name in self.persistent_volumes:
            shutil.rmtree(volume_folder(name), ignore_errors=True)
        self.persistent_volumes, self.made_keda_crd = [], False


def volume_folder(pv_name: str) -> Path:
    """Where a sandbox PV keeps its files: in the environment's state dir, so that the
    environment's `down` removes whatever a sandbox left."""
    return testenv.load().state / "volumes" / pv_name


@contextlib.contextmanager
def _kube(kubeconfig: str) -> Iterator[Any]:
    from kubernetes import config

    api = config.new_client_from_config(config_file=kubeconfig)
    try:
        yield api
    finally:
        api.close()


# ---------------------------------------------------------------------------------------------
# The sample's files in the workdir
# ---------------------------------------------------------------------------------------------


def _write_project(
    workdir: Path, namespace: str, project: str, dns_server: str = ""
) -> tuple[Path, Path]:
    """The Compose file, its nginx config, a .env and a cutover.yaml for this sandbox: in the
    workdir, so cutover's state (.cutover/) and the .env never land in the repository."""
    workdir.mkdir(parents=True, exist_ok=True)
    compose_file = workdir / COMPOSE_NAME
    shutil.copyfile(SAMPLE / COMPOSE_NAME, compose_file)
    shutil.copytree(SAMPLE / "nginx", workdir / "nginx", dirs_exist_ok=True)
    env_file = workdir / ".env"
    shutil.copyfile(SAMPLE / ".env.example", env_file)
    env_file.chmod(0o600)
    (workdir / OVERRIDE_NAME).write_text(OVERRIDE)
    settings = yaml.safe_load((SAMPLE / "cutover.yaml").read_text())
    settings.update(project=project, env_file=".env", namespace=namespace, manifests="k8s")
    # No registry here: the Data step's helper pods run the environment's own busybox.
    settings["helper_image"] = testenv.load().image
    # The Traffic step: the site's name is asked of the sandbox's own DNS server, and Compose's
    # published ports answer on the engine's address.
    settings["compose_addresses"] = [testenv.load().docker_address]
    if dns_server:
        settings["dns"] = [dns_server]
    (workdir / "cutover.yaml").write_text(
        "# The sample's cutover.yaml, for this sandbox (its namespace, project and .env).\n"
        + yaml.safe_dump(settings, sort_keys=False)
    )
    return compose_file, env_file


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _fixed_docs(namespace: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """k8s-fixed/: (its namespaced objects moved into `namespace`, its PersistentVolumes)."""
    namespaced, volumes = [], []
    for path in sorted(FIXED.glob("*.yaml")):
        for doc in _docs(path):
            if doc["kind"] == "PersistentVolume":
                volumes.append(_own_volume(doc, namespace))
            else:
                doc["metadata"]["namespace"] = namespace
                namespaced.append(doc)
    return namespaced, volumes


def write_manifests(workdir: Path, namespace: str, fixed: bool) -> Path:
    """The sample's manifests in `namespace` under workdir/k8s (what cutover compares with);
    with `fixed`, k8s-fixed/'s objects replace those of the same kind and name. CPU requests
    are cut to fit the node (see fit_node)."""
    folder = sample_for(namespace, workdir / "k8s")
    replacing = {}
    if fixed:
        replacing = {(d["kind"], d["metadata"]["name"]): d for d in _fixed_docs(namespace)[0]}
    for path in sorted(folder.glob("*.yaml")):
        docs = [replacing.get((d["kind"], d["metadata"]["name"]), d) for d in _docs(path)]
        path.write_text(yaml.safe_dump_all([fit_node(d) for d in docs], sort_keys=False))
    return folder


# The sample asks 3.8 CPUs in requests (backend 2 x 500m, celery 2 x 1 ...); the environment's one
# real node has the machine's cores (2 here), and the scheduler would leave pods Pending with
# "Insufficient cpu". The sandbox divides every CPU request by this: the manifests cutover reads
# and the objects applied agree, and limits (not scheduled against) stay as the sample has them.
CPU_REQUEST_DIVISOR = 10


def fit_node(doc: dict[str, Any]) -> dict[str, Any]:
    pod = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
    for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
        requests = (container.get("resources") or {}).get("requests") or {}
        if "cpu" in requests:
            cpu = str(requests["cpu"])
            millis = int(cpu[:-1]) if cpu.endswith("m") else int(float(cpu) * 1000)
            requests["cpu"] = f"{max(millis // CPU_REQUEST_DIVISOR, 1)}m"
    return doc


# ---------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------


def _volume(
    namespace: str,
    name: str,
    claim: str,
    size: str,
    modes: list[str],
    storage_class: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "capacity": {"storage": size},
        "accessModes": modes,
        "persistentVolumeReclaimPolicy": "Retain",
        "claimRef": {"namespace": namespace, "name": claim},
        "hostPath": _host_path(f"{namespace}-{name}"),
    }
    if storage_class:
        spec["storageClassName"] = storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": f"{namespace}-{name}",
            "labels": {"app": "email-rag", "component": "storage", LABEL: namespace},
        },
        "spec": spec,
    }


def _own_volume(doc: dict[str, Any], namespace: str) -> dict[str, Any]:
    """A PV of k8s-fixed/, renamed after the sandbox's namespace, pre-bound to its claim, and
    kept in a folder instead of its NFS export."""
    doc["metadata"]["name"] = f"{namespace}-{doc['metadata']['name']}"
    doc["metadata"].setdefault("labels", {})[LABEL] = namespace
    doc["spec"]["claimRef"]["namespace"] = namespace
    doc["spec"].pop("nfs", None)
    doc["spec"]["hostPath"] = _host_path(doc["metadata"]["name"])
    return doc


def _host_path(pv_name: str) -> dict[str, str]:
    return {"path": str(volume_folder(pv_name)), "type": "DirectoryOrCreate"}


def sandbox_volumes(namespace: str) -> list[dict[str, Any]]:
    """The PVs an administrator made by hand before the sample was applied (not postgres')."""
    return [
        _volume(namespace, "redis", "data-redis-0", "2Gi", ["ReadWriteOnce"]),
        _volume(namespace, "rabbitmq", "data-rabbitmq-0", "5Gi", ["ReadWriteOnce"]),
        _volume(namespace, "upload-data", "upload-data", "50Gi", ["ReadWriteMany"], "nfs"),
        # As planted: chroma-data asks for class `standard`, ReadWriteOnce; and the one the fixed
        # claim (nfs, ReadWriteMany) binds.
        _volume(namespace, "chroma-data", "chroma-data", "20Gi", ["ReadWriteOnce"], "standard"),
        _volume(namespace, "chroma-data-nfs", "chroma-data", "20Gi", ["ReadWriteMany"], "nfs"),
    ]


def _path(obj: dict[str, Any], namespace: str) -> str:
    version = obj["apiVersion"]
    root = f"/api/{version}" if "/" not in version else f"/apis/{version}"
    if obj["kind"] == "PersistentVolume":
        return f"{root}/persistentvolumes"
    return f"{root}/namespaces/{namespace}/{PLURALS[obj['kind']]}"


def apply_object(api: Any, obj: dict[str, Any], namespace: str) -> bool:
    """Create, or replace the object of the same kind and name; False when its kind is not
    served. A claim's spec cannot change in place: delete it first (see fix_sandbox)."""
    collection = _path(obj, namespace)
    status, answer = raw(api, "POST", collection, obj)
    if status == 404:
        return False
    if status == 409:
        item = f"{collection}/{obj['metadata']['name']}"
        status, current = raw(api, "GET", item)
        if status == 200:
            body = json.loads(json.dumps(obj))
            body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            status, answer = raw(api, "PUT", item, body)
    if not 200 <= status < 300:
        raise SandboxError(f"{obj['kind']} {obj['metadata']['name']}: {status} {answer}")
    return True


def _serve_the_site(api: Any, namespace: str) -> None:
    """What an ingress controller and cert-manager would do here (neither runs): the sample's
    Ingresses get an address in their status, and the TLS Secrets they name are made."""
    from kubernetes import client

    net, core = client.NetworkingV1Api(api), client.CoreV1Api(api)
    status = {"status": {"loadBalancer": {"ingress": [{"ip": INGRESS_ADDRESS}]}}}
    for ingress in net.list_namespaced_ingress(namespace).items:
        net.patch_namespaced_ingress_status(ingress.metadata.name, namespace, status)
        for tls in ingress.spec.tls or ():
            if tls.secret_name:
                body = {
                    "metadata": {"name": tls.secret_name},
                    "type": "kubernetes.io/tls",
                    # Stand-ins: the API server checks the keys are there, not the PEM.
                    "stringData": {"tls.crt": "sandbox certificate", "tls.key": "sandbox key"},
                }
                with contextlib.suppress(client.exceptions.ApiException):  # already made
                    core.create_namespaced_secret(namespace, body)


def _create_namespace(api: Any, namespace: str) -> None:
    from kubernetes import client

    core = client.CoreV1Api(api)
    (doc,) = _docs(SAMPLE / "k8s" / "namespace.yaml")
    labels = {**doc["metadata"].get("labels", {}), LABEL: namespace}
    core.create_namespace({"metadata": {"name": namespace, "labels": labels}})

    wait_for_default_token(core, namespace)


def _apply_claims_first(api: Any, folder: Path, namespace: str) -> None:
    """The folder's objects, its claims first and bound (their PVs are there) before the pods
    that mount them are scheduled: else every such pod keeps a FailedScheduling warning event
    ("unbound immediate PersistentVolumeClaims") that the Pod health step would show."""
    docs = [d for path in sorted(folder.glob("*.yaml")) for d in _docs(path)]
    claims = [d for d in docs if d["kind"] == "PersistentVolumeClaim"]
    for doc in claims:
        create(api, doc, namespace)

    def bound() -> bool:
        status, answer = raw(api, "GET", f"/api/v1/namespaces/{namespace}/persistentvolumeclaims")
        phases = {c["metadata"]["name"]: c["status"].get("phase") for c in answer["items"]}
        return status == 200 and all(phases.get(d["metadata"]["name"]) == "Bound" for d in claims)

    poll("the sample's claims to bind", bound)
    for doc in docs:
        if doc["kind"] not in ("Namespace", "PersistentVolumeClaim"):
            create(api, doc, namespace)  # False (skipped) for a kind the server lacks


def _ensure_keda_crd(api: Any) -> bool:
    """KEDA's ScaledObject CRD served; True when this call made it."""
    if keda_served(api):
        return False
    status, answer = raw(
        api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", keda_crd_body()
    )
    if status not in (201, 409):
        raise SandboxError(f"creating CRD {KEDA_CRD}: {status} {answer}")
    poll("keda.sh/v1alpha1 in discovery", lambda: keda_served(api))
    return status == 201


def _remove_keda_crd_if_unused(api: Any) -> None:
    status, answer = raw(api, "GET", "/apis/keda.sh/v1alpha1/scaledobjects")
    if status == 200 and not answer.get("items"):
        raw(api, "DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{KEDA_CRD}")


# ---------------------------------------------------------------------------------------------
# Docker
# ---------------------------------------------------------------------------------------------


def compose_images(compose_file: Path) -> list[str]:
    model = yaml.safe_load(compose_file.read_text())
    return sorted({s["image"] for s in model["services"].values() if s.get("image")})


def manifest_images(namespace: str, fixed: bool) -> list[str]:
    """Every image the applied manifests run, but `:latest` ones: the kubelet pulls those
    always (no registry answers here), as it would on a cluster without that tag."""
    docs = [d for path in sorted((SAMPLE / "k8s").glob("*.yaml")) for d in _docs(path)]
    if fixed:
        docs += _fixed_docs(namespace)[0]
    found = set()
    for doc in docs:
        pod = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
        for c in [*pod.get("initContainers", []), *pod.get("containers", [])]:
            if not str(c.get("image", "")).endswith(":latest"):
                found.add(str(c["image"]))
    return sorted(found)


def tag_real_images(docker_host: str, env: testenv.TestEnv, images: Sequence[str]) -> None:
    """The environment's PostgreSQL and Redis images under the sample's names for them."""
    import docker

    client = docker.DockerClient(base_url=docker_host)
    try:
        for tag in images:
            image = client.images.get(getattr(env, REAL_IMAGES[tag]))
            repository, _, version = tag.rpartition(":")
            image.tag(repository, version)
    finally:
        client.close()


def build_standin(docker_host: str, base: str, images: Sequence[str]) -> None:
    """One image FROM `base` (busybox), tagged with every name in `images`: its entrypoint
    serves HTTP until stopped, and the sample's tools are scripts (a worker runs, a check
    passes). Built offline; skipped when an image with the same content is already tagged."""
    import docker

    files = {"Dockerfile": "", "entrypoint": ENTRYPOINT, **dict.fromkeys(STANDIN_TOOLS, TOOL)}
    copies = " ".join(STANDIN_TOOLS)
    files["Dockerfile"] = (
        f'FROM {base}\nCOPY entrypoint {copies} /bin/\nENTRYPOINT ["/bin/entrypoint"]\nCMD []\n'
    )
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    files["Dockerfile"] += f'LABEL {STANDIN_LABEL}="{digest}"\n'

    client = docker.DockerClient(base_url=docker_host)
    try:

        def current(tag: str) -> bool:
            try:
                labels = client.images.get(tag).labels or {}
            except docker.errors.ImageNotFound:
                return False
            return bool(labels.get(STANDIN_LABEL) == digest)

        if all(current(tag) for tag in images):
            return
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(data), 0o755
                tar.addfile(info, io.BytesIO(data))
        buffer.seek(0)
        image, _ = client.images.build(
            fileobj=buffer, custom_context=True, pull=False, rm=True, forcerm=True
        )
        for tag in images:
            repository, _, version = tag.rpartition(":")
            image.tag(repository, version)
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------
# Up, fix
# ---------------------------------------------------------------------------------------------


def start_sandbox(
    workdir: Path,
    namespace: str = "email-rag",
    project: str = "email-rag",
    fixed: bool = False,
) -> Sandbox:
    """The sample running on the current test environment; see the module's docstring.
    On any failure, what was made so far is taken down again before the error is raised."""
    env = testenv.load()
    workdir = workdir.resolve()
    # The site's name as the operator's DNS has it once the names moved (the sandbox rehearses
    # the steps; the DNS change is the operator's, made before).
    dns = DnsServer({SITE: (INGRESS_ADDRESS, 300)}, detached=True)
    compose_file, env_file = _write_project(workdir, namespace, project, dns.address)
    sandbox = Sandbox(
        namespace=namespace,
        project=project,
        compose_file=compose_file,
        env_file=env_file,
        workdir=workdir,
        kubeconfig=env.admin_kubeconfig,
        docker_host=env.docker_host,
        fixed=fixed,
        compose_bin=env.compose_bin,
        dns_server=dns.address,
        dns_pid=dns.pid,
    )
    try:
        # Compose comes up (healthchecks and all) while the cluster side is made.
        images = sorted({*compose_images(compose_file), *manifest_images(namespace, fixed)})
        tag_real_images(env.docker_host, env, [i for i in images if i in REAL_IMAGES])
        build_standin(env.docker_host, env.image, [i for i in images if i not in REAL_IMAGES])
        compose_up = subprocess.Popen(
            [
                env.compose_bin,
                "-p",
                project,
                "-f",
                str(compose_file),
                "-f",
                str(workdir / OVERRIDE_NAME),
                "up",
                "-d",
                "--pull",
                "never",
                "--wait",
                "--wait-timeout",
                "90",
            ],
            cwd=workdir,
            env=sandbox.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        with _kube(env.admin_kubeconfig) as api:
            _create_namespace(api, namespace)
            sandbox.save()
            sandbox.made_keda_crd = _ensure_keda_crd(api)
            folder = write_manifests(workdir, namespace, fixed)
            volumes = sandbox_volumes(namespace)
            if fixed:
                volumes += _fixed_docs(namespace)[1]
            for volume in volumes:
                apply_object(api, volume, namespace)
                sandbox.persistent_volumes.append(volume["metadata"]["name"])
            sandbox.save()
            _apply_claims_first(api, folder, namespace)
            _serve_the_site(api, namespace)
        output, _ = compose_up.communicate(timeout=120)
        if compose_up.returncode != 0:
            raise SandboxError(f"docker-compose up failed ({compose_up.returncode}):\n{output}")
        sandbox.save()
        return sandbox
    except BaseException:
        with contextlib.suppress(Exception):
            sandbox.stop()
        raise


def fix_sandbox(sandbox: Sandbox) -> None:
    """Apply k8s-fixed/ to a running sandbox, as an operator would with kubectl. A claim's
    access modes cannot change in place, and a claim in use stays Terminating (pvc-protection):
    so backend and celery are scaled to 0 first, chroma-data is deleted and made again (its data
    would be copied here on a real cluster), then the fixed objects are applied and backend is
    scaled back."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    namespace = sandbox.namespace
    namespaced, volumes = _fixed_docs(namespace)
    with _kube(sandbox.kubeconfig) as api:
        apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
        users = ["email-rag-backend", "email-rag-celery"]
        replicas = {}
        for name in users:
            replicas[name] = apps.read_namespaced_deployment(name, namespace).spec.replicas
            apps.patch_namespaced_deployment_scale(name, namespace, {"spec": {"replicas": 0}})
        selector = "app=email-rag,component in (backend,celery)"

        def no_pods() -> bool:
            return not core.list_namespaced_pod(namespace, label_selector=selector).items

        poll("backend and celery pods to be gone", no_pods, timeout=60)
        for doc in namespaced:
            if doc["kind"] == "PersistentVolumeClaim":
                name = doc["metadata"]["name"]
                with contextlib.suppress(ApiException):
                    core.delete_namespaced_persistent_volume_claim(name, namespace)

                def claim_gone(name: str = name) -> bool:
                    try:
                        core.read_namespaced_persistent_volume_claim(name, namespace)
                    except ApiException as exc:
                        if exc.status == 404:
                            return True
                        raise
                    return False

                poll(f"claim {name} to be deleted", claim_gone, timeout=60)
        for volume in volumes:
            apply_object(api, volume, namespace)
            if volume["metadata"]["name"] not in sandbox.persistent_volumes:
                sandbox.persistent_volumes.append(volume["metadata"]["name"])
        sandbox.save()
        for doc in namespaced:
            apply_object(api, fit_node(doc), namespace)
        fixed_names = {d["metadata"]["name"] for d in namespaced}
        for name in users:
            if name not in fixed_names:
                apps.patch_namespaced_deployment_scale(
                    name, namespace, {"spec": {"replicas": replicas[name]}}
                )
    write_manifests(sandbox.workdir, namespace, fixed=True)
    sandbox.fixed = True
    sandbox.save()


# ---------------------------------------------------------------------------------------------
# The CLI behind `make sandbox`
# ---------------------------------------------------------------------------------------------


def describe(sandbox: Sandbox) -> str:
    """The block `make sandbox` prints: what runs, how to open cutover again, fix, stop."""
    mode = "with k8s-fixed/ applied" if sandbox.fixed else "as planted"
    work = sandbox.workdir
    env_sh = work / "env.sh"
    env_sh.write_text(
        "# Written by `python -m tests.support.sandbox`: source it to reach the sandbox.\n"
        f"export KUBECONFIG={sandbox.kubeconfig}\nexport DOCKER_HOST={sandbox.docker_host}\n"
        f"export PATH={REPO_ROOT}/scripts:{REPO_ROOT}/.venv/bin:$PATH\n"
    )
    return f"""\
Sandbox up: the Email-RAG sample, {mode}.
  Kubernetes  namespace {sandbox.namespace}, pods run by the environment's real kubelet
  Docker      Compose project {sandbox.project}: real postgres and redis, busybox standing in
              for the application's images
  files       {work}
Open cutover again: make sandbox-run, or by hand:
  source {env_sh}; cd {work}
  with-keyring.sh cutover -f {sandbox.compose_file.name} -n {sandbox.namespace}
Apply the fixes (k8s-fixed/): make sandbox-fix, or start with SAMPLE=fixed
Stop everything: make sandbox-down"""


def _still_up(workdir: Path) -> Sandbox | None:
    """The workdir's sandbox when its namespace is still there; None, with any leftovers
    cleared, when it is not (e.g. a new test environment)."""
    if not (workdir / STATE_NAME).is_file():
        return None
    sandbox = Sandbox.load(workdir)
    env = testenv.load()
    try:
        with _kube(sandbox.kubeconfig) as api:
            status, _ = raw(api, "GET", f"/api/v1/namespaces/{sandbox.namespace}")
    except Exception:
        status = 0
    if status != 200 or sandbox.docker_host != env.docker_host:
        with contextlib.suppress(Exception):
            sandbox.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        return None
    return sandbox


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.sandbox",
        description="The Email-RAG sample on the current test environment (make sandbox).",
    )
    parser.add_argument("command", choices=["up", "fix", "down", "info"])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--namespace", default="email-rag")
    parser.add_argument("--project", default="email-rag")
    parser.add_argument("--fixed", action="store_true", help="up: apply k8s-fixed/ from the start")
    args = parser.parse_args(argv)
    workdir: Path = args.workdir.resolve()
    try:
        if args.command == "up":
            sandbox = _still_up(workdir)
            if sandbox is not None:
                print(f"sandbox already up ({workdir / STATE_NAME})", file=sys.stderr)
                if sandbox.fixed != args.fixed:
                    wanted = "fixed" if args.fixed else "planted"
                    print(f"(not {wanted}: make sandbox-down first to change)", file=sys.stderr)
            else:
                started = time.monotonic()
                sandbox = start_sandbox(workdir, args.namespace, args.project, fixed=args.fixed)
                print(f"sandbox up in {time.monotonic() - started:.0f} s", file=sys.stderr)
            print(describe(sandbox))
        elif args.command == "info":
            print(describe(Sandbox.load(workdir)))
        elif args.command == "fix":
            sandbox = Sandbox.load(workdir)
            fix_sandbox(sandbox)
            print("k8s-fixed/ applied: chroma-data is ReadWriteMany, postgres has its volume,")
            print("celery has PST_MAX_SIZE_MB, the frontend runs v1.0.0. Press r in cutover.")
        elif args.command == "down":
            if (workdir / STATE_NAME).is_file():
                Sandbox.load(workdir).stop()
            shutil.rmtree(workdir, ignore_errors=True)
    except (SandboxError, TimedOut, testenv.EnvironmentDown) as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
