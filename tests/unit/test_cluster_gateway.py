"""The real Cluster gateway, without a cluster: kubeconfig resolution, the transport guard,
error translation and JSON parsing, against an in-test HTTP server that answers what a test
scripts and records every request that reached it."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import urllib3.exceptions
import yaml
from kubernetes.client import CoreV1Api

from wizard.cluster import connect_cluster, pod, pvc, secret_keys, workload
from wizard.errors import (
    Conflict,
    Forbidden,
    GatewayError,
    Invalid,
    NotFound,
    ReadOnlyRefused,
    Unauthorized,
    Unreachable,
)
from wizard.kubeerrors import error_for_transport
from wizard.model import ClusterIdentity

SECRET_VALUE = "s3cr3t-Hunter2-value"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    auth: str


@dataclass
class FakeApiServer:
    """Answers (method, path) with a scripted (status, JSON body); records what arrived."""

    url: str
    routes: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def answer(self, method: str, path: str, status: int, body: Any) -> None:
        self.routes[(method, path)] = (status, body)


@pytest.fixture
def api_server() -> Iterator[FakeApiServer]:
    fake = FakeApiServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fake.seen.append(
                Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    body,
                    self.headers.get("Authorization", ""),
                )
            )
            status, payload = fake.routes.get((self.command, parts.path), (404, _status(404)))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def _status(code: int, message: str = "", reason: str = "", causes: Any = None) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": {"causes": causes or []},
        "code": code,
    }


def write_kubeconfig(
    path: Path,
    server: str,
    contexts: dict[str, dict[str, str]] | None = None,
    current: str | None = "admin@test",
) -> str:
    contexts = contexts or {"admin@test": {"cluster": "test", "user": "admin", "namespace": "apps"}}
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "test", "cluster": {"server": server}}],
        "users": [
            {"name": "admin", "user": {"token": "admin-token"}},
            {"name": "viewer", "user": {"token": "viewer-token"}},
        ],
        "contexts": [{"name": n, "context": c} for n, c in contexts.items()],
    }
    if current is not None:
        config["current-context"] = current
    path.write_text(yaml.safe_dump(config))
    return str(path)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- kubeconfig, as kubectl reads it --------------------------------------------------------------


def test_current_context_and_its_namespace(tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", "http://127.0.0.1:1")
    ident = connect_cluster(kc, None, None, read_only=False).identity
    assert (ident.context, ident.user, ident.namespace) == ("admin@test", "admin", "apps")
    assert ident.server == "http://127.0.0.1:1"
    assert connect_cluster(kc, None, "other", read_only=False).identity.namespace == "other"


def test_namespace_defaults_to_default(tmp_path: Path) -> None:
    kc = write_kubeconfig(
        tmp_path / "kc", "http://127.0.0.1:1", {"admin@test": {"cluster": "test", "user": "admin"}}
    )
    assert connect_cluster(kc, None, None, read_only=False).identity.namespace == "default"


def test_kubeconfig_list_merges_first_file_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_kubeconfig(
        tmp_path / "first",
        "http://127.0.0.1:1",
        {"viewer@test": {"cluster": "test", "user": "viewer", "namespace": "first-ns"}},
        current="viewer@test",
    )
    second = write_kubeconfig(
        tmp_path / "second",
        "http://127.0.0.1:2",
        {
            "viewer@test": {"cluster": "test", "user": "admin", "namespace": "second-ns"},
            "admin@test": {"cluster": "test", "user": "admin"},
        },
        current="admin@test",
    )
    (tmp_path / "empty").write_text("")
    joined = ":".join([str(tmp_path / "missing"), first, str(tmp_path / "empty"), second])
    monkeypatch.setenv("KUBECONFIG", joined)
    ident = connect_cluster(None, None, None, read_only=False).identity
    # kubectl: the first file to set current-context, a context or a cluster wins.
    assert (ident.context, ident.user, ident.namespace) == ("viewer@test", "viewer", "first-ns")
    assert ident.server == "http://127.0.0.1:1"
    admin = connect_cluster(None, "admin@test", None, read_only=False).identity
    assert (admin.user, admin.namespace) == ("admin", "default")


def test_unknown_context_names_the_known_ones(tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", "http://127.0.0.1:1")
    with pytest.raises(GatewayError) as caught:
        connect_cluster(kc, "prod", None, read_only=False)
    assert "'prod'" in caught.value.message and "admin@test" in caught.value.message
    assert "--context" in caught.value.fix


def test_no_current_context(tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", "http://127.0.0.1:1", current=None)
    with pytest.raises(GatewayError, match="no current-context") as caught:
        connect_cluster(kc, None, None, read_only=False)
    assert "kubectl config use-context admin@test" in caught.value.fix


def test_missing_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(GatewayError, match="No kubeconfig found") as caught:
        connect_cluster(None, None, None, read_only=False)
    assert "KUBECONFIG" in caught.value.fix


def test_broken_kubeconfig_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "kc").write_text("clusters: [\n")
    with pytest.raises(GatewayError, match=str(tmp_path / "kc")):
        connect_cluster(str(tmp_path / "kc"), None, None, read_only=False)


# --- read-only: refused at the transport, before any byte is sent ----------------------------------


def test_read_only_refuses_before_any_network_io(tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{closed_port()}")
    cluster = connect_cluster(kc, None, None, read_only=True)
    started = time.monotonic()
    with pytest.raises(ReadOnlyRefused, match="nothing was sent"):
        cluster.create_secret("app", {"k": SECRET_VALUE}, {})
    assert time.monotonic() - started < 0.5
    # A read does go out to the (closed) port: the guard stops writes only.
    with pytest.raises(Unreachable):
        cluster.list_pods()


def test_read_only_guard_covers_every_client_method(
    api_server: FakeApiServer, tmp_path: Path
) -> None:
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, True)
    core = CoreV1Api(cluster._api)  # the library's own methods, as a future step might use them
    for attempt in (
        lambda: core.delete_namespace("apps"),
        lambda: core.patch_namespace("apps", {"metadata": {"labels": {"a": "b"}}}),
        lambda: core.create_namespace({"metadata": {"name": "x"}}),
    ):
        with pytest.raises(ReadOnlyRefused):
            attempt()
    assert api_server.seen == []


def test_read_only_lets_reads_and_access_reviews_through(
    api_server: FakeApiServer, tmp_path: Path
) -> None:
    ssar = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    api_server.answer("POST", ssar, 201, {"status": {"allowed": True}})
    api_server.answer("GET", "/api/v1/namespaces/apps/pods", 200, {"items": []})
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, True)
    assert cluster.read_only
    assert cluster.can_i("list", "pods").allowed
    assert cluster.list_pods() == []
    assert [(s.method, s.path) for s in api_server.seen] == [
        ("POST", ssar),
        ("GET", "/api/v1/namespaces/apps/pods"),
    ]


# --- timeouts and unreachable servers ----------------------------------------------------------------


def test_closed_port_is_unreachable_at_once(tmp_path: Path) -> None:
    port = closed_port()
    cluster = connect_cluster(
        write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}"), None, None, False
    )
    started = time.monotonic()
    with pytest.raises(Unreachable) as caught:
        cluster.server_version()
    assert time.monotonic() - started < 1.0  # no urllib3 retries
    assert f"127.0.0.1:{port}" in caught.value.message
    assert "connection refused" in caught.value.message
    assert "kubectl --context admin@test get ns" in caught.value.fix


def test_unresolvable_host_is_unreachable() -> None:
    # Built by hand rather than resolved: a unit test must not depend on the resolver.
    who = ClusterIdentity("ctx", "https://k8s.example.invalid:6443", "admin", "apps")
    dns = socket.gaierror(-2, "Name or service not known")
    wrapped = urllib3.exceptions.NameResolutionError("k8s.example.invalid", None, dns)  # type: ignore[arg-type]
    error = error_for_transport(urllib3.exceptions.MaxRetryError(None, "/version", wrapped), who)  # type: ignore[arg-type]
    assert isinstance(error, Unreachable) and "does not resolve" in error.message
    assert "k8s.example.invalid:6443" in error.message and "--context ctx" in error.fix


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def test_a_server_that_never_answers_times_out(silent_server: str, tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", silent_server)
    cluster = connect_cluster(kc, None, None, False, timeout=(0.5, 0.5))
    started = time.monotonic()
    with pytest.raises(Unreachable, match="did not answer"):
        cluster.list_workloads()
    assert time.monotonic() - started < 2.0


def test_every_request_gets_a_timeout_even_from_raw_client_calls(
    silent_server: str, tmp_path: Path
) -> None:
    kc = write_kubeconfig(tmp_path / "kc", silent_server)
    cluster = connect_cluster(kc, None, None, False, timeout=(0.5, 0.5))
    started = time.monotonic()
    with pytest.raises(Exception, match=r"(?i)timed out"):
        CoreV1Api(cluster._api).list_namespace()  # no _request_timeout given
    assert time.monotonic() - started < 2.0


# --- HTTP errors, translated ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, Unauthorized), (403, Forbidden), (409, Conflict), (422, Invalid), (500, GatewayError)],
)
def test_status_codes_become_gateway_errors(
    api_server: FakeApiServer, tmp_path: Path, status: int, error: type[GatewayError]
) -> None:
    api_server.answer("POST", "/api/v1/namespaces/apps/secrets", status, _status(status))
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, False)
    with pytest.raises(error) as caught:
        cluster.create_secret("app", {"k": "v"}, {})
    assert caught.value.fix


def test_forbidden_names_verb_resource_namespace_and_user(
    api_server: FakeApiServer, tmp_path: Path
) -> None:
    message = 'pods is forbidden: User "viewer" cannot list resource "pods"'
    api_server.answer(
        "GET", "/api/v1/namespaces/apps/pods", 403, _status(403, message, "Forbidden")
    )
    kc = write_kubeconfig(
        tmp_path / "kc",
        api_server.url,
        {"viewer@test": {"cluster": "test", "user": "viewer", "namespace": "apps"}},
        current="viewer@test",
    )
    cluster = connect_cluster(kc, None, None, False)
    with pytest.raises(Forbidden) as caught:
        cluster.list_pods("app=web")
    text = caught.value.message
    assert "'viewer'" in text and "list pods" in text and "'apps'" in text
    assert "kubectl --context viewer@test auth can-i list pods -n apps" in caught.value.fix
    assert api_server.seen[0].auth == "Bearer viewer-token"


def test_secret_values_never_reach_an_error(api_server: FakeApiServer, tmp_path: Path) -> None:
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    echo = f"Secret is invalid: data[k]: Invalid value: {SECRET_VALUE!r} {encoded}"
    causes = [{"reason": "FieldValueInvalid", "message": echo, "field": "data[k]"}]
    api_server.answer(
        "POST", "/api/v1/namespaces/apps/secrets", 422, _status(422, echo, "Invalid", causes)
    )
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, False)
    with pytest.raises(Invalid) as caught:
        cluster.create_secret("app", {"k": SECRET_VALUE}, {})
    err = caught.value
    shown = " ".join([str(err), repr(err), err.fix, repr(err.__cause__), repr(err.__context__)])
    assert SECRET_VALUE not in shown and encoded not in shown
    assert "data[k]" in err.message  # the field is named, its value is not
    assert encoded in api_server.seen[0].body.decode()  # the value did go to the server


def test_create_and_read_secret_give_digests_only(
    api_server: FakeApiServer, tmp_path: Path
) -> None:
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    stored = {
        "kind": "Secret",
        "metadata": {"name": "app", "namespace": "apps", "labels": {"app": "email-rag"}},
        "type": "Opaque",
        "data": {"postgres-password": encoded},
    }
    api_server.answer("POST", "/api/v1/namespaces/apps/secrets", 201, stored)
    api_server.answer("GET", "/api/v1/namespaces/apps/secrets/app", 200, stored)
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, False)
    created = cluster.create_secret(
        "app", {"postgres-password": SECRET_VALUE}, {"app": "email-rag"}
    )
    sent = json.loads(api_server.seen[0].body)
    assert sent["type"] == "Opaque" and sent["metadata"]["labels"] == {"app": "email-rag"}
    assert sent["data"] == {"postgres-password": encoded}
    read = cluster.read_secret_keys("app")
    assert read == created
    assert read.keys == ["postgres-password"]
    assert read.digests["postgres-password"] == hashlib.sha256(SECRET_VALUE.encode()).hexdigest()
    assert SECRET_VALUE not in repr(read) and encoded not in repr(read)


def test_missing_secret_reads_as_none(api_server: FakeApiServer, tmp_path: Path) -> None:
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, False)
    assert cluster.read_secret_keys("nope") is None
    assert not cluster.namespace_exists("nope")


def test_undecodable_secret_value_names_the_key_only() -> None:
    with pytest.raises(GatewayError) as caught:
        secret_keys({"metadata": {"name": "app"}, "data": {"k": "!!not-base64-" + SECRET_VALUE}})
    assert "'k'" in caught.value.message and SECRET_VALUE not in repr(caught.value)
    assert caught.value.__context__ is None or caught.value.__suppress_context__


# --- lists: server-side selectors, plain objects ---------------------------------------------------------


def test_list_pods_passes_the_selector_and_reads_plain_json(
    api_server: FakeApiServer, tmp_path: Path
) -> None:
    item = {
        "metadata": {"name": "web-1", "namespace": "apps", "labels": {"app": "web"}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "a"}, {"name": "b"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {"name": "a", "ready": True, "restartCount": 2},
                {"name": "b", "ready": False, "restartCount": 1},
            ],
        },
    }
    api_server.answer("GET", "/api/v1/namespaces/apps/pods", 200, {"items": [item]})
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, False)
    [found] = cluster.list_pods("app=web")
    assert api_server.seen[0].query == {"labelSelector": ["app=web"]}
    assert (found.name, found.phase, found.node) == ("web-1", "Running", "node-1")
    assert (found.ready_containers, found.total_containers, found.restarts) == (1, 2, 3)


def test_list_workloads_reads_deployments_and_statefulsets(
    api_server: FakeApiServer, tmp_path: Path
) -> None:
    deploy = {"metadata": {"name": "web"}, "spec": {"replicas": 2}, "status": {"readyReplicas": 1}}
    sts = {"metadata": {"name": "db"}, "spec": {}, "status": {"readyReplicas": 1}}
    api_server.answer("GET", "/apis/apps/v1/namespaces/apps/deployments", 200, {"items": [deploy]})
    api_server.answer("GET", "/apis/apps/v1/namespaces/apps/statefulsets", 200, {"items": [sts]})
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, False)
    web, db = cluster.list_workloads()
    assert (web.kind, web.desired, web.ready, web.available) == ("Deployment", 2, 1, 0)
    assert (db.kind, db.desired, db.ready, db.available) == ("StatefulSet", 1, 1, 1)


def test_json_to_domain_objects() -> None:
    claim = pvc(
        {
            "metadata": {"name": "uploads", "namespace": "apps"},
            "spec": {
                "accessModes": ["ReadWriteMany"],
                "resources": {"requests": {"storage": "5Gi"}},
                "storageClassName": "nfs",
            },
            "status": {"phase": "Pending"},
        }
    )
    assert (claim.phase, claim.requested, claim.capacity) == ("Pending", "5Gi", "")
    assert claim.access_modes == ("ReadWriteMany",) and claim.storage_class == "nfs"
    fresh = pod({"metadata": {"name": "p"}, "spec": {"containers": [{}]}})
    assert (fresh.phase, fresh.ready_containers, fresh.total_containers) == ("Pending", 0, 1)
    scaled = workload("Deployment", {"metadata": {"name": "w"}, "spec": {"replicas": 0}})
    assert scaled.desired == 0


def test_not_json_is_explained(api_server: FakeApiServer, tmp_path: Path) -> None:
    api_server.answer("GET", "/version", 200, ["not", "an", "object"])
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, False)
    with pytest.raises(GatewayError, match="not a JSON object"):
        cluster.server_version()


def test_not_found_is_translated(api_server: FakeApiServer, tmp_path: Path) -> None:
    api_server.answer("GET", "/version", 404, _status(404, "the server could not find it"))
    cluster = connect_cluster(write_kubeconfig(tmp_path / "kc", api_server.url), None, None, False)
    with pytest.raises(NotFound, match="could not find it"):
        cluster.server_version()
