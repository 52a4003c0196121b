"""The Traffic check on real services: a Compose web service and its Kubernetes replacement
(Deployment, Service, Ingress whose address is patched into its status: no ingress controller
runs here), names asked of a real DNS server whose records the test changes, the smoke request to
both sides (the Kubernetes one through a real port-forward) and drain on the engine's counters."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client

from tests.support import testenv
from tests.support.dns import dns_server
from tests.support.pods import BUSYBOX, is_ready, wait_for_pods
from tests.support.workloads import create_deployment, project_config
from wizard.checks import Severity
from wizard.gateways.factory import build_gateways
from wizard.traffic.report import gather_traffic

pytestmark = pytest.mark.integration

HOST, INGRESS_ADDRESS = "shop.test", "198.51.100.7"


def httpd(page_status: str) -> list[str]:
    """busybox httpd on 8080; /health answers 200 on both sides, / answers `page_status`
    (a CGI that prints its own status line)."""
    script = (
        "mkdir -p /www/cgi-bin && echo ok > /www/health && "
        f"printf '#!/bin/sh\\necho \"Status: {page_status}\"\\necho\\necho page\\n' "
        "> /www/cgi-bin/page && chmod +x /www/cgi-bin/page && exec httpd -f -p 8080 -h /www"
    )
    return ["sh", "-c", script]


@pytest.fixture
def sides(
    compose_project: Callable[..., Any],
    admin_api: Any,
    namespace: str,
    admin_kubeconfig: str,
    docker_host: str,
) -> Any:
    project = compose_project({"web": {"command": httpd("200 OK"), "ports": ["8080"]}})
    container = {
        "name": "web",
        "image": BUSYBOX,
        "command": httpd("502 Bad Gateway"),
        "ports": [{"containerPort": 8080}],
        "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1},
    }
    create_deployment(admin_api, namespace, "web", replicas=1, container=container)
    core, net = client.CoreV1Api(admin_api), client.NetworkingV1Api(admin_api)
    core.create_namespaced_service(
        namespace,
        {
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
    )
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    net.create_namespaced_ingress(
        namespace,
        {
            "metadata": {"name": "web"},
            "spec": {
                "rules": [
                    {
                        "host": HOST,
                        "http": {
                            "paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]
                        },
                    }
                ]
            },
        },
    )
    status = {"status": {"loadBalancer": {"ingress": [{"ip": INGRESS_ADDRESS}]}}}
    net.patch_namespaced_ingress_status("web", namespace, status)
    wait_for_pods(
        admin_api, namespace, "app=web", lambda ps: len(ps) == 1 and all(map(is_ready, ps))
    )
    return project_config(project, admin_kubeconfig, namespace, docker_host)


def by_check(findings: list[Any]) -> dict[str, Any]:
    return {f.check: f for f in findings}


def test_the_traffic_check_before_and_after_the_names_move(sides: Any) -> None:
    compose_address = testenv.load().docker_address
    with dns_server({HOST: (compose_address, 3600)}) as dns:
        config = dataclasses.replace(
            sides,
            dns_servers=(dns.address,),
            compose_addresses=(compose_address,),
            smoke_paths={"web": "/cgi-bin/page"},
        )
        gateways = build_gateways(config)
        found = by_check(gather_traffic(config, gateways))
        assert found["traffic.web:8080"].severity is Severity.OK
        assert INGRESS_ADDRESS in found["traffic.web:8080"].message
        name = found[f"traffic.name:{HOST}"]
        assert name.blocks and "still points at the Compose host" in name.message
        assert found[f"traffic.ttl:{HOST}"].severity is Severity.WARN
        smoke = found["traffic.web:8080.smoke"]
        assert smoke.blocks and "200" in smoke.message and "502" in smoke.message

        # The operator's changes: the record points at the Ingress with a short TTL; the smoke
        # path is one both sides serve alike.
        dns.change({HOST: (INGRESS_ADDRESS, 300)})
        config = dataclasses.replace(config, smoke_paths={"web": "/health"})
        found = by_check(gather_traffic(config, gateways))
    # The system resolver does not know shop.test (only the test's server does): with the
    # operator's server pointing at the Ingress, that is a warning naming this machine.
    name = found[f"traffic.name:{HOST}"]
    assert name.severity is Severity.WARN
    assert f"{INGRESS_ADDRESS} via {dns.address}" in name.message
    assert "this machine's resolver" in name.message
    assert f"traffic.ttl:{HOST}" not in found
    assert found["traffic.web:8080.smoke"].severity is Severity.OK
    assert any(c.startswith("traffic.drain:") for c in found)


def test_read_only_resolves_and_reads_counters_but_opens_no_port_forward(sides: Any) -> None:
    config = dataclasses.replace(sides, read_only=True, compose_addresses=("192.0.2.1",))
    found = by_check(gather_traffic(config, build_gateways(config)))
    smoke = found["traffic.web:8080.smoke"]
    assert smoke.severity is Severity.INFO and "not run in read-only" in smoke.message
    assert any(c.startswith("traffic.drain:") for c in found)
