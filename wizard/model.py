"""Plain domain objects that gateways return. No client-library model ever leaves a gateway."""

from __future__ import annotations

from dataclasses import dataclass, field

# --- Docker Engine / Compose side -------------------------------------------------------------


@dataclass(frozen=True)
class EngineInfo:
    """What the Docker Engine said about itself when pinged."""

    host: str
    version: str
    api_version: str
    os: str = ""


@dataclass(frozen=True)
class ComposeContainer:
    """One container of a Compose project, found by its com.docker.compose.* labels."""

    name: str
    service: str
    state: str  # running | exited | created | restarting | paused | dead
    health: str = ""  # healthy | unhealthy | starting | "" when the image has no healthcheck
    image: str = ""
    started_at: str = ""
    number: int = 1
    one_off: bool = False  # `docker compose run` containers
    # The ports the engine publishes for it now: (host address, host port, container port,
    # protocol), e.g. ("0.0.0.0", 8080, 80, "tcp"); what the Traffic step sends requests to.
    published: tuple[tuple[str, int, int, str], ...] = ()


@dataclass(frozen=True)
class NameAnswer:
    """Where one resolver says a host name points (the Traffic step's names)."""

    host: str
    via: str  # "system resolver", or the DNS server as given ("10.0.0.2", "127.0.0.1:5353")
    addresses: tuple[str, ...] = ()
    ttl: int | None = None  # seconds; None when the answer carries none
    error: str = ""  # why there is no answer ("no such name", "no answer within 2 s")

    @property
    def resolved(self) -> bool:
        return bool(self.addresses)


@dataclass(frozen=True)
class NetCounters:
    """A container's network counters (all its interfaces summed) at one moment."""

    rx_bytes: int
    tx_bytes: int
    rx_packets: int
    tx_packets: int
    at: float  # when read, in seconds (the engine's clock: only differences are used)


@dataclass(frozen=True)
class ComposeNetwork:
    name: str
    driver: str = ""
    external: bool = False


@dataclass(frozen=True)
class ComposeVolume:
    """A named volume of the project: `name` is the engine's name, `volume` the Compose key."""

    name: str
    volume: str
    driver: str = "local"
    mountpoint: str = ""


# --- Kubernetes side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterIdentity:
    """Where kubeconfig points us: the context, its server, its user, and the namespace."""

    context: str
    server: str
    user: str
    namespace: str


@dataclass(frozen=True)
class Operation:
    """What a request was for, in kubectl's words (`create secrets`), to explain its failure."""

    verb: str
    resource: str
    name: str = ""
    namespaced: bool = True
    sensitive: bool = False  # the request carries secret values: never quote the server back

    def describe(self, namespace: str) -> str:
        what = f"{self.resource} {self.name!r}" if self.name else self.resource
        return (
            f"{self.verb} {what} in namespace {namespace!r}"
            if self.namespaced
            else (f"{self.verb} {what}")
        )


@dataclass(frozen=True)
class AccessVerdict:
    """One SelfSubjectAccessReview answer."""

    verb: str
    resource: str
    group: str
    namespace: str
    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class SecretKeys:
    """A Secret as we may see it: its keys and a digest of each value, never the values."""

    name: str
    namespace: str
    digests: dict[str, str] = field(default_factory=dict)  # key -> sha256 hex of the value
    labels: dict[str, str] = field(default_factory=dict)
    type: str = "Opaque"

    @property
    def keys(self) -> list[str]:
        return sorted(self.digests)


@dataclass(frozen=True)
class Workload:
    """A Deployment or StatefulSet with its rollout counters."""

    kind: str  # Deployment | StatefulSet
    name: str
    namespace: str
    labels: dict[str, str] = field(default_factory=dict)
    desired: int = 0
    ready: int = 0
    available: int = 0
    updated: int = 0


@dataclass(frozen=True)
class Pvc:
    name: str
    namespace: str
    phase: str  # Pending | Bound | Lost
    requested: str = ""
    capacity: str = ""
    access_modes: tuple[str, ...] = ()  # the bound PersistentVolume's, else the requested
    storage_class: str = ""
    volume_name: str = ""
    requested_modes: tuple[str, ...] = ()  # spec.accessModes (empty: as access_modes)


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    phase: str
    labels: dict[str, str] = field(default_factory=dict)
    node: str = ""
    ready_containers: int = 0
    total_containers: int = 0
    restarts: int = 0
    claims: tuple[str, ...] = ()  # the PersistentVolumeClaims it mounts


# --- Keyring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VaultStatus:
    """Whether the OS keyring can be used here, and if not, why and what to do."""

    usable: bool
    backend: str
    reason: str = ""
    fix: str = ""

    @property
    def why_not(self) -> str:
        """Why it cannot be used (the reason, else the backend's name), without a final full
        stop, to follow a colon or a dash: never to be put in brackets, since a reason often has
        its own ("No keyring backend is available here (no D-Bus session ...)")."""
        return (self.reason or self.backend).rstrip(". ")


@dataclass(frozen=True)
class ExecResult:
    """What a command run in a pod's container (exec) gave back."""

    exit_code: int
    stdout: bytes
    stderr: bytes
    sent: int  # stdin bytes sent
