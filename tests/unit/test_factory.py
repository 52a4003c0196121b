"""Gateways are built lazily, in whatever thread asks first; their client libraries are imported
one thread at a time (two at once handed each other half-initialised modules in the sandbox)."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import wizard.gateways.factory as factory
from wizard.config import CutoverConfig


def _config() -> CutoverConfig:
    return CutoverConfig(
        compose_files=(Path("/srv/app/compose.yaml"),),
        project_dir=Path("/srv/app"),
        project_name="app",
        docker_host="tcp://127.0.0.1:1",
        kubeconfig="/nonexistent/kubeconfig",
    )


def test_building_a_gateway_waits_while_another_imports_its_client_library() -> None:
    gateways = factory.build_gateways(_config())
    built = threading.Event()

    def build() -> None:
        # Nothing answers at 127.0.0.1:1: only the import phase matters here.
        with contextlib.suppress(Exception):
            gateways.compose_host()
        built.set()

    with factory.IMPORT_LOCK:  # another thread is importing kubernetes, say
        thread = threading.Thread(target=build)
        thread.start()
        assert not built.wait(0.3), "the Docker host was built while the import lock was held"
    assert built.wait(10)
    thread.join()
