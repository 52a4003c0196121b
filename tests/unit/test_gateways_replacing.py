"""`Gateways.replacing`: a test's wrapper around one gateway keeps every other one, the DNS
resolver included (a Gateways built from three parts fell back to the real resolver, and the
demo's Traffic step then asked real DNS for the sample's name)."""

from __future__ import annotations

from wizard.config import Flags, resolve_config
from wizard.gateways.factory import build_gateways


def test_replacing_one_gateway_keeps_the_others_and_the_resolver() -> None:
    demo = build_gateways(resolve_config(Flags(demo=True)))
    host, cluster, resolver = demo.compose_host(), demo.cluster(), demo.resolver()
    marker = object()
    wrapped = demo.replacing(compose_host=lambda: marker)  # type: ignore[arg-type,return-value]
    assert wrapped.compose_host() is marker
    assert wrapped.cluster() is cluster and wrapped.vault() is demo.vault()
    assert wrapped.resolver() is resolver
    assert type(resolver).__module__.startswith("wizard.demo")
    assert demo.compose_host() is host  # the original is untouched
