"""The Traffic step's verdicts, pure: exposure, names (old host, wrong address, no answer,
TTL), the smoke answers side by side, and drain before and after the names move."""

from __future__ import annotations

from wizard.checks import Finding, Severity
from wizard.compose.model import ComposeProject, ComposeService, PortMapping
from wizard.gate.verdict import acknowledge
from wizard.model import NameAnswer
from wizard.target.model import (
    ContainerSpec,
    IngressRule,
    ServicePort,
    TargetIngress,
    TargetService,
    TargetState,
    TargetWorkload,
)
from wizard.traffic.drain import DrainRate
from wizard.traffic.findings import drain_findings, exposure_findings, name_findings, smoke_finding
from wizard.traffic.names import SYSTEM
from wizard.traffic.plan import published_ports
from wizard.traffic.smoke import HttpAnswer, parse_status, smoke_request

OLD, NEW = "192.0.2.10", "198.51.100.7"
WEB = TargetWorkload(
    "Deployment",
    "web",
    pod_labels={"app": "web"},
    containers=(ContainerSpec("web", ports=((8080, "TCP"),)),),
)


def target(*, address: str = NEW, tls: bool = False, ingress: bool = True) -> TargetState:
    service = TargetService("web", {"app": "web"}, (ServicePort(80, "8080"),))
    rules = (IngressRule("shop.test", "/", "web", "80"),)
    ingresses = (
        TargetIngress(
            "web",
            rules,
            tls_hosts=("shop.test",) if tls else (),
            addresses=(address,) if address else (),
            tls=(("shop-tls", ("shop.test",)),) if tls else (),
        ),
    )
    return TargetState("ns", (WEB,), (service,), ingresses if ingress else ())


def project(*ports: PortMapping) -> ComposeProject:
    services = {"web": ComposeService("web", ports=ports), "db": ComposeService("db")}
    return ComposeProject("shop", services)


def test_a_published_port_is_found_behind_its_service_and_ingress() -> None:
    [port] = published_ports(project(PortMapping(8080, "80")), target(), {"web": WEB, "db": None})
    assert port.k8s_service and port.k8s_service.name == "web"
    assert port.hosts == ("shop.test",)
    [ok] = exposure_findings(port, secrets=[])
    assert ok.severity is Severity.OK and "shop.test" in ok.message and NEW in ok.message


def test_exposure_blocks_without_a_service_or_an_address_and_on_a_missing_tls_secret() -> None:
    bare = TargetState("ns", (WEB,))
    [none] = published_ports(project(PortMapping(8080, "80")), bare, {"web": WEB})
    [block] = exposure_findings(none, secrets=[])
    assert block.blocks and "no Service sends to port 8080" in block.message
    [pending] = published_ports(project(PortMapping(8080)), target(address=""), {"web": WEB})
    assert any("no address yet" in f.message for f in exposure_findings(pending, []))
    [tls] = published_ports(project(PortMapping(8080)), target(tls=True), {"web": WEB})
    assert any("shop-tls" in f.message and f.blocks for f in exposure_findings(tls, []))
    assert not any(f.blocks for f in exposure_findings(tls, ["shop-tls"]))
    assert exposure_findings(tls, None)[0].severity is Severity.OK  # Secrets not listable
    [internal] = published_ports(project(PortMapping(8080)), target(ingress=False), {"web": WEB})
    assert exposure_findings(internal, [])[0].severity is Severity.WARN


def test_a_name_blocks_while_any_resolver_says_the_compose_host() -> None:
    answers = [
        NameAnswer("shop.test", SYSTEM, (NEW,), 300),
        NameAnswer("shop.test", "ns1", (OLD,), 3600),
    ]
    found = {f.check: f for f in name_findings("shop.test", answers, [NEW], [OLD])}
    name = found["traffic.name:shop.test"]
    assert name.blocks and "still points at the Compose host (192.0.2.10)" in name.message
    assert "via ns1" in name.message
    ttl = found["traffic.ttl:shop.test"]
    assert ttl.severity is Severity.WARN and "3600 s" in ttl.detail and "1 h" in ttl.fix


