"""The demo's DNS: the sample's site name as the operator's DNS provider has it.

Planted: `email-rag.example.com` still points at the Compose host with a TTL of 3600 s, the
usual state before a cutover (the Traffic step blocks on the name and asks for a lower TTL).
Fixed (`--fixed`): it points at the ingress controller's address with a TTL of 300 s. Any other
name does not exist. The system resolver and every named server give the same answer.
"""

from __future__ import annotations

from wizard.config import CutoverConfig
from wizard.demo.objects import COMPOSE_ADDRESS, INGRESS_ADDRESS
from wizard.model import NameAnswer

SITE = "email-rag.example.com"
SYSTEM = "system resolver"


class DemoResolver:
    def __init__(self, config: CutoverConfig) -> None:
        moved = config.demo_fixed
        self._records = {SITE: (INGRESS_ADDRESS, 300) if moved else (COMPOSE_ADDRESS, 3600)}

    def ask_system(self, host: str) -> NameAnswer:
        return self._answer(host, SYSTEM)

    def ask_server(self, host: str, server: str, timeout_s: float = 2.0) -> NameAnswer:
        return self._answer(host, server)

    def _answer(self, host: str, via: str) -> NameAnswer:
        record = self._records.get(host.lower().rstrip("."))
        if record is None:
            return NameAnswer(host, via, error=f"{via} says there is no such name")
        return NameAnswer(host, via, (record[0],), record[1])
