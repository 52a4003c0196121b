"""The real `ComposeHost` gateway: a Docker Engine over the docker SDK, found as the CLI finds it.

The host is `docker_host`, else DOCKER_HOST, else the local socket; DOCKER_TLS_VERIFY and
DOCKER_CERT_PATH apply as for the CLI. `ssh://` goes through the system `ssh` (so ~/.ssh/config,
agents and jump hosts work as they do for `docker -H ssh://...`).

Over 400 lines on purpose: one gateway, every call it makes (reads, `down`'s stops and removes,
the Data step's archive and exec streams) over the same `_call`, and the error translation that
all of them share.

A Compose project is whatever carries its `com.docker.compose.project` label: containers (stopped
ones and one-off `run` containers too), networks and volumes. Every call has a deadline: the SDK's
own timeout covers sockets, but not the pipe it reads from `ssh`, so each call also runs under
`call_with_deadline`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import docker
import docker.errors
import requests.exceptions

from wizard.errors import Forbidden, GatewayError, NotFound, ReadOnlyRefused, Unreachable
from wizard.gateways.blocking import Overdue, call_with_deadline, exception_chain
from wizard.model import (
    ComposeContainer,
    ComposeNetwork,
    ComposeVolume,
    EngineInfo,
    ExecResult,
    NetCounters,
)

T = TypeVar("T")

DEFAULT_HOST = "unix:///var/run/docker.sock"
TIMEOUT = 10.0  # seconds, for one Docker API call
PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
NUMBER = "com.docker.compose.container-number"
ONE_OFF = "com.docker.compose.oneoff"
VOLUME = "com.docker.compose.volume"
_SCHEMES = ("unix", "tcp", "ssh", "http", "https", "npipe")
_PREDEFINED_NETWORKS = {"bridge", "host", "none"}
HELPER_LABEL = "cutover.volume-reader"  # on helper containers: the volume they read
ARCHIVE_CHUNK = 1 << 20


def connect_compose_host(
    docker_host: str | None, timeout: float = TIMEOUT, read_only: bool = False
) -> EngineComposeHost:
    """A gateway for `docker_host` (None: DOCKER_HOST, else the local socket). Sends nothing yet.

    `read_only`: every change (stop, remove) is refused before any request is sent."""
    host = docker_host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
    if urlsplit(host).scheme not in _SCHEMES:
        raise GatewayError(
            f"Docker host {host!r} is not a URL Docker understands",
            fix="Use unix:///var/run/docker.sock, tcp://HOST:2376 or ssh://USER@HOST "
            "(in --docker-host or DOCKER_HOST).",
        )
    return EngineComposeHost(host, timeout, read_only)


class EngineComposeHost:
    """The `ComposeHost` protocol over the docker SDK's low-level API client."""

    def __init__(
        self,
        host: str,
        timeout: float = TIMEOUT,
        read_only: bool = False,
        resolve: Callable[[str], tuple[str, ...]] | None = None,
    ) -> None:
        """`resolve(name)`: a host name's addresses (OSError when it has none); the system
        resolver unless a test gives another."""
        self._host = host
        self._timeout = timeout
        self._read_only = read_only
        self._client: Any = None
        self._lock = threading.Lock()
        self._resolve = resolve or addresses_of
        self._addresses: tuple[str, ...] | None = None  # the host's, once found
        self._addresses_lock = threading.Lock()

    def __repr__(self) -> str:
        mode = ", read-only" if self._read_only else ""
        return f"EngineComposeHost({self._host!r}{mode})"

    @property
    def host(self) -> str:
        return self._host

    @property
    def read_only(self) -> bool:
        return self._read_only

    def addresses(self) -> tuple[str, ...]:
        """See ComposeHost.addresses. Once per gateway: the Traffic step asks on every check,
        and a name lookup may wait seconds on a slow resolver. A failed lookup is not kept, so
        a name that comes to resolve is found on the next check."""
        with self._addresses_lock:
            if self._addresses is None:
                try:
                    self._addresses = self._resolve(engine_host_name(self._host))
                except OSError:
                    return ()
            return self._addresses

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def ping(self) -> EngineInfo:
        info = self._call("version", lambda api: api.version())
        return EngineInfo(
            host=self._host,
            version=str(info.get("Version", "")),
            api_version=str(info.get("ApiVersion", "")),
            os=str(info.get("Os", "")),
        )

    def project_names(self) -> list[str]:
        found = self._call(
            "containers", lambda api: api.containers(all=True, filters={"label": PROJECT})
        )
        return sorted({str((c.get("Labels") or {}).get(PROJECT)) for c in found} - {"None", ""})

    def project_containers(self, project: str) -> list[ComposeContainer]:
        def inspect_all(api: Any) -> list[dict[str, Any]]:
            details = []
            for summary in api.containers(all=True, filters={"label": f"{PROJECT}={project}"}):
                try:
                    details.append(api.inspect_container(summary["Id"]))
                except docker.errors.NotFound:
                    continue  # removed between the list and the inspect
            return details

        containers = [container(c) for c in self._call("containers", inspect_all)]
        return sorted(containers, key=lambda c: (c.service, c.one_off, c.number, c.name))

    def network_samples(self, name: str, count: int = 2) -> list[NetCounters]:
        """The first `count` samples of one stats stream of the container (the engine sends one
        a second: two samples are a rate over about a second, from one request), each stamped
        with the engine's own read time. A read: allowed in read-only mode."""

        def read(api: Any) -> list[NetCounters]:
            # The response itself, not the SDK's `stats()` generator: closing that generator
            # leaves the connection streaming, and the engine's collector then keeps the next
            # stats request of the container waiting a whole extra tick (seen: 1 s, then 2 s).
            url = api._url("/containers/{0}/stats", name)
            response = api._get(url, params={"stream": True}, stream=True)
            api._raise_for_status(response)
            samples = []
            try:
                for line in response.iter_lines():
                    if line.strip():
                        sample = json.loads(line)
                        samples.append(net_counters(sample, read_time(sample)))
                    if len(samples) >= count:
                        break
            finally:
                response.close()
            return samples

        return self._call("stats", read, deadline=self._deadline() + count)

    def watch_network(self, name: str, on_sample: Callable[[NetCounters], bool]) -> None:
        """The live drain's one stream per container: the stats stream stays open, each sample
        goes to `on_sample` until it answers False (checked at each sample, so within about a
        second) or the container stops. Opening has the usual deadline; reading has none, as
        the engine sends a sample a second for as long as the container runs."""

        def open_stream(api: Any) -> Any:
            url = api._url("/containers/{0}/stats", name)
            response = api._get(url, params={"stream": True}, stream=True)
            api._raise_for_status(response)
            return response

        response = self._call("stats", open_stream)
        try:
            for line in response.iter_lines():
                if line.strip():
                    sample = json.loads(line)
                    if not on_sample(net_counters(sample, read_time(sample))):
                        return
        except GatewayError:
            raise
        except Exception as exc:
            raise error_for_docker(exc, self._host) from None
        finally:
            response.close()

    def ask_published(self, address: str, port: int, request: bytes, deadline_s: float) -> bytes:
        """A plain TCP exchange with the published port (no engine API involved): the Traffic
        step's smoke request, as a client of the Compose site sends it."""
        from wizard.gateways.tcp import exchange

        return exchange(address, port, request, deadline_s)

    def project_networks(self, project: str) -> list[ComposeNetwork]:
        label = {"label": f"{PROJECT}={project}"}

        def networks(api: Any) -> list[ComposeNetwork]:
            own = [
                ComposeNetwork(name=str(n["Name"]), driver=str(n.get("Driver") or ""))
                for n in api.networks(filters=label)
            ]
            # External networks carry no project label: find them on the project's containers.
            attached = {
                str(name)
                for c in api.containers(all=True, filters=label)
                for name in ((c.get("NetworkSettings") or {}).get("Networks") or {})
            }
            names = {n.name for n in own}
            external = []
            for name in sorted(attached - names - _PREDEFINED_NETWORKS):
                try:
                    driver = str(api.inspect_network(name).get("Driver") or "")
                except docker.errors.NotFound:
                    continue
                external.append(ComposeNetwork(name=name, driver=driver, external=True))
            return own + external

        return sorted(self._call("networks", networks), key=lambda n: (n.external, n.name))

    def project_volumes(self, project: str) -> list[ComposeVolume]:
        found = self._call(
            "volumes", lambda api: api.volumes(filters={"label": f"{PROJECT}={project}"})
        )
        return sorted((volume(v) for v in (found or {}).get("Volumes") or []), key=lambda v: v.name)

    def volume_sizes(self, project: str) -> dict[str, int]:
        # `docker system df -v`: the only place the engine reports a volume's size (-1: unknown).
        usage = self._call("disk usage", lambda api: api.df())
        sizes: dict[str, int] = {}
        for info in (usage or {}).get("Volumes") or []:
            labels = info.get("Labels") or {}
            if labels.get(PROJECT) != project:
                continue
            size = (info.get("UsageData") or {}).get("Size")
            if isinstance(size, int) and size >= 0:
                sizes[str(labels.get(VOLUME) or info.get("Name", ""))] = size
        return sizes

    # --- the changes `down` makes (refused in read-only mode before any request) --------------

    def stop_container(self, name: str, timeout_s: float) -> None:
        """Stop one container: SIGTERM, then SIGKILL after `timeout_s` (its stop_grace_period).
        A container that is already stopped stays stopped; NotFound when it is gone."""
        self._refuse_when_read_only(f"stop container {name}")
        grace = max(0, math.ceil(timeout_s))
        self._call(
            f"stop {name}",
            lambda api: api.stop(name, timeout=grace),
            deadline=self._deadline() + grace,
        )

    def start_container(self, name: str) -> None:
        """Start a stopped container of the project again; a running one is left as it is."""
        self._refuse_when_read_only(f"start container {name}")
        self._call(f"start {name}", lambda api: api.start(name))

    def remove_container(self, name: str) -> None:
        """Remove one stopped container; its volumes (named or anonymous) are kept."""
        self._refuse_when_read_only(f"remove container {name}")
        self._call(f"remove {name}", lambda api: api.remove_container(name, v=False))

    def remove_network(self, name: str) -> None:
        self._refuse_when_read_only(f"remove network {name}")
        self._call(f"remove network {name}", lambda api: api.remove_network(name))

    # --- reading a volume's files (a helper container: a change at the engine) ---------------

    @contextlib.contextmanager
    def volume_archive(self, volume: str, image: str) -> Iterator[Iterator[bytes]]:
        """The files of `volume` (the engine's name) as one tar stream, entries `./...` with
        owners, modes and symlinks as stored. The engine reads them through a helper container
        that mounts the volume read-only and is never started, so it works whether the service
        runs or not and can change nothing in it; `image` is any image the engine has (the
        service's own). The helper is removed afterwards, whatever happens. Refused in read-only
        mode. Errors while reading arrive as GatewayErrors from the iterator."""
        self._refuse_when_read_only(f"create a helper container to read volume {volume}")

        def create(api: Any) -> str:
            config = api.create_host_config(binds={volume: {"bind": "/volume", "mode": "ro"}})
            made = api.create_container(
                image, command=["true"], labels={HELPER_LABEL: volume}, host_config=config
            )
            return str(made["Id"])

        helper = self._call(f"create a helper container for volume {volume}", create)
        try:
            # The SDK's get_archive hides its response, and a stream cut short (a quit, an error
            # on the other side) must be closed, or the engine keeps the helper busy and refuses
            # to remove it: the same request, with the response in hand.
            api = self._api()
            try:
                response = api._get(
                    api._url("/containers/{0}/archive", helper),
                    params={"path": "/volume/."},
                    stream=True,
                    headers={"Accept-Encoding": "identity"},
                )
                api._raise_for_status(response)
            except Exception as exc:
                raise error_for_docker(exc, self._host) from None
            try:
                chunks = response.iter_content(ARCHIVE_CHUNK, decode_unicode=False)
                yield self._guarded(chunks, f"read volume {volume}")
            finally:
                response.close()
        finally:
            self._call(
                f"remove the helper container of volume {volume}",
                lambda api: api.remove_container(helper, force=True),
            )

    # --- commands in a Compose container (a database dump; a change at the engine) ------------

    def exec_run(
        self, container: str, command: Sequence[str], timeout_s: float = 600
    ) -> ExecResult:
        """Run `command` in a running container; its exit code, stdout and stderr (whole: for
        short outputs). Refused in read-only mode."""
        self._refuse_when_read_only(f"run a command in container {container}")

        def run(_: Any) -> ExecResult:
            # A command may print nothing for longer than one API call's timeout (a dump to a
            # file): its own client, whose socket waits as long as the command may take.
            with self._client_for(timeout_s) as api:
                made = api.exec_create(container, list(command), stdout=True, stderr=True)
                out, err = api.exec_start(made["Id"], demux=True)
                code = api.exec_inspect(made["Id"]).get("ExitCode")
            return ExecResult(int(code or 0), out or b"", err or b"", 0)

        return self._call(f"exec in {container}", run, deadline=timeout_s + 5)

    @contextlib.contextmanager
    def exec_stream(self, container: str, command: Sequence[str]) -> Iterator[Iterator[bytes]]:
        """The stdout of `command` in a running container, as it comes (stderr is dropped: a
        command that streams data says what went wrong by its exit code, read by `exec_run`
        afterwards if needed). Refused in read-only mode."""
        self._refuse_when_read_only(f"run a command in container {container}")
        made = self._call(
            f"exec in {container}",
            lambda api: api.exec_create(container, list(command), stdout=True, stderr=False),
        )
        # A connection of its own, closed when the reader stops (see volume_archive).
        with self._client_for(self._timeout) as api:
            try:
                stream = api.exec_start(made["Id"], stream=True)
            except Exception as exc:
                raise error_for_docker(exc, self._host) from None
            yield self._guarded(stream, f"read from {container}")

    def _guarded(self, stream: Iterable[bytes], what: str) -> Iterator[bytes]:
        try:
            yield from stream
        except GatewayError:
            raise
        except Exception as exc:
            raise error_for_docker(exc, self._host) from None

    def _refuse_when_read_only(self, what: str) -> None:
        if self._read_only:
            raise ReadOnlyRefused(
                f"Read-only mode: refused to {what} on {self._host}; nothing was sent",
                fix="Run without --read-only to take Compose down.",
            )

    # --- plumbing ------------------------------------------------------------------------------

    def _api(self) -> Any:
        with self._lock:
            if self._client is None:
                env = {**os.environ, "DOCKER_HOST": self._host}
                self._client = docker.from_env(
                    environment=env,
                    timeout=self._timeout,
                    use_ssh_client=self._host.startswith("ssh://"),
                )
            return self._client.api

    @contextlib.contextmanager
    def _client_for(self, timeout_s: float) -> Iterator[Any]:
        env = {**os.environ, "DOCKER_HOST": self._host}
        client = docker.from_env(
            environment=env, timeout=timeout_s, use_ssh_client=self._host.startswith("ssh://")
        )
        try:
            yield client.api
        finally:
            client.close()

    def _deadline(self) -> float:
        return self._timeout + min(self._timeout, 5.0)  # the SDK's own timeout fires first

    def _call(self, what: str, fn: Callable[[Any], T], deadline: float | None = None) -> T:
        """`fn(low-level API client)` with a deadline, its failures as GatewayErrors."""
        deadline = self._deadline() if deadline is None else deadline
        try:
            return call_with_deadline(lambda: fn(self._api()), deadline, f"docker {what}")
        except Overdue:
            raise Unreachable(
                f"The Docker Engine at {self._host} did not answer within {deadline:g} s",
                fix=unreachable_fix(self._host),
            ) from None
        except GatewayError:
            raise
        except Exception as exc:
            raise error_for_docker(exc, self._host) from None


