"""Ports in long form: Docker's short syntax `[ip:][host:]container[/proto]`, with ranges."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from wizard.compose.values import FileContext, Invalid, as_int, as_text, kind_of

_PORT_RANGE = re.compile(r"(\d+)(?:-(\d+))?")


def parse_ports(value: Any, path: str, _ctx: FileContext) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid(path, f"expected a list, found {kind_of(value)}")
    out: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        where_ = f"{path}[{index}]"
        if isinstance(item, dict):
            out.append(_long_port(item, where_))
        else:
            out.extend(_short_port(as_text(item, where_), where_))
    return out


def _long_port(item: dict[str, Any], path: str) -> dict[str, Any]:
    if item.get("target") is None:
        raise Invalid(path, "a port needs a `target` (the container port)")
    port: dict[str, Any] = {"mode": as_text(item.get("mode") or "ingress", f"{path}.mode")}
    if item.get("host_ip"):
        port["host_ip"] = as_text(item["host_ip"], f"{path}.host_ip")
    port["target"] = as_int(item["target"], f"{path}.target")
    if item.get("published") not in (None, ""):
        port["published"] = as_text(item["published"], f"{path}.published")
    port["protocol"] = as_text(item.get("protocol") or "tcp", f"{path}.protocol")
    if item.get("app_protocol"):
        port["app_protocol"] = as_text(item["app_protocol"], f"{path}.app_protocol")
    if item.get("name"):
        port["name"] = as_text(item["name"], f"{path}.name")
    return port


def _short_port(spec: str, path: str) -> list[dict[str, Any]]:
    """`[ip:][host:]container[/proto]`, with ranges, as Docker reads them."""
    text, _, protocol = spec.partition("/")
    protocol = protocol or "tcp"
    host_ip = ""
    if text.startswith("["):  # [::1]:8080:80
        close = text.find("]")
        if close < 0:
            raise Invalid(path, f"invalid port {spec!r}: unclosed [ in the IP address")
        host_ip = text[1:close]
        text = text[close + 1 :].lstrip(":")
        parts = text.split(":")
        if len(parts) > 2:
            raise Invalid(path, f"invalid port {spec!r}")
        host, container = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
    else:
        parts = text.rsplit(":", 2)
        container = parts[-1]
        host = parts[-2] if len(parts) >= 2 else ""
        if len(parts) == 3:
            host_ip = parts[0]
    if host_ip:
        try:
            ipaddress.ip_address(host_ip)
        except ValueError:
            raise Invalid(
                path, f"invalid port {spec!r}: {host_ip!r} is not an IP address"
            ) from None
    c_start, c_end = _port_range(container, spec, path)
    if host:
        h_start, h_end = _port_range(host, spec, path)
    else:
        h_start = h_end = 0
    count = c_end - c_start
    if host and count != h_end - h_start and count != 0:
        raise Invalid(
            path, f"invalid port {spec!r}: the host and container port ranges differ in size"
        )
    out = []
    for offset in range(count + 1):
        port: dict[str, Any] = {"mode": "ingress"}
        if host_ip:
            port["host_ip"] = host_ip
        port["target"] = c_start + offset
        if host:
            if count == 0 and h_start != h_end:
                port["published"] = f"{h_start}-{h_end}"
            else:
                port["published"] = str(h_start + offset)
        port["protocol"] = protocol
        out.append(port)
    return out


def _port_range(text: str, spec: str, path: str) -> tuple[int, int]:
    match = _PORT_RANGE.fullmatch(text.strip())
    if match is None:
        raise Invalid(path, f"invalid port {spec!r}: {text!r} is not a port or a range")
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else start
    if end < start or end > 65535:
        raise Invalid(path, f"invalid port {spec!r}: bad range {text!r}")
    return start, end
