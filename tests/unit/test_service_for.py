"""`service_for`: the one answer to "which Service reaches this container port", asked by the
Mapping diff's ports and by the Traffic step's plan; both must name the same Service."""

from __future__ import annotations

from tests.support.mapping_builders import container, diff, kube_service, service, workload
from wizard.compose.model import ComposeProject, PortMapping
from wizard.target.exposure import selecting_services, service_for, services_for
from wizard.target.model import ServicePort, TargetService, TargetState
from wizard.traffic.plan import published_ports

WEB = workload("web", container("web", ports=((8000, "TCP"),), port_names={"http": 8000}))


def _state(*services: TargetService) -> TargetState:
    return TargetState("shop", workloads=(WEB,), services=services)


def test_a_service_port_reaches_the_container_port_by_number_or_by_its_name() -> None:
    by_number = kube_service("web", "web", ServicePort(80, "8000"))
    by_name = kube_service("web", "web", ServicePort(80, "http"))
    for svc in (by_number, by_name):
        assert service_for(_state(svc), WEB, 8000) == (svc, svc.ports[0])
    assert service_for(_state(by_number), WEB, 9000) is None


def test_a_name_no_container_declares_reaches_nothing() -> None:
    svc = kube_service("web", "web", ServicePort(80, "web-http"))
    assert service_for(_state(svc), WEB, 8000) is None


def test_the_protocol_must_match_and_is_tcp_unless_asked() -> None:
    udp = kube_service("web", "web", ServicePort(8000, "8000", protocol="UDP"))
    assert service_for(_state(udp), WEB, 8000) is None
    assert service_for(_state(udp), WEB, 8000, "udp") == (udp, udp.ports[0])


def test_only_services_selecting_the_pods_count() -> None:
    other = kube_service("api", "api", ServicePort(80, "8000"))
    no_selector = TargetService("web-external", {}, (ServicePort(80, "8000"),))
    state = _state(other, no_selector)
    assert selecting_services(state, WEB) == []
    assert service_for(state, WEB, 8000) is None


def test_the_first_of_several_in_the_targets_order() -> None:
    a = kube_service("web-a", "web", ServicePort(80, "8000"), ServicePort(81, "http"))
    b = kube_service("web-b", "web", ServicePort(8000, "8000"))
    state = _state(a, b)
    assert services_for(state, WEB, 8000) == [(a, a.ports[0]), (a, a.ports[1]), (b, b.ports[0])]
    assert service_for(state, WEB, 8000) == (a, a.ports[0])


def test_the_traffic_plan_and_the_mapping_diff_name_the_same_service() -> None:
    """Two Services reach the port: both answers start with the same one, as service_for says."""
    a = kube_service("web-a", "web", ServicePort(8080, "http"))
    b = kube_service("web-b", "web", ServicePort(80, "8000"))
    published = PortMapping(8000, "8080")
    state = _state(a, b)
    compose = service("web", ports=(published,))
    [row] = published_ports(ComposeProject("shop", {"web": compose}), state, {"web": WEB})
    assert (row.k8s_service, row.service_port) == service_for(state, WEB, 8000)
    mapping = diff(compose, WEB, services=(a, b))["ports:8080"]
    assert mapping.kubernetes.startswith("Service web-a:8080"), mapping.kubernetes