def engine_host_name(host: str) -> str:
    """The machine a Docker host URL names: a tcp:// or ssh:// host's name, else (a local
    socket or pipe) this machine's."""
    url = urlsplit(host)
    name = url.hostname if url.scheme in ("tcp", "ssh", "http", "https") else socket.gethostname()
    return name or "localhost"


def addresses_of(name: str) -> tuple[str, ...]:
    """Every address `name` resolves to, in the resolver's order, each once. OSError when none."""
    return tuple(dict.fromkeys(str(info[4][0]) for info in socket.getaddrinfo(name, None)))


def error_for_docker(exc: BaseException, host: str) -> GatewayError:
    """The GatewayError for anything the docker SDK (or the road to the daemon) raised."""
    chain = list(exception_chain(exc))
    status = next(
        (c.status_code for c in chain if isinstance(c, docker.errors.APIError) and c.status_code),
        None,
    )
    if status is not None:
        text = str(getattr(exc, "explanation", "") or exc)
        if status in (401, 403):
            return Forbidden(
                f"The Docker Engine at {host} refused: {text}", fix=forbidden_fix(host)
            )
        if status == 404:
            return NotFound(f"Not found on the Docker Engine at {host}: {text}")
        return GatewayError(f"The Docker Engine at {host} answered {status}: {text}")
    if _any(chain, PermissionError):
        return Forbidden(
            f"Permission denied on the Docker socket of {host}",
            fix=forbidden_fix(host),
        )
    if _any(chain, requests.exceptions.Timeout, TimeoutError):
        return Unreachable(
            f"The Docker Engine at {host} did not answer in time", fix=unreachable_fix(host)
        )
    if _any(chain, requests.exceptions.ConnectionError, ConnectionError, FileNotFoundError):
        return Unreachable(
            f"Cannot reach the Docker Engine at {host}: {_root_reason(chain)}",
            fix=unreachable_fix(host),
        )
    text = str(exc)
    if "paramiko" in text:
        return GatewayError(
            f"Docker over ssh:// needs the paramiko package ({host})",
            fix="pip install 'docker[ssh]'",
        )
    return GatewayError(
        f"The Docker Engine at {host} could not be used: {text}",
        fix=f"Check with `docker -H {host} info`.",
    )


