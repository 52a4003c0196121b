"""Errors raised by gateways: already translated into what failed, why, and the fix.

Gateways never let a client-library exception escape; they raise one of these instead, so the
screens and the CLI can show a message and a fix without a traceback. Messages never contain
secret values.
"""

from __future__ import annotations


class CutoverError(Exception):
    """Base for every error the tool explains to the operator."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return self.message


class ConfigError(CutoverError):
    """Bad configuration: names the file, the key and what was expected."""


class GatewayError(CutoverError):
    """A real service (cluster, Docker Engine, keyring) could not do what was asked."""


class Unreachable(GatewayError):
    """The service did not answer at all (connection refused, DNS, timeout)."""


class NoKubeconfig(GatewayError):
    """No cluster is configured at all: a plan can still be made offline from manifests."""


class Unauthorized(GatewayError):
    """401: the credentials were not accepted."""


class Forbidden(GatewayError):
    """403: the identity is known but not allowed to do this."""


class NotFound(GatewayError):
    """404: the named object does not exist."""


class Conflict(GatewayError):
    """409: the object already exists or was changed underneath us."""


class Invalid(GatewayError):
    """422 or local validation: the request itself was malformed (e.g. an invalid name)."""


class PodDidNotAnswer(GatewayError):
    """A port-forward reached the pod's node, but the pod's port refused the connection or sent
    no whole answer in time: the Kubernetes side of a smoke request failed (not the cluster)."""


class ReadOnlyRefused(GatewayError):
    """A write was attempted through a read-only gateway; no request was sent."""


class KeyringUnavailable(GatewayError):
    """No usable OS keyring: absent backend, locked collection, or a call that timed out."""
