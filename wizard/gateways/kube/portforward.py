"""One TCP exchange with a pod's port through the API server, as `kubectl port-forward` does it,
from Python: no kubectl, no local listening port.

The Traffic step's smoke request goes this way to reach a Kubernetes Service's pod from wherever
the operator runs (a bastion outside the cluster network). Protocol `portforward.k8s.io` over the
SPDY/3.1 session of wizard.gateways.kube.spdy: per connection, an error stream and a data stream,
both with headers `port` and `requestid` (kubectl's order: error first). The request's bytes go
down the data stream; the answer is read until the pod's side closes it (an HTTP request says
`Connection: close`, so the server ends it). The data stream is never half-closed first: the
kubelet's relay may end the whole connection soon after one side's end, cutting a slow answer.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from wizard.errors import PodDidNotAnswer
from wizard.gateways.kube.spdy import SpdySession

ERROR_STREAM, DATA_STREAM = 1, 3
MAX_ANSWER = 1 << 20  # a smoke answer: the status line and headers matter, not a whole page


class PortForward(SpdySession):
    """One connection to `port` of `pod`: `exchange(request)` returns what the pod answered."""

    def __init__(self, api: Any, namespace: str, pod: str, port: int) -> None:
        path = (
            f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/portforward"
        )
        super().__init__(api, path, "portforward.k8s.io")
        self.pod, self.port = pod, port
        self.answer, self._error = bytearray(), bytearray()
        for stream, kind in ((ERROR_STREAM, "error"), (DATA_STREAM, "data")):
            self._syn_stream(stream, {"streamtype": kind, "port": str(port), "requestid": "0"})

    def on_data(self, stream: int, body: bytes) -> None:
        if stream == DATA_STREAM and len(self.answer) < MAX_ANSWER:
            self.answer += body
        elif stream == ERROR_STREAM:
            self._error += body

    def exchange(self, request: bytes, deadline_s: float) -> bytes:
        """Send `request`, read until the pod's side ends the connection. PodDidNotAnswer with the
        kubelet's words when it could not connect to the port, or when `deadline_s` passes."""
        deadline = time.monotonic() + deadline_s
        try:
            self.send_data(DATA_STREAM, request)
            while not self._closed and DATA_STREAM not in self._ended:
                if self._error:
                    break
                if len(self.answer) >= MAX_ANSWER:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PodDidNotAnswer(
                        f"port {self.port} of pod {self.pod} sent no whole answer within "
                        f"{deadline_s:.0f} s",
                        fix="Look at the pod's logs; the Health step shows whether it is ready.",
                    )
                self.pump(min(left, 1.0))
        finally:
            self.close()
        if self._error and not self.answer:
            # e.g. "error forwarding port 80 to pod ...: ... Connection refused"
            said = self._error.decode("utf-8", "replace").strip()
            raise PodDidNotAnswer(
                f"port {self.port} of pod {self.pod} did not answer: {said}",
                fix="Check the container listens on that port (the Service's targetPort).",
            )
        return bytes(self.answer)