def unreachable_fix(host: str) -> str:
    parts = urlsplit(host)
    if parts.scheme == "ssh":
        user = f"{parts.username}@" if parts.username else ""
        port = f"-p {parts.port} " if parts.port else ""
        dest = f"{port}{user}{parts.hostname}"
        return (
            f"Check that `ssh {dest} docker info` works without a password prompt (key or "
            f"ssh-agent) and that the remote user may use Docker; then `docker -H {host} info`."
        )
    if parts.scheme == "unix":
        return (
            f"Is dockerd running, and is {parts.path} its socket? Check with "
            f"`docker -H {host} info` (and `systemctl status docker`)."
        )
    return f"Is dockerd running and listening there? Check with `docker -H {host} info`."


def forbidden_fix(host: str) -> str:
    where = " on the remote host" if host.startswith("ssh://") else ""
    return (
        f"Your user may not use the Docker socket{where}: add it to the docker group "
        "(`sudo usermod -aG docker $USER`, then log in again) or run with sudo; "
        f"check with `docker -H {host} info`."
    )


def _any(chain: Iterable[BaseException], *kinds: type[BaseException]) -> bool:
    return any(isinstance(c, kinds) for c in chain)


def _root_reason(chain: list[BaseException]) -> str:
    """The innermost OS-level reason, e.g. 'No such file or directory' or 'Connection refused'."""
    for cause in reversed(chain):
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
    return str(chain[-1]).splitlines()[0] if str(chain[-1]) else type(chain[-1]).__name__


