"""The real Cluster gateway without a cluster: kubeconfig resolution, the transport guard and
timeouts against closed ports and silent sockets, and pure translation of answers and JSON.

Everything that needs an API server's answer is tested against the real kube-apiserver in
tests/integration/test_cluster.py and tests/integration/test_cluster_errors.py. Here the
translation functions only get, directly, the input a real server does not produce on demand
(a 500, a Status that echoes a secret value back)."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3.exceptions
import yaml
from kubernetes.client import CoreV1Api

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
from wizard.gateways.kube.cluster import connect_cluster, pod, pvc, secret_keys, workload
from wizard.gateways.kube.errors import error_for_status, error_for_transport
from wizard.model import ClusterIdentity, Operation

SECRET_VALUE = "s3cr3t-Hunter2-value"
WHO = ClusterIdentity("viewer@test", "https://127.0.0.1:6443", "viewer", "apps")


def _status(code: int, message: str = "", reason: str = "", causes: Any = None) -> bytes:
    """A failure Status body, as kube-apiserver sends it."""
    return json.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": {"causes": causes or []},
            "code": code,
        }
    ).encode()


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
    # Not even an access review: it changes nothing, but it is a POST.
    with pytest.raises(ReadOnlyRefused, match="selfsubjectaccessreviews"):
        cluster.can_i("get", "pods")
    assert time.monotonic() - started < 0.5
    # A read does go out to the (closed) port: the guard stops writes only.
    with pytest.raises(Unreachable):
        cluster.list_pods()


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
    [(401, Unauthorized), (403, Forbidden), (404, NotFound), (409, Conflict), (422, Invalid)],
)
def test_status_codes_become_gateway_errors(status: int, error: type[GatewayError]) -> None:
    # The real server's 401/403/404/409/422 are in tests/integration/test_cluster_errors.py.
    op = Operation("create", "secrets", "app", sensitive=True)
    translated = error_for_status(status, _status(status), op, WHO)
    assert type(translated) is error and translated.fix


def test_a_server_error_is_a_plain_gateway_error() -> None:
    # A 500 cannot be had from the real API server on demand: the translation gets its body.
    body = _status(500, "etcdserver: request timed out", "InternalError")
    error = error_for_status(500, body, Operation("list", "pods"), WHO)
    assert type(error) is GatewayError
    assert "500" in error.message and "etcdserver: request timed out" in error.message
    assert "get --raw /readyz" in error.fix


def test_a_server_message_is_quoted_for_a_plain_request() -> None:
    message = 'pods is forbidden: User "viewer" cannot list resource "pods" in namespace "apps"'
    error = error_for_status(
        403, _status(403, message, "Forbidden"), Operation("list", "pods"), WHO
    )
    assert isinstance(error, Forbidden) and message in error.message
    assert "'viewer'" in error.message and "list pods in namespace 'apps'" in error.message
    assert "kubectl --context viewer@test auth can-i list pods -n apps" in error.fix


def test_a_secret_value_echoed_by_the_server_never_reaches_an_error() -> None:
    # The real server does not echo Secret data back (see the 422 tests of
    # tests/integration/test_cluster_errors.py); this is the body if one ever did.
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    echo = f"Secret is invalid: data[k]: Invalid value: {SECRET_VALUE!r} {encoded}"
    causes = [{"reason": "FieldValueInvalid", "message": echo, "field": "data[k]"}]
    op = Operation("create", "secrets", "app", sensitive=True)
    for status in (400, 401, 403, 404, 409, 422, 500):
        error = error_for_status(status, _status(status, echo, "Invalid", causes), op, WHO)
        shown = " ".join([str(error), repr(error), error.fix, repr(error.args)])
        assert SECRET_VALUE not in shown and encoded not in shown, status
        assert "data[k]" in error.message  # the field is named, its value is not
    not_json = f"<html>{SECRET_VALUE}</html>".encode()
    assert SECRET_VALUE not in str(error_for_status(502, not_json, op, WHO))


def test_undecodable_secret_value_names_the_key_only() -> None:
    with pytest.raises(GatewayError) as caught:
        secret_keys({"metadata": {"name": "app"}, "data": {"k": "!!not-base64-" + SECRET_VALUE}})
    assert "'k'" in caught.value.message and SECRET_VALUE not in repr(caught.value)
    assert caught.value.__context__ is None or caught.value.__suppress_context__


# --- JSON -> domain objects (listing with selectors: tests/integration) -------------------------


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