def test_a_name_is_ok_when_every_answer_is_the_ingress_with_a_short_ttl() -> None:
    answers = [NameAnswer("shop.test", SYSTEM, (NEW,)), NameAnswer("shop.test", "ns1", (NEW,), 300)]
    [ok] = name_findings("shop.test", answers, [NEW], [OLD])
    assert ok.severity is Severity.OK
    other = [NameAnswer("shop.test", "ns1", ("203.0.113.9",), 60)]
    [wrong] = name_findings("shop.test", other, [NEW], [OLD])
    assert wrong.blocks and "not the Ingress" in wrong.message
    gone = [NameAnswer("shop.test", "ns1", error="ns1 says there is no such name")]
    assert name_findings("shop.test", gone, [NEW], [OLD])[0].blocks


def test_smoke_compares_status_codes_and_shows_both_answers() -> None:
    [port] = published_ports(project(PortMapping(8080, "80")), target(), {"web": WEB})
    same = smoke_finding(
        port, "/", HttpAnswer("c", 200, "OK", 0.01), HttpAnswer("k", 200, "OK", 0.02)
    )
    assert same.severity is Severity.OK
    differ = smoke_finding(
        port, "/", HttpAnswer("c", 200, "OK"), HttpAnswer("k", 502, "Bad Gateway")
    )
    assert differ.blocks and "200 OK" in differ.message and "502 Bad Gateway" in differ.message
    failed = smoke_finding(port, "/", HttpAnswer("c", 200, "OK"), HttpAnswer("k", error="refused"))
    assert failed.blocks and "refused" in failed.message
    assert smoke_finding(port, "/", None, None, read_only=True).severity is Severity.INFO
    assert "not run in read-only" in smoke_finding(port, "/", None, None, read_only=True).message


def test_drain_warns_only_once_the_names_point_at_kubernetes() -> None:
    busy, quiet = DrainRate("shop-web-1", 50_000, 400), DrainRate("shop-api-1", 10, 1)
    before = {f.check: f.severity for f in drain_findings([busy, quiet], False, 1024)}
    assert before == {
        "traffic.drain:shop-web-1": Severity.INFO,
        "traffic.drain:shop-api-1": Severity.OK,
    }
    after = {f.check: f.severity for f in drain_findings([busy, quiet], True, 1024)}
    assert after["traffic.drain:shop-web-1"] is Severity.WARN


def test_a_warning_acknowledged_at_the_gate_still_covers_it_when_the_measure_moves() -> None:
    """The class: a warning carrying a measurement (a TTL a caching resolver counts down, a
    receive rate) keeps its message, so an acknowledgement (tied to the message) still holds;
    the figure itself is in the detail, where the operator reads it."""
    [busy_then] = drain_findings([DrainRate("shop-web-1", 50_000, 400)], True, 1024)
    [busy_now] = drain_findings([DrainRate("shop-web-1", 9_000, 80)], True, 1024)
    assert busy_then.severity is busy_now.severity is Severity.WARN
    assert acknowledge(busy_then).covers(busy_now)
    assert "48.8 KiB/s" in busy_then.detail and "8.8 KiB/s" in busy_now.detail

    def ttl_warning(ttl: int) -> Finding:
        answers = [NameAnswer("shop.test", SYSTEM, (NEW,), ttl)]
        return next(
            f for f in name_findings("shop.test", answers, [NEW], [OLD]) if "ttl" in f.check
        )

    assert acknowledge(ttl_warning(3600)).covers(ttl_warning(3411))
    assert "3411 s" in ttl_warning(3411).detail
    [port] = published_ports(project(PortMapping(8080, "80")), target(), {"web": WEB})
    then = smoke_finding(port, "/", None, HttpAnswer("k", 200, "OK", 0.012))
    now = smoke_finding(port, "/", None, HttpAnswer("k", 200, "OK", 0.300))
    assert then.severity is Severity.WARN and acknowledge(then).covers(now)
    assert "12 ms" in then.detail and "300 ms" in now.detail
    # What the warning says still changes its identity: another host is another warning.
    other = name_findings(
        "www.shop.test", [NameAnswer("www.shop.test", SYSTEM, (NEW,), 3600)], [NEW], [OLD]
    )[-1]
    assert not acknowledge(ttl_warning(3600)).covers(other)