# --- Engine JSON -> domain objects -------------------------------------------------------------


def container(info: dict[str, Any]) -> ComposeContainer:
    """A ComposeContainer from `docker inspect` output."""
    config = info.get("Config") or {}
    labels = config.get("Labels") or {}
    state = info.get("State") or {}
    started = str(state.get("StartedAt") or "")
    try:
        number = int(labels.get(NUMBER) or 1)
    except ValueError:
        number = 1
    return ComposeContainer(
        name=str(info.get("Name", "")).lstrip("/"),
        service=str(labels.get(SERVICE, "")),
        state=str(state.get("Status", "")),
        health=str((state.get("Health") or {}).get("Status", "")),
        image=str(config.get("Image", "")),
        started_at="" if started.startswith("0001-") else started,
        number=number,
        one_off=str(labels.get(ONE_OFF, "")).lower() == "true",
        published=published_ports(info),
    )


def published_ports(info: dict[str, Any]) -> tuple[tuple[str, int, int, str], ...]:
    """What `docker inspect` says is published now: NetworkSettings.Ports, e.g.
    {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]} (null when not published)."""
    found = []
    for key, bindings in ((info.get("NetworkSettings") or {}).get("Ports") or {}).items():
        number, _, protocol = str(key).partition("/")
        for binding in bindings or ():
            host_port = str(binding.get("HostPort") or "")
            if number.isdigit() and host_port.isdigit():
                found.append(
                    (
                        str(binding.get("HostIp") or ""),
                        int(host_port),
                        int(number),
                        protocol or "tcp",
                    )
                )
    return tuple(sorted(set(found)))


