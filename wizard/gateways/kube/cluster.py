"""The real `Cluster` gateway: one kubeconfig context and namespace, over the kubernetes client.

Requests go through the client's own ApiClient (auth, TLS, proxies as kubeconfig says), built for
this gateway alone: the library's global default configuration is never read or written. Bodies
are plain JSON both ways, so no client model is built (5,000 pods: 0.19 s instead of 1.41 s) and
no secret value is ever held in one.

Two rules are enforced at the transport, under every method, present and future:
- every request has a timeout, and connection errors are not retried, so a cluster that is down
  answers Unreachable within seconds;
- a read-only gateway refuses any method but GET/HEAD before a byte is sent. The one exception is
  POST to selfsubjectaccessreviews, which asks a question and changes nothing.

A one-shot report (`cutover status`, `plan`, `data`) builds its gateway with
`remember_unreachable`: once the API server did not answer, every later request of the run fails
at once with that news instead of waiting out a timeout of its own (a hung server, which accepts
connections and answers nothing, cost `status` 3 s per request: 22 s in all). Until the server
has answered once, such a gateway sends one request at a time, so those started meanwhile learn
the first one's fate instead of each waiting too. The wizard's gateway does neither: it lives
long and must see the server come back.

Over 400 lines on purpose: one gateway, every verb it has (reads, the Secret writes, exec, the
Data step's helper pod and scale), each a few lines over the same `_request`; the JSON readers
of its answers are at the end. The exec stream itself is in `exec.py`.

An optional `observer(method, path)` sees every request the transport sends (after the read-only
check), watches included: tests count what reaches the API server with it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import urllib3
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException, OpenApiException
from kubernetes.config.config_exception import ConfigException
from websocket import WebSocketBadStatusException, WebSocketException

from wizard.errors import (
    Forbidden,
    GatewayError,
    Invalid,
    NotFound,
    ReadOnlyRefused,
    Unauthorized,
    Unreachable,
)
from wizard.gateways.blocking import exception_chain
from wizard.gateways.kube.errors import error_for_status, error_for_transport
from wizard.gateways.kube.exec import KEEP_DEFAULT, run_in_pod
from wizard.gateways.kube.kubeconfig import KubeTarget, load_target
from wizard.health.status import EventRow, event_row
from wizard.health.watch import OnChange, Watcher
from wizard.model import (
    AccessVerdict,
    ClusterIdentity,
    ExecResult,
    Operation,
    Pod,
    Pvc,
    SecretKeys,
    Workload,
)
from wizard.storage.claims import pvc_from_json
from wizard.target.fetch import TargetReader
from wizard.target.model import TargetState

# (connect, read) seconds; connect a little over a multiple of 3 s, as TCP retransmits SYNs.
REQUEST_TIMEOUT: tuple[float, float] = (3.05, 10.0)
SSAR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
_WRITE_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}

# Called with (method, path) for each request the transport sends; from any thread.
RequestObserver = Callable[[str, str], None]


def connect_cluster(
    kubeconfig: str | None,
    context: str | None,
    namespace: str | None,
    read_only: bool,
    timeout: tuple[float, float] = REQUEST_TIMEOUT,
    observer: RequestObserver | None = None,
    remember_unreachable: bool = False,
) -> KubeCluster:
    """A gateway for `context` (None: the current-context) of `kubeconfig` (None: as kubectl)."""
    return KubeCluster(
        load_target(kubeconfig, context, namespace),
        read_only,
        timeout,
        observer,
        remember_unreachable=remember_unreachable,
    )


class KubeCluster:
    """The `Cluster` protocol over the kubernetes client's ApiClient."""

    def __init__(
        self,
        target: KubeTarget,
        read_only: bool,
        timeout: tuple[float, float] = REQUEST_TIMEOUT,
        observer: RequestObserver | None = None,
        remember_unreachable: bool = False,
    ) -> None:
        self._identity = target.identity
        self._remember_unreachable = remember_unreachable
        self._unreachable: Unreachable | None = None  # the first such failure, when remembered
        self._answered = False  # the API server has answered a request of this gateway
        self._first_contact_lock = threading.Lock()
        self._read_only = read_only
        self._timeout = timeout
        configuration = target.configuration
        configuration.retries = False  # urllib3 would retry a refused connection 3 times
        self._api: Any = ApiClient(configuration=configuration)
        self._configuration = configuration
        self._observer = observer
        _guard_transport(self._api, read_only, timeout, observer)
        self._target = TargetReader(self._get, target.identity.namespace)

    def __repr__(self) -> str:
        ident = self._identity
        mode = ", read-only" if self._read_only else ""
        return f"KubeCluster({ident.context!r}, {ident.server}, ns={ident.namespace!r}{mode})"

    @property
    def identity(self) -> ClusterIdentity:
        return self._identity

    @property
    def read_only(self) -> bool:
        return self._read_only

    def close(self) -> None:
        self._api.close()

    def server_version(self) -> str:
        info = self._request(Operation("get", "version", namespaced=False), "GET", "/version")
        return str(info.get("gitVersion", ""))

    def namespace_exists(self, name: str) -> bool:
        op = Operation("get", "namespaces", name, namespaced=False)
        try:
            self._request(op, "GET", f"/api/v1/namespaces/{_seg(name)}")
        except NotFound:
            return False
        return True

    def can_i(
        self, verb: str, resource: str, group: str = "", subresource: str = ""
    ) -> AccessVerdict:
        ns = self._identity.namespace
        review = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {
                "resourceAttributes": {
                    "namespace": ns,
                    "verb": verb,
                    "group": group,
                    "resource": resource,
                    "subresource": subresource,
                }
            },
        }
        op = Operation("create", "selfsubjectaccessreviews", namespaced=False)
        answer = self._request(op, "POST", SSAR_PATH, body=review)
        status = answer.get("status") or {}
        return AccessVerdict(
            verb=verb,
            resource=f"{resource}/{subresource}" if subresource else resource,
            group=group,
            namespace=ns,
            allowed=bool(status.get("allowed")),
            reason=str(status.get("reason") or status.get("evaluationError") or ""),
        )

    def read_secret_keys(self, name: str) -> SecretKeys | None:
        op = Operation("get", "secrets", name, sensitive=True)
        try:
            secret = self._request(op, "GET", f"/api/v1{self._ns_path()}/secrets/{_seg(name)}")
        except NotFound:
            return None
        return secret_keys(secret)

    def create_secret(
        self, name: str, data: Mapping[str, str], labels: Mapping[str, str]
    ) -> SecretKeys:
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": name,
                "namespace": self._identity.namespace,
                "labels": dict(labels),
            },
            "type": "Opaque",
            "data": {k: base64.b64encode(v.encode()).decode("ascii") for k, v in data.items()},
        }
        op = Operation("create", "secrets", name, sensitive=True)
        return secret_keys(
            self._request(op, "POST", f"/api/v1{self._ns_path()}/secrets", body=body)
        )

    def patch_secret(
        self,
        name: str,
        set: Mapping[str, str],  # the keys to set
        remove: Sequence[str] = (),
        labels: Mapping[str, str] | None = None,
    ) -> SecretKeys:
        # A JSON merge patch: keys in `data` are set, keys given as null are removed, and every
        # other key of the Secret is left as it is.
        data: dict[str, str | None] = {
            k: base64.b64encode(v.encode()).decode("ascii") for k, v in set.items()
        }
        data.update(dict.fromkeys(remove))
        body: dict[str, Any] = {"data": data}
        if labels:
            body["metadata"] = {"labels": dict(labels)}
        op = Operation("patch", "secrets", name, sensitive=True)
        path = f"/api/v1{self._ns_path()}/secrets/{_seg(name)}"
        return secret_keys(
            self._request(op, "PATCH", path, body=body, content_type="application/merge-patch+json")
        )

    def list_workloads(self, selector: str = "") -> list[Workload]:
        found: list[Workload] = []
        for kind, plural in (("Deployment", "deployments"), ("StatefulSet", "statefulsets")):
            items = self._list(plural, f"/apis/apps/v1{self._ns_path()}/{plural}", selector)
            found.extend(workload(kind, item) for item in items)
        return found

    def list_pvcs(self, selector: str = "") -> list[Pvc]:
        items = self._list(
            "persistentvolumeclaims", f"/api/v1{self._ns_path()}/persistentvolumeclaims", selector
        )
        return [pvc(item) for item in items]

    def list_pods(self, selector: str = "") -> list[Pod]:
        return [
            pod(item) for item in self._list("pods", f"/api/v1{self._ns_path()}/pods", selector)
        ]

    def read_target(self, selector: str = "") -> TargetState:
        return self._target.read(selector)

    def list_events(self, field_selector: str = "") -> list[EventRow]:
        path = f"/api/v1{self._ns_path()}/events"
        query = [("fieldSelector", field_selector)] if field_selector else []
        answer = self._request(Operation("list", "events"), "GET", path, query=query)
        return [event_row(item) for item in answer.get("items") or []]

    def create_claim_helper(
        self, name: str, claim: str, image: str, labels: Mapping[str, str]
    ) -> None:
        """A pod that mounts `claim` at /data and waits (for a copy into a claim no running pod
        mounts); refused in read-only mode. Conflict when it exists."""
        body = claim_helper_body(name, claim, image, labels)
        op = Operation("create", "pods", name)
        self._request(op, "POST", f"/api/v1{self._ns_path()}/pods", body=body)

    def scale(self, kind: str, name: str, replicas: int) -> int:
        """Set a Deployment's or StatefulSet's replicas (its scale subresource); the count it
        had before. Refused in read-only mode."""
        plural = {"Deployment": "deployments", "StatefulSet": "statefulsets"}.get(kind)
        if plural is None:
            raise Invalid(
                f"Cannot scale {kind} {name}: only Deployments and StatefulSets are scaled",
                fix=f"Stop {kind} {name} by hand.",
            )
        path = f"/apis/apps/v1{self._ns_path()}/{plural}/{_seg(name)}/scale"
        current = self._request(Operation("get", f"{plural}/scale", name), "GET", path)
        before = int((current.get("spec") or {}).get("replicas") or 0)
        self._request(
            Operation("scale", plural, name),
            "PATCH",
            path,
            body={"spec": {"replicas": replicas}},
            content_type="application/merge-patch+json",
        )
        return before

    def delete_pod(self, name: str) -> None:
        """Delete a pod at once (grace 0): for cutover's own helper pods. NotFound when gone."""
        op = Operation("delete", "pods", name)
        path = f"/api/v1{self._ns_path()}/pods/{_seg(name)}"
        self._request(op, "DELETE", path, query=[("gracePeriodSeconds", "0")])

    def exec_in(
        self,
        pod: str,
        container: str,
        command: Sequence[str],
        stdin: Iterable[bytes] | None = None,
        stdin_length: int = 0,
        on_sent: Callable[[int], None] | None = None,
        keep: int = KEEP_DEFAULT,
    ) -> ExecResult:
        """Run `command` in a container of `pod` (see wizard.gateways.kube.exec for the stdin
        rules). Exec is a write at the API server: refused in read-only mode before anything is
        sent. StdinMismatch passes through; every other failure is a GatewayError."""
        refusal = ReadOnlyRefused(
            f"Read-only mode: refused to exec in pod {pod}; nothing was sent",
            fix="Run without --read-only, with an identity allowed to exec in pods, to move data.",
        )
        # An upgrade GET at the transport; the API server authorizes it as `create` on pods/exec.
        with self._upgraded(Operation("exec in", f"pod {pod}"), "GET", pod, "exec", refusal) as api:
            ns = self._identity.namespace
            return run_in_pod(api, ns, pod, container, command, stdin, stdin_length, on_sent, keep)

    def port_forward(self, pod: str, port: int, request: bytes, deadline_s: float) -> bytes:
        """One exchange with `port` of `pod` through the API server (wizard.gateways.kube.
        portforward): the pod's whole answer. A port-forward is a create at the API server
        (pods/portforward): refused in read-only mode before anything is sent. A port nothing
        listens on, or no whole answer in time: PodDidNotAnswer; every other failure a
        GatewayError."""
        from wizard.gateways.kube.portforward import PortForward

        refusal = ReadOnlyRefused(
            f"Read-only mode: refused to port-forward to pod {pod}; nothing was sent",
            fix="Run without --read-only, with an identity allowed to port-forward, for the "
            "smoke request.",
        )
        op = Operation("port-forward to", f"pod {pod}")
        with self._upgraded(op, "POST", pod, "portforward", refusal) as api:
            return PortForward(api, self._identity.namespace, pod, port).exchange(
                request, deadline_s
            )

    def watch(
        self,
        kind: str,
        selector: str,
        on_change: OnChange,
        field_selector: str = "",
        since: str | None = None,
    ) -> Watcher:
        """List `kind` (pods, persistentvolumeclaims, events, deployments, statefulsets) once,
        then watch it on a thread of its own; see wizard.health.watch. Reads use a long timeout
        of their own (the server's watch timeout plus a margin), not the gateway's 10 s.
        `since`: resume from a resourceVersion kept earlier instead of listing first."""
        return Watcher(
            kind,
            _seg(self._identity.namespace),
            self._open_stream,
            lambda status, body, op: error_for_status(status, body, op, self._identity),
            on_change,
            selector=selector,
            field_selector=field_selector,
            since=since,
        ).start()

    # --- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _upgraded(
        self, op: Operation, method: str, pod: str, subresource: str, refusal: ReadOnlyRefused
    ) -> Iterator[Any]:
        """Around a connection upgraded away from HTTP (exec, port-forward) to `subresource` of
        `pod`: such a stream bypasses the guarded pool, so the read-only refusal and the
        observer's news (`method`, as the transport sends it) happen here, before anything is
        sent. Yields an ApiClient of its own: the client's `stream()` swaps its ApiClient's
        `request` for the websocket's while it runs, so a read another thread sent through a
        shared one meanwhile (a live step's watch, the step's re-read) went out as a websocket
        and failed ("(0)"), seen in the wizard after a copy; only its configuration is read.
        Failures become GatewayErrors, a refusal with the server's status (see _upgrade_answer);
        a GatewayError raised inside (PodDidNotAnswer) and anything not a client or transport
        failure (StdinMismatch) pass through unchanged."""
        if self._read_only:
            raise refusal
        ns = self._identity.namespace
        if self._observer is not None:
            self._observer(method, f"/api/v1/namespaces/{_seg(ns)}/pods/{_seg(pod)}/{subresource}")
        api: Any = ApiClient(configuration=self._configuration)
        try:
            yield api
        except ApiException as exc:
            status, body = _upgrade_answer(exc)
            if not status:  # the websocket's wrapper of a connection that got no answer
                raise error_for_transport(exc, self._identity) from None
            error = error_for_status(status, body, op, self._identity)
            if isinstance(error, Forbidden):
                # Said in the operator's words ("may not exec in pod web-0"); the fix in RBAC's,
                # which kubectl checks: `auth can-i create pods/exec`.
                rbac = Operation("create", f"pods/{subresource}")
                error = Forbidden(
                    error.message, error_for_status(403, body, rbac, self._identity).fix
                )
            raise error from None
        except ConfigException as exc:
            raise self._credentials_failed(exc) from None
        except (urllib3.exceptions.HTTPError, OSError, WebSocketException) as exc:
            raise error_for_transport(exc, self._identity) from None
        finally:
            api.close()

    def _ns_path(self) -> str:
        return f"/namespaces/{_seg(self._identity.namespace)}"

    def _list(self, resource: str, path: str, selector: str) -> list[dict[str, Any]]:
        query = [("labelSelector", selector)] if selector else []
        answer = self._request(Operation("list", resource), "GET", path, query=query)
        return list(answer.get("items") or [])

    def _get(self, op: Operation, path: str, query: list[tuple[str, str]]) -> dict[str, Any]:
        return self._request(op, "GET", path, query=query)

    def _open_stream(
        self, path: str, query: list[tuple[str, str]], read_timeout: float
    ) -> _HttpStream:
        """A GET whose body is read as it arrives (watches), with this read timeout."""
        try:
            request = self._api.param_serialize(
                method="GET",
                resource_path=path,
                query_params=query,
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
            )
            with self._first_contact():
                response = self._api.call_api(
                    *request, _request_timeout=(self._timeout[0], read_timeout)
                )
                self._answered = True
        except GatewayError:
            raise
        except ConfigException as exc:
            raise self._credentials_failed(exc) from None
        except (urllib3.exceptions.HTTPError, OSError, OpenApiException) as exc:
            raise self._transport_failed(exc) from None
        return _HttpStream(response.response, self._identity)

    def _transport_failed(self, exc: BaseException) -> GatewayError:
        """The error for a request that got no HTTP answer; remembered when it says unreachable
        and this gateway remembers (a one-shot report)."""
        error = error_for_transport(exc, self._identity)
        if self._remember_unreachable and isinstance(error, Unreachable):
            self._unreachable = self._unreachable or error
        return error

    @contextlib.contextmanager
    def _first_contact(self) -> Iterator[None]:
        """Around sending a request: refused at once when this run already found the server
        unreachable; and in a one-shot run, one at a time until the server has answered once
        (a request waiting here then learns the first one's fate instead of timing out too)."""
        self._refuse_if_unreachable()
        if not self._remember_unreachable or self._answered:
            yield
            return
        with self._first_contact_lock:
            if self._unreachable is not None:  # it waited for that answer: the news is its own
                raise Unreachable(self._unreachable.message, fix=self._unreachable.fix)
            try:
                yield
            except (urllib3.exceptions.HTTPError, OSError, OpenApiException) as exc:
                self._transport_failed(exc)  # remembered before the next request may go
                raise

    def _refuse_if_unreachable(self) -> None:
        """Fail at once, sending nothing, when an earlier request of this run found the API
        server unreachable (see the module's docstring)."""
        first = self._unreachable
        if first is not None:
            # A new exception each time: one raised in several threads would share a traceback.
            raise Unreachable(
                f"{first.message} (found earlier in this run; not asked again)",
                fix=first.fix,
            )

    def _credentials_failed(self, exc: Exception) -> Unauthorized:
        return Unauthorized(
            f"Could not get credentials for user {self._identity.user!r} "
            f"(context {self._identity.context!r}): {exc}",
            fix=f"Check that `kubectl --context {self._identity.context} get ns` works "
            "(it runs the same credential plugin).",
        )

    def _request(
        self,
        op: Operation,
        method: str,
        path: str,
        query: list[tuple[str, str]] | None = None,
        body: dict[str, Any] | None = None,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        """One API request; the answer's JSON, or a translated GatewayError."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            request = self._api.param_serialize(
                method=method,
                resource_path=path,
                query_params=query or [],
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            with self._first_contact():
                response = self._api.call_api(*request, _request_timeout=self._timeout)
                self._answered = True
            try:
                raw: bytes = response.read() or b""
            finally:
                response.response.release_conn()
        except GatewayError:
            raise
        except ConfigException as exc:  # refreshing credentials (exec plugin, OIDC) failed
            raise self._credentials_failed(exc) from None
        except (urllib3.exceptions.HTTPError, OSError, OpenApiException) as exc:
            raise self._transport_failed(exc) from None
        if not 200 <= response.status < 300:
            raise error_for_status(response.status, raw, op, self._identity) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise GatewayError(
                f"The API server at {self._identity.server} answered {op.verb} {op.resource} "
                "with something that is not a JSON object",
                fix="Is the kubeconfig's server really a Kubernetes API server? Check with "
                f"`kubectl --context {self._identity.context} get --raw /version`.",
            ) from None
        return answer


def _upgrade_answer(exc: ApiException) -> tuple[int, bytes]:
    """The HTTP status and body an upgrade was refused with; (0, b"") when the server never
    answered. The client's websocket wraps every failure in a status-0 ApiException, its
    handshake's refusal (403: may not exec) included: that status is read back from the wrapped
    exception, so a refused exec says Forbidden as SPDY's and every other request's do."""
    if exc.status:
        return exc.status, _bytes(exc.body)
    for cause in exception_chain(exc):
        if isinstance(cause, WebSocketBadStatusException) and cause.status_code:
            return cause.status_code, _bytes(cause.resp_body)
    return 0, b""


class _HttpStream:
    """A urllib3 response read by a watch (wizard.health.watch.Stream)."""

    def __init__(self, response: Any, who: ClusterIdentity) -> None:
        self._response = response
        self._who = who
        self._done = False

    @property
    def status(self) -> int:
        return int(self._response.status)

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self._response.stream(None, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise error_for_transport(exc, self._who) from None
        self._done = True

    def read_all(self) -> bytes:
        try:
            raw: bytes = self._response.read() or b""
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise error_for_transport(exc, self._who) from None
        self._done = True
        return raw

    def interrupt(self) -> None:
        with contextlib.suppress(Exception):
            self._response.shutdown()  # shuts the socket for reading: a blocked read returns

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self._done:
                self._response.release_conn()  # read to the end: the connection is reusable
            else:
                self._response.close()  # a watch cut short: never reuse its connection


def _guard_transport(
    api: Any,
    read_only: bool,
    timeout: tuple[float, float],
    observer: RequestObserver | None = None,
) -> None:
    """Wrap the urllib3 pool under `api`: default timeout always, read-only refusals, and the
    observer told of each request that goes out."""
    pool = api.rest_client.pool_manager
    send = pool.urlopen
    default_timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])

    def urlopen(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        method = method.upper()
        # Read-only sends reads only: not even an access review, which is a POST (that changes
        # nothing, but a watcher's session should be provably GET-only at the API server).
        if read_only and method not in ("GET", "HEAD"):
            path = urlsplit(url).path
            verb = _WRITE_VERBS.get(method, method)
            raise ReadOnlyRefused(
                f"Read-only mode: refused to {verb} {path}; nothing was sent",
                fix="Run without --read-only, with an identity allowed to change things, "
                "to make changes.",
            )
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = default_timeout
        if observer is not None:
            observer(method, urlsplit(url).path)
        return send(method, url, *args, **kwargs)

    pool.urlopen = urlopen


def claim_helper_body(
    name: str, claim: str, image: str, labels: Mapping[str, str]
) -> dict[str, Any]:
    """The helper pod: one container of `image` (it needs sh, tar, find, stat, sha256sum: busybox
    has them) that waits until deleted, the claim at /data."""
    wait = "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "copy",
                    "image": image,
                    "command": ["sh", "-c", wait],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
        },
    }


def _bytes(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    return str(body or "").encode()


def _seg(name: str) -> str:
    """A name as one URL path segment (a name with '/' must not reach another resource)."""
    return quote(name, safe="")


# --- JSON -> domain objects --------------------------------------------------------------------


def secret_keys(secret: Mapping[str, Any]) -> SecretKeys:
    """Keys and sha256 digests of the decoded values; the values are dropped here."""
    meta = secret.get("metadata") or {}
    digests: dict[str, str] = {}
    for key, encoded in (secret.get("data") or {}).items():
        try:
            raw = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            raise GatewayError(
                f"Secret {meta.get('name')!r}: the value of key {key!r} is not valid base64",
                fix="Re-create that key's value.",
            ) from None
        digests[str(key)] = hashlib.sha256(raw).hexdigest()
    return SecretKeys(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        digests=digests,
        labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
        type=str(secret.get("type") or "Opaque"),
    )


def workload(kind: str, obj: Mapping[str, Any]) -> Workload:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    ready = int(status.get("readyReplicas") or 0)
    # StatefulSets report availableReplicas only from Kubernetes 1.22 on: ready is the best proxy.
    fallback = ready if kind == "StatefulSet" else 0
    return Workload(
        kind=kind,
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        labels=dict(meta.get("labels") or {}),
        desired=int(1 if spec.get("replicas") is None else spec["replicas"]),
        ready=ready,
        available=int(status.get("availableReplicas", fallback) or 0),
        updated=int(status.get("updatedReplicas") or 0),
    )


def pvc(obj: Mapping[str, Any]) -> Pvc:
    return pvc_from_json(obj)


def pod(obj: Mapping[str, Any]) -> Pod:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    containers = status.get("containerStatuses") or []
    return Pod(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        phase=str(status.get("phase") or "Pending"),
        labels=dict(meta.get("labels") or {}),
        node=str(spec.get("nodeName") or ""),
        ready_containers=sum(1 for c in containers if c.get("ready")),
        total_containers=len(spec.get("containers") or []),
        restarts=sum(int(c.get("restartCount") or 0) for c in containers),
        claims=tuple(
            str(v["persistentVolumeClaim"].get("claimName") or "")
            for v in spec.get("volumes") or ()
            if v.get("persistentVolumeClaim")
        ),
    )
