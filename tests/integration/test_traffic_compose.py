"""The Compose side of the Traffic step on the real engine: the ports a container publishes,
the smoke request to one of them, and the receive rate drain reads, busy under a bounded load
and quiet once it stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support import testenv
from wizard.gateways.dockerhost import EngineComposeHost, connect_compose_host
from wizard.traffic.drain import DrainRate, measure_drain
from wizard.traffic.live import LiveDrain
from wizard.traffic.smoke import smoke_request, timed

pytestmark = pytest.mark.integration

WEB = {
    "web": {
        "command": [
            "sh",
            "-c",
            "mkdir -p /www && head -c 65536 /dev/zero > /www/big && echo ok > /www/index.html"
            " && exec httpd -f -p 8080 -h /www",
        ],
        "ports": ["8080"],  # a host port the engine picks: no clash between tests
    }
}


@pytest.fixture
def host(docker_host: str) -> Iterator[EngineComposeHost]:
    engine = connect_compose_host(docker_host)
    yield engine
    engine.close()


def test_published_ports_smoke_and_drain(host: EngineComposeHost, compose_project: Any) -> None:
    project = compose_project(WEB)
    [web] = host.project_containers(project.name)
    # One binding per address family the engine listens on (0.0.0.0 and ::); the engine may
    # pick a different host port for each. The test reaches the engine over IPv4.
    assert {(inside, protocol) for _, _, inside, protocol in web.published} == {(8080, "tcp")}
    host_port = next(port for ip, port, _, _ in web.published if ip == "0.0.0.0")
    address = testenv.load().docker_address

    answer = timed(
        "compose", lambda: host.ask_published(address, host_port, smoke_request("/", "web"), 5)
    )
    assert (answer.status, answer.error) == (200, "")
    missing = timed(
        "compose", lambda: host.ask_published(address, host_port, smoke_request("/nope", "web"), 5)
    )
    assert missing.status == 404

    stop = threading.Event()
    loader = _loader(host, address, host_port, stop)
    loader.start()
    try:
        [busy] = measure_drain(host, [web.name])
    finally:
        stop.set()
        loader.join(30)
    assert busy.busy(), busy.text
    [quiet] = measure_drain(host, [web.name])
    assert not quiet.busy(), quiet.text


def test_a_container_that_is_gone_has_no_rate_and_says_why(host: EngineComposeHost) -> None:
    [gone] = measure_drain(host, ["no-such-container-here"])
    assert gone.error and not gone.busy()
    assert "unknown" in gone.text


def _loader(
    host: EngineComposeHost, address: str, port: int, stop: threading.Event
) -> threading.Thread:
    """A bounded load from loopback, not started yet: 64 KiB answers in a loop, until `stop`."""

    def load() -> None:
        for _ in range(20000):
            if stop.is_set():
                return
            host.ask_published(address, port, smoke_request("/big", "web"), 5)

    return threading.Thread(target=load, daemon=True)


def _poll(what: str, ready: Callable[[], bool], deadline_s: float = 20.0) -> None:
    deadline = time.monotonic() + deadline_s
    while not ready():
        assert time.monotonic() < deadline, f"{what}: not within {deadline_s:g} s"
        time.sleep(0.05)


def test_the_live_drain_follows_one_stream_per_container_until_stopped(
    host: EngineComposeHost, compose_project: Any
) -> None:
    project = compose_project(WEB)
    [web] = host.project_containers(project.name)
    host_port = next(port for ip, port, _, _ in web.published if ip == "0.0.0.0")
    address = testenv.load().docker_address
    live = LiveDrain(host, [web.name, "no-such-container-here"])
    live.start()
    stop = threading.Event()
    loader = _loader(host, address, host_port, stop)
    try:
        _poll("a first rate", lambda: any(r.container == web.name for r in live.latest()))
        loader.start()
        _poll("busy under load", lambda: _rate(live, web.name).busy())
        # One stream for the running container; the missing one's ended with its reason.
        assert live.streams_open() == 1
        gone = _rate(live, "no-such-container-here")
        assert gone.error and "unknown" in gone.text
        stop.set()
        loader.join(30)
        _poll("quiet once the load stops", lambda: not _rate(live, web.name).busy())
    finally:
        stop.set()
        live.stop()
    # Each stream closes at its next sample: about a second.
    _poll("the stream closed", lambda: live.streams_open() == 0, 5.0)


def _rate(live: LiveDrain, name: str) -> DrainRate:
    return next((r for r in live.latest() if r.container == name), DrainRate(name, error="none"))