def read_time(stats: dict[str, Any]) -> float:
    """A stats sample's `read` (RFC 3339 with nanoseconds) as Unix seconds; now when absent."""
    text = str(stats.get("read") or "")
    try:
        whole, _, fraction = text.rstrip("Z").partition(".")
        stamp = datetime.fromisoformat(whole).replace(tzinfo=UTC).timestamp()
        return stamp + (float(f"0.{fraction}") if fraction.isdigit() else 0.0)
    except ValueError:
        return time.time()


def net_counters(stats: dict[str, Any], at: float) -> NetCounters:
    """The sums over a stats sample's `networks` (absent for a container with no network)."""
    nets = (stats.get("networks") or {}).values()
    return NetCounters(
        rx_bytes=sum(int(n.get("rx_bytes") or 0) for n in nets),
        tx_bytes=sum(int(n.get("tx_bytes") or 0) for n in nets),
        rx_packets=sum(int(n.get("rx_packets") or 0) for n in nets),
        tx_packets=sum(int(n.get("tx_packets") or 0) for n in nets),
        at=at,
    )


def volume(info: dict[str, Any]) -> ComposeVolume:
    labels = info.get("Labels") or {}
    name = str(info.get("Name", ""))
    return ComposeVolume(
        name=name,
        volume=str(labels.get(VOLUME) or name),
        driver=str(info.get("Driver") or "local"),
        mountpoint=str(info.get("Mountpoint") or ""),
    )