def test_the_request_and_status_line() -> None:
    request = smoke_request("healthz", "shop.test")
    assert request.startswith(b"GET /healthz HTTP/1.1\r\nHost: shop.test\r\n")
    assert request.endswith(b"Connection: close\r\n\r\n")
    assert parse_status(b"HTTP/1.1 502 Bad Gateway\r\n\r\n") == (502, "Bad Gateway")
    assert parse_status(b"HTTP/1.0 204\r\n\r\n") == (204, "")
    assert parse_status(b"SSH-2.0-OpenSSH") is None


def test_a_tls_port_is_replaced_by_the_ingress_ending_tls_for_the_workload() -> None:
    tls = target(tls=True)
    ports = published_ports(
        project(PortMapping(8080, "80"), PortMapping(443, "443")), tls, {"web": WEB}
    )
    https = next(p for p in ports if p.container_port == 443)
    assert https.k8s_service is None and https.tls_ended_by
    [ok] = exposure_findings(https, ["shop-tls"])
    assert ok.severity is Severity.OK and "ends at Ingress web" in ok.message
    [missing] = exposure_findings(https, [])
    assert missing.blocks and "shop-tls" in missing.message


def test_a_port_published_on_loopback_only_is_not_site_traffic() -> None:
    [admin] = published_ports(
        project(PortMapping(8080, "8080", host_ip="127.0.0.1")), target(), {"web": WEB}
    )
    assert admin.loopback_only and not admin.smoked
    assert exposure_findings(admin, [])[0].severity is Severity.INFO


def test_a_named_target_port_is_followed_to_the_container_port_of_that_name() -> None:
    # Two container ports: the Service's `targetPort: http` reaches 8080 only, by its name.
    web = TargetWorkload(
        "Deployment",
        "web",
        pod_labels={"app": "web"},
        containers=(
            ContainerSpec(
                "web", ports=((8080, "TCP"), (9090, "TCP")), port_names={"http": 8080, "m": 9090}
            ),
        ),
    )
    named = TargetService("web", {"app": "web"}, (ServicePort(80, "http", name="http"),))
    state = TargetState("ns", (web,), (named,), target().ingresses)
    compose = project(PortMapping(8080, "80"), PortMapping(9090, "9090"))
    by_port = {p.container_port: p for p in published_ports(compose, state, {"web": web})}
    found = by_port[8080].k8s_service
    assert found is not None and found.name == "web"
    assert by_port[9090].k8s_service is None


def test_this_machine_not_resolving_is_a_caveat_when_the_operators_servers_answer() -> None:
    here = NameAnswer(
        "shop.test", SYSTEM, error="does not resolve here (Name or service not known)"
    )
    server = NameAnswer("shop.test", "ns1", (NEW,), 300)
    [warn] = name_findings("shop.test", [here, server], [NEW], [OLD])
    assert warn.severity is Severity.WARN and "this machine's resolver" in warn.message
    # Alone (no server asked), the system's silence is the verdict: it blocks.
    assert name_findings("shop.test", [here], [NEW], [OLD])[0].blocks
    # And an old answer here blocks whatever the servers say.
    stale_here = NameAnswer("shop.test", SYSTEM, (OLD,))
    assert name_findings("shop.test", [stale_here, server], [NEW], [OLD])[0].blocks
