"""Where the real test services are: the values `scripts/testenv.sh up` writes to env.sh.

Read from the environment when exported (``make test`` sources env.sh), otherwise from
``$CUTOVER_TESTENV/env.sh`` (default /tmp/cutover-testenv/env.sh), so a plain ``pytest`` works
after ``make env-up``.
"""

from __future__ import annotations

import os
import shlex
import ssl
import urllib.request
from dataclasses import dataclass
from pathlib import Path

KEYS = (
    "CUTOVER_TEST_STATE",
    "CUTOVER_TEST_APISERVER",
    "CUTOVER_TEST_ADMIN_KUBECONFIG",
    "CUTOVER_TEST_VIEWER_KUBECONFIG",
    "CUTOVER_TEST_MULTI_KUBECONFIG",
    "CUTOVER_TEST_DOCKER_HOST",
    "CUTOVER_TEST_COMPOSE_BIN",
    "CUTOVER_TEST_IMAGE",
    "CUTOVER_TEST_POSTGRES_IMAGE",
    "CUTOVER_TEST_REDIS_IMAGE",
    "CUTOVER_TEST_NODE",
    "CUTOVER_TEST_DOCKER_ADDRESS",
)


class EnvironmentDown(Exception):
    """The real services are not there; the message says why."""


@dataclass(frozen=True)
class TestEnv:
    __test__ = False  # not a test class, despite the name

    state: Path
    apiserver: str
    admin_kubeconfig: str
    viewer_kubeconfig: str
    multi_kubeconfig: str
    docker_host: str
    compose_bin: str
    image: str  # busybox, every applet
    postgres_image: str  # PostgreSQL 15 from Debian's packages, started like the official image
    redis_image: str
    node: str  # the real kubelet's node: every ordinary pod runs there
    docker_address: str  # where the host reaches the engine's published ports


def env_file() -> Path:
    return Path(os.environ.get("CUTOVER_TESTENV", "/tmp/cutover-testenv")) / "env.sh"


def _values() -> dict[str, str]:
    if all(os.environ.get(key) for key in KEYS):
        return {key: os.environ[key] for key in KEYS}
    path = env_file()
    if not path.is_file():
        raise EnvironmentDown(f"no {path}")
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line.removeprefix("export ").partition("=")
            values[key] = " ".join(shlex.split(value))
    missing = [key for key in KEYS if not values.get(key)]
    if missing:
        raise EnvironmentDown(f"{path} lacks {', '.join(missing)}")
    return values


def load() -> TestEnv:
    """The environment's coordinates, after checking that its services answer."""
    v = _values()
    env = TestEnv(
        state=Path(v["CUTOVER_TEST_STATE"]),
        apiserver=v["CUTOVER_TEST_APISERVER"],
        admin_kubeconfig=v["CUTOVER_TEST_ADMIN_KUBECONFIG"],
        viewer_kubeconfig=v["CUTOVER_TEST_VIEWER_KUBECONFIG"],
        multi_kubeconfig=v["CUTOVER_TEST_MULTI_KUBECONFIG"],
        docker_host=v["CUTOVER_TEST_DOCKER_HOST"],
        compose_bin=v["CUTOVER_TEST_COMPOSE_BIN"],
        image=v["CUTOVER_TEST_IMAGE"],
        postgres_image=v["CUTOVER_TEST_POSTGRES_IMAGE"],
        redis_image=v["CUTOVER_TEST_REDIS_IMAGE"],
        node=v["CUTOVER_TEST_NODE"],
        docker_address=v["CUTOVER_TEST_DOCKER_ADDRESS"],
    )
    ca = env.state / "k8s" / "certs" / "apiserver.crt"
    try:
        # /readyz is open to anyone by the default RBAC rules: no token needed.
        context = ssl.create_default_context(cafile=str(ca))
        with urllib.request.urlopen(f"{env.apiserver}/readyz", context=context, timeout=3) as r:
            r.read()
    except (OSError, ssl.SSLError) as exc:
        raise EnvironmentDown(f"kube-apiserver at {env.apiserver} does not answer ({exc})") from exc
    socket = env.docker_host.removeprefix("unix://")
    if not Path(socket).exists():
        raise EnvironmentDown(f"no Docker socket at {socket}")
    if not os.access(env.compose_bin, os.X_OK):
        raise EnvironmentDown(f"{env.compose_bin} is not executable")
    return env
