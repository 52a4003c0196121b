"""Ports against Services and Ingresses; named volumes against PVC mounts; bind mounts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.mapping_builders import (
    PROJECT_DIR,
    config,
    container,
    diff,
    kube_service,
    project,
    pvc,
    service,
    workload,
)
from wizard.checks import Severity
from wizard.compose.model import Mount, PortMapping
from wizard.mapping.model import DiffRow
from wizard.target.model import (
    IngressRule,
    PodVolume,
    ServicePort,
    TargetIngress,
    VolumeMountSpec,
)

OK, INFO, WARN, BLOCK = Severity.OK, Severity.INFO, Severity.WARN, Severity.BLOCK

WEB = container("web", ports=((80, "TCP"),))


def ingress(tls: bool = True, service_name: str = "web") -> TargetIngress:
    return TargetIngress(
        name="shop",
        rules=(IngressRule("shop.example.com", "/", service_name, "80"),),
        tls_hosts=("shop.example.com",) if tls else (),
    )


def _port(port: PortMapping, **target_fields: Any) -> Severity:
    rows = diff(service("web", ports=(port,)), workload("web", WEB), **target_fields)
    field = f"ports:{port.published or port.target}"
    return rows[field].finding.severity


HTTP = PortMapping(80, "80")
HTTPS = PortMapping(443, "443")
SVC = (kube_service("web", "web", 80),)


@pytest.mark.parametrize(
    ("port", "fields", "severity"),
    [
        (HTTP, {"services": SVC, "ingresses": (ingress(),)}, OK),
        (HTTP, {"services": SVC}, BLOCK),  # public entry, no Ingress
        (HTTP, {}, BLOCK),
        (HTTPS, {"services": SVC, "ingresses": (ingress(),)}, OK),
        (HTTPS, {"services": SVC, "ingresses": (ingress(tls=False),)}, WARN),
        (HTTPS, {"services": SVC, "ingresses": (ingress(service_name="other"),)}, BLOCK),
        (HTTP, {"services": (kube_service("web", "web", 80, type="LoadBalancer"),)}, OK),
        (PortMapping(80, "8080"), {"services": SVC}, INFO),  # in-cluster only now
        (PortMapping(80, "8080"), {}, BLOCK),  # no Service at all: nothing reaches web
        # A Service selects web, but not for this port: the rest of web is reachable.
        (PortMapping(80, "8080"), {"services": (kube_service("web", "web", 9090),)}, WARN),
        (PortMapping(80, "8080", protocol="udp"), {"services": SVC}, WARN),
        (PortMapping(80, "8080", host_ip="127.0.0.1"), {"services": SVC}, INFO),
        (PortMapping(80, ""), {"services": SVC}, INFO),
    ],
)
def test_ports(port: PortMapping, fields: dict[str, Any], severity: Severity) -> None:
    assert _port(port, **fields) is severity


def test_a_published_port_with_no_service_at_all_blocks_and_says_what_to_add() -> None:
    # Another workload's Service does not count: it does not select web's pods.
    rows = diff(
        service("web", ports=(PortMapping(9100, "9100"),)),
        workload("web", WEB),
        services=(kube_service("db", "db", 5432),),
    )
    finding = rows["ports:9100"].finding
    assert finding.severity is BLOCK
    assert "no Service selects Deployment web's pods" in finding.message
    assert "kubectl expose deployment/web --port 9100" in finding.fix


def test_public_port_without_ingress_says_what_to_add() -> None:
    rows = diff(service("web", ports=(HTTPS,)), workload("web", WEB), services=SVC)
    row = rows["ports:443"]
    assert "Add an Ingress routing your domain to Service web with spec.tls" in row.finding.fix


def test_missing_tls_says_how_to_add_it() -> None:
    rows = diff(
        service("web", ports=(HTTPS,)),
        workload("web", WEB),
        services=SVC,
        ingresses=(ingress(tls=False),),
    )
    assert "spec.tls: [{hosts: [shop.example.com]" in rows["ports:443"].finding.fix


def _named(*containers: Any, service_port: int = 8080, target: str = "http") -> Severity:
    named = kube_service("web", "web", ServicePort(service_port, target))
    rows = diff(
        service("web", ports=(PortMapping(80, "8080"),)),
        workload("web", *containers),
        services=(named,),
    )
    return rows["ports:8080"].finding.severity


def test_a_named_target_port_is_the_container_port_of_that_name() -> None:
    web = container(
        "web", ports=((80, "TCP"), (9090, "TCP")), port_names={"http": 80, "metrics": 9090}
    )
    assert _named(web) is INFO
    # Another Service port number changes nothing: the name decides.
    assert _named(web, service_port=9999) is INFO
    # The name of another container port does not reach port 80.
    assert _named(web, target="metrics") is WARN


def test_a_named_target_port_may_be_declared_by_another_container_of_the_pod() -> None:
    web = container("web", ports=((80, "TCP"),))
    sidecar = container("proxy", ports=((80, "TCP"),), port_names={"http": 80})
    assert _named(web, sidecar) is INFO


def test_a_target_port_name_no_container_declares_reaches_nothing_and_says_so() -> None:
    # Kubernetes makes no endpoint for a pod without a port of that name, even one whose only
    # port is the right number.
    assert _named(container("web", ports=((80, "TCP"),))) is WARN
    rows = diff(
        service("web", ports=(PortMapping(80, "8080"),), expose=("9090",)),
        workload("web", container("web", ports=((80, "TCP"), (9090, "TCP")))),
        services=(
            kube_service("web", "web", ServicePort(8080, "http"), ServicePort(9090, "metrics")),
        ),
    )
    published, exposed = rows["ports:8080"].finding, rows["ports:9090"].finding
    assert "targetPort http, a name no container of Deployment web declares" in published.message
    assert "`- {containerPort: 80, name: http}`" in published.fix
    assert "targetPort metrics" in exposed.message and "name: metrics" in exposed.fix


def test_an_ingress_by_port_name_to_a_named_target_port_reaches_the_pods() -> None:
    web = container("web", ports=((8000, "TCP"),), port_names={"http": 8000})
    rows = diff(
        service("web", ports=(PortMapping(8000, "80"),)),
        workload("web", web),
        services=(kube_service("web", "web", ServicePort(80, "http", name="http")),),
        ingresses=(
            TargetIngress(
                name="shop", rules=(IngressRule("shop.example.com", "/", "web", "http"),)
            ),
        ),
    )
    assert rows["ports:80"].finding.severity is OK


def test_loopback_port_becomes_port_forward() -> None:
    rows = diff(
        service("web", ports=(PortMapping(15672, "15672", host_ip="127.0.0.1"),)),
        workload("web", container("web", ports=((15672, "TCP"),))),
        services=(kube_service("web", "web", 15672),),
    )
    assert rows["ports:15672"].finding.fix == "kubectl port-forward svc/web 15672:15672 -n shop"


def test_exposed_ports_need_a_service() -> None:
    ok = diff(
        service("api", expose=("8000",)),
        workload("api"),
        services=(kube_service("api", "api", 8000),),
    )
    missing = diff(service("api", expose=("8000",)), workload("api"))
    assert ok["ports:8000"].finding.severity is OK
    assert missing["ports:8000"].finding.severity is WARN
    assert "kubectl expose deployment/api --port 8000" in missing["ports:8000"].finding.fix


# --- volumes ------------------------------------------------------------------------------------

DATA = Mount("volume", "postgres_data", "/var/lib/postgresql/data")


def _db(
    *,
    mounts: tuple[VolumeMountSpec, ...],
    volumes: tuple[PodVolume, ...] = (),
    templates: tuple[str, ...] = (),
) -> dict[str, DiffRow]:
    return diff(
        project(service("postgres", mounts=(DATA,)), volumes=("postgres_data",)),
        workload(
            "postgres",
            container("postgres", mounts=mounts),
            kind="StatefulSet",
            volumes=volumes,
            claim_templates=templates,
        ),
    )


def _at(
    volume: str, path: str = "/var/lib/postgresql/data", read_only: bool = False
) -> tuple[VolumeMountSpec, ...]:
    return (VolumeMountSpec(volume, path, read_only),)


def test_named_volume_mapped_in_cutover_yaml_is_ok() -> None:
    rows = diff(
        project(service("postgres", mounts=(DATA,)), volumes=("postgres_data",)),
        workload(
            "postgres",
            container("postgres", mounts=_at("data")),
            volumes=(pvc("data", "pg-claim"),),
        ),
        cfg=config(volumes={"postgres_data": "pg-claim"}),
    )
    assert rows["volumes:postgres_data"].finding.severity is OK


def test_named_volume_by_the_name_heuristic_is_ok() -> None:
    rows = _db(mounts=_at("data"), volumes=(pvc("data", "postgres-data"),))
    assert rows["volumes:postgres_data"].finding.severity is OK
    rows = _db(mounts=_at("data"), volumes=(pvc("data", "shop-postgres-data"),))
    assert rows["volumes:postgres_data"].finding.severity is OK


def test_named_volume_from_a_claim_template_is_ok() -> None:
    rows = _db(mounts=_at("data"), templates=("data",))
    row = rows["volumes:postgres_data"]
    assert row.finding.severity is OK
    assert "PVC data-postgres-0" in row.kubernetes


def test_claim_template_against_a_different_cutover_yaml_claim_warns() -> None:
    rows = diff(
        project(service("postgres", mounts=(DATA,)), volumes=("postgres_data",)),
        workload(
            "postgres",
            container("postgres", mounts=_at("data")),
            kind="StatefulSet",
            claim_templates=("data",),
        ),
        cfg=config(volumes={"postgres_data": "pgdata-old"}),
    )
    row = rows["volumes:postgres_data"]
    assert row.finding.severity is WARN and "`  postgres_data: data-postgres-0`" in row.finding.fix


def test_missing_mount_blocks_with_the_manifest_fields() -> None:
    rows = _db(mounts=())
    row = rows["volumes:postgres_data"]
    assert row.finding.severity is BLOCK
    assert "mountPath: /var/lib/postgresql/data" in row.finding.fix
    assert "claimName: postgres-data" in row.finding.fix
    assert "volumeClaimTemplate" in row.finding.fix


def test_a_pvc_whose_name_says_nothing_is_info_with_the_cutover_yaml_line() -> None:
    rows = _db(mounts=_at("data"), volumes=(pvc("data", "disk-7"),))
    row = rows["volumes:postgres_data"]
    assert row.finding.severity is INFO
    assert "volumes:\n  postgres_data: disk-7" in row.finding.fix


def test_explicit_claim_differs_from_the_mounted_one_warns() -> None:
    rows = diff(
        project(service("postgres", mounts=(DATA,)), volumes=("postgres_data",)),
        workload(
            "postgres", container("postgres", mounts=_at("data")), volumes=(pvc("data", "a"),)
        ),
        cfg=config(volumes={"postgres_data": "b"}),
    )
    assert rows["volumes:postgres_data"].finding.severity is WARN


@pytest.mark.parametrize(
    ("kind", "severity"), [("emptyDir", BLOCK), ("hostPath", WARN), ("configMap", WARN)]
)
def test_named_volume_on_the_wrong_kind_of_volume(kind: str, severity: Severity) -> None:
    rows = _db(mounts=_at("data"), volumes=(PodVolume("data", kind, "x"),))
    assert rows["volumes:postgres_data"].finding.severity is severity


def test_a_pod_volume_with_no_source_is_an_emptydir_and_blocks_a_data_volume() -> None:
    from wizard.target.parse import pod_volume

    bare = pod_volume({"name": "data"})
    assert bare == PodVolume("data", "emptyDir", "")
    rows = _db(mounts=_at("data"), volumes=(bare,))
    assert rows["volumes:postgres_data"].finding.severity is BLOCK
    assert "would not survive a restart" in rows["volumes:postgres_data"].finding.message


def test_a_source_cutover_does_not_read_is_named_not_guessed_at() -> None:
    from wizard.target.parse import pod_volume

    nfs = pod_volume({"name": "data", "nfs": {"server": "x", "path": "/d"}})
    rows = _db(mounts=_at("data"), volumes=(nfs,))
    finding = rows["volumes:postgres_data"].finding
    assert finding.severity is WARN
    assert finding.message.startswith("A nfs volume is mounted there")
    assert "read-only configuration" not in finding.message


def test_undefined_pod_volume_blocks() -> None:
    rows = _db(mounts=_at("nope"))
    assert rows["volumes:postgres_data"].finding.severity is BLOCK


def test_read_only_in_kubernetes_but_not_in_compose_warns() -> None:
    rows = _db(mounts=_at("data", read_only=True), templates=("data",))
    assert rows["volumes:postgres_data"].finding.severity is WARN


NGINX = Mount("bind", str(PROJECT_DIR / "nginx/nginx.prod.conf"), "/etc/nginx/nginx.conf", True)


def _nginx(
    mounts: tuple[VolumeMountSpec, ...] = (), volumes: tuple[PodVolume, ...] = ()
) -> DiffRow:
    return diff(
        service("web", mounts=(NGINX,)),
        workload("web", container("web", mounts=mounts), volumes=volumes),
    )["volumes:/etc/nginx/nginx.conf"]


def test_bind_mount_as_a_config_map_is_ok() -> None:
    row = _nginx(
        (VolumeMountSpec("conf", "/etc/nginx/nginx.conf", True, "nginx.conf"),),
        (PodVolume("conf", "configMap", "nginx"),),
    )
    assert row.finding.severity is OK
    assert row.compose == "./nginx/nginx.prod.conf at /etc/nginx/nginx.conf (read-only)"


def test_bind_mount_without_anything_is_baked_in_verify() -> None:
    row = _nginx()
    assert row.finding.severity is WARN and "baked into the image" in row.finding.message
    assert (
        "kubectl create configmap web-nginx.conf --from-file=./nginx/nginx.prod.conf"
        in row.finding.fix
    )


def test_bind_mount_under_a_config_map_folder_is_info() -> None:
    row = _nginx(
        (VolumeMountSpec("conf", "/etc/nginx"),), (PodVolume("conf", "configMap", "nginx"),)
    )
    assert row.finding.severity is INFO and "nginx.conf" in row.finding.message


def test_tmpfs_is_info_unless_mounted() -> None:
    tmp = Mount("tmpfs", "", "/tmp")
    rows = diff(service("web", mounts=(tmp,)), workload("web"))
    assert rows["volumes:/tmp"].finding.severity is INFO


def _host_bind(source: str, host_path: str, kind: str = "DaemonSet", target: str = "") -> DiffRow:
    at = target or source
    return diff(
        service("agent", mounts=(Mount("bind", source, at, read_only=True),)),
        workload(
            "agent",
            container("agent", mounts=(VolumeMountSpec("host", at, read_only=True),)),
            kind=kind,
            volumes=(PodVolume("host", "hostPath", host_path),),
        ),
    )[f"volumes:{at}"]


@pytest.mark.parametrize(
    "path",
    [
        "/var/log",
        "/var/lib/docker/containers",
        "/proc",
        "/sys/fs/cgroup",
        "/etc/localtime",
        "/run/udev",
    ],
)
def test_a_daemonset_reading_the_same_host_system_path_is_faithful(path: str) -> None:
    row = _host_bind(path, path)
    assert row.finding.severity is OK
    assert "every node" in row.finding.message and "configmap" not in row.finding.fix.lower()


def test_the_host_path_decides_not_where_the_container_sees_it() -> None:
    assert _host_bind("/", "/", target="/host").finding.severity is OK  # node-exporter's rootfs
    assert _host_bind("/var/log", "/var/log", target="/host/log").finding.severity is OK


def test_the_same_host_system_path_in_a_deployment_reads_one_node_only() -> None:
    row = _host_bind("/var/log", "/var/log/", kind="Deployment")
    assert row.finding.severity is INFO
    assert "the one node it lands on" in row.finding.message and "DaemonSet" in row.finding.fix


@pytest.mark.parametrize(
    ("source", "host_path", "target"),
    [
        ("/srv/app/data", "/srv/app/data", ""),  # the project's own files: not on the nodes
        ("/var/log", "/var/log/nginx", ""),  # another host path
        ("/var/logs", "/var/logs", ""),  # not under /var/log
    ],
)
def test_other_host_paths_still_must_be_copied_to_every_node(
    source: str, host_path: str, target: str
) -> None:
    row = _host_bind(source, host_path, target=target)
    assert row.finding.severity is WARN
    assert "copied to every node" in row.finding.message


def _udp(port: PortMapping | None, expose: tuple[str, ...] = (), **fields: Any) -> DiffRow:
    dns = container("dns", ports=((53, "UDP"),))
    compose = service("dns", ports=(port,) if port else (), expose=expose)
    return diff(compose, workload("dns", dns), **fields)["ports:53"]


TCP_53 = (kube_service("dns", "dns", ServicePort(53, "53")),)


@pytest.mark.parametrize(
    ("port", "expose"),
    [(PortMapping(53, "53", protocol="udp"), ()), (None, ("53/udp",))],
)
def test_a_udp_port_behind_a_tcp_only_service_says_the_protocol(
    port: PortMapping | None, expose: tuple[str, ...]
) -> None:
    finding = _udp(port, expose, services=TCP_53).finding
    assert finding.severity is WARN
    assert "sends TCP to container port 53, but Compose uses it over UDP" in finding.message
    assert "targetPort: 53, protocol: UDP}" in finding.fix and "Service dns" in finding.fix


@pytest.mark.parametrize(
    ("port", "expose"),
    [(PortMapping(53, "53", protocol="udp"), ()), (None, ("53/udp",))],
)
def test_the_service_to_add_for_a_udp_port_says_udp(
    port: PortMapping | None, expose: tuple[str, ...]
) -> None:
    fix = _udp(port, expose).finding.fix
    assert "targetPort: 53, protocol: UDP}" in fix and "--port 53 --protocol UDP" in fix


def test_a_udp_service_port_exposes_the_udp_port() -> None:
    udp = (kube_service("dns", "dns", ServicePort(53, "53", protocol="UDP")),)
    assert _udp(PortMapping(53, "53", protocol="udp"), services=udp).finding.severity is INFO
    # ... and a TCP port of Compose's is not exposed by it.
    tcp = _udp(PortMapping(53, "53"), services=udp).finding
    assert "sends UDP to container port 53, but Compose uses it over TCP" in tcp.message
    assert "protocol: TCP" in tcp.fix
