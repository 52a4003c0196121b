"""Turn what the Kubernetes API server (or the road to it) said into a wizard.errors GatewayError.

Every message says what was attempted, by whom, where, and the fix, with the exact kubectl
command to check it. For requests that carry secret values (`Operation.sensitive`), the server's
own message text is left out: only its reason and the names of the offending fields are kept, so
no value can ever reach an exception.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import urllib3.exceptions

from wizard.errors import (
    Conflict,
    Forbidden,
    GatewayError,
    Invalid,
    NotFound,
    Unauthorized,
    Unreachable,
)
from wizard.gateways.blocking import exception_chain
from wizard.model import ClusterIdentity, Operation


def error_for_status(status: int, body: bytes, op: Operation, who: ClusterIdentity) -> GatewayError:
    """The GatewayError for a non-2xx answer of the API server."""
    detail = _server_detail(body, op.sensitive)
    ns = who.namespace
    ctx = who.context
    said = f" (server: {detail})" if detail else ""
    if status == 401:
        return Unauthorized(
            f"The API server at {who.server} rejected the credentials of user {who.user!r} "
            f"(context {ctx!r}){said}",
            fix=f"Renew them (expired token or certificate?), then check with "
            f"`kubectl --context {ctx} get ns`.",
        )
    if status == 403:
        where = f" -n {ns}" if op.namespaced else ""
        return Forbidden(
            f"User {who.user!r} may not {op.describe(ns)} (context {ctx!r}){said}",
            fix=f"Ask a cluster admin for a Role that allows {op.verb} on {op.resource}, or use "
            f"a context that has it; check with "
            f"`kubectl --context {ctx} auth can-i {op.verb} {op.resource}{where}`.",
        )
    if status == 404:
        return NotFound(
            f"Not found: {op.describe(ns)}{said}",
            fix=f"Check the name and namespace: `kubectl --context {ctx} -n {ns} get {op.resource}`.",
        )
    if status == 409:
        return Conflict(
            f"Cannot {op.describe(ns)}: it already exists or was changed meanwhile{said}",
            fix=f"Look at what is there: `kubectl --context {ctx} -n {ns} get "
            f"{' '.join(filter(None, (op.resource, op.name)))}`.",
        )
    if status == 422:
        return Invalid(
            f"The API server refused to {op.describe(ns)}: invalid{said}",
            fix="Names must be lowercase letters, digits, '-' and '.', start and end with a "
            "letter or digit, at most 253 characters; fix the field named above.",
        )
    return GatewayError(
        f"The API server at {who.server} answered {status} to {op.describe(ns)}{said}",
        fix=f"Retry; if it persists, check the API server: `kubectl --context {ctx} get --raw /readyz`.",
    )


def error_for_transport(exc: BaseException, who: ClusterIdentity) -> GatewayError:
    """The GatewayError for a request that never got an HTTP answer."""
    ctx = who.context
    check = f"`kubectl --context {ctx} get ns`"
    why = _why_unreachable(exc)
    if why is None:
        text = _first_line(str(exc)) or type(exc).__name__
        if "SSL" in text or "certificate" in text.lower():
            return GatewayError(
                f"TLS with the API server at {who.server} failed (context {ctx!r}): {text}",
                fix="The kubeconfig's certificate-authority does not match the server's "
                f"certificate, or the server name differs; check with {check}.",
            )
        return GatewayError(
            f"Talking to the API server at {who.server} failed (context {ctx!r}): {text}",
            fix=f"Check the cluster and the context with {check}.",
        )
    return Unreachable(
        f"Cannot reach the Kubernetes API server at {who.server} (context {ctx!r}): {why}",
        fix=f"Is the cluster up, and does context {ctx!r} point at it? Check with {check}.",
    )


def _why_unreachable(exc: BaseException) -> str | None:
    """A short reason when `exc` means the server did not answer at all, else None."""
    causes = list(exception_chain(exc))
    if any(isinstance(c, urllib3.exceptions.SSLError) for c in causes):
        return None
    reasons: list[tuple[type[BaseException] | tuple[type[BaseException], ...], str]] = [
        (ConnectionRefusedError, "connection refused"),
        (
            (urllib3.exceptions.NameResolutionError, socket.gaierror),
            "its host name does not resolve",
        ),
        (urllib3.exceptions.ProxyError, "the proxy failed"),
        (
            urllib3.exceptions.ReadTimeoutError,
            "it accepted the connection but did not answer in time",
        ),
        # NewConnectionError subclasses ConnectTimeoutError: check it first.
        (urllib3.exceptions.NewConnectionError, ""),
        (
            (urllib3.exceptions.ConnectTimeoutError, TimeoutError),
            "no answer to the connection (timed out)",
        ),
        ((urllib3.exceptions.ProtocolError, ConnectionError), ""),
    ]
    for kinds, why in reasons:
        for cause in causes:
            if isinstance(cause, kinds):
                return why or _first_line(str(cause)) or "the connection failed"
    return None


def _server_detail(body: bytes, sensitive: bool) -> str:
    """The useful part of a Status body. For sensitive requests: reason and field names only."""
    try:
        status: Any = json.loads(body or b"{}")
    except ValueError:
        return "" if sensitive else _first_line(body.decode("utf-8", "replace"))[:200]
    if not isinstance(status, dict):
        return ""
    if not sensitive:
        return str(status.get("message") or status.get("reason") or "")
    causes = (status.get("details") or {}).get("causes") or []
    fields = sorted({str(c.get("field")) for c in causes if isinstance(c, dict) and c.get("field")})
    reason = str(status.get("reason") or "")
    return f"{reason}: {', '.join(fields)}" if fields else reason


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
