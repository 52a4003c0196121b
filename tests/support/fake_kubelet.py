"""A stand-in kubelet for a control plane that has none (the KWOK idea).

The test cluster runs a real kube-apiserver, scheduler and controller-manager, but no kubelet:
pods get scheduled onto hand-made Nodes and then stay ``Pending`` forever. This module plays the
kubelet's part for the pods it is told about: it watches them and writes their ``status``
subresource the way a real kubelet does, following a scenario::

    kubelet = FakeKubelet(api_client)
    run = kubelet.run("ns", "app=web", ready(after=1.0))
    run.wait(pods=2)              # both pods reached the scenario's end state
    kubelet.stop()

Scenarios: ``ready(after)``, ``crashloop(restarts)``, ``image_pull_backoff()``, ``oomkilled()``,
``flapping(period)``. With ``FakeKubelet(api, check_config=True)`` it also does what a kubelet does
before starting a container: a pod whose Secret/ConfigMap (or one of their keys) that it reads in
``env``/``envFrom`` is missing waits in ``CreateContainerConfigError`` (for an init container:
``Init:CreateContainerConfigError``) with the kubelet's message, and starts once it is there. Like a kubelet it also finishes deleting pods that are being deleted
(a pod bound to a node is only removed once "its kubelet" confirms), so rollouts, scale-downs and
namespace deletion behave.

Also a CLI, for a sandbox cluster::

    python -m tests.support.fake_kubelet --kubeconfig K --namespace N \\
        [--rule app=backend=crashloop:3 ...] [--scenario ready] [--check-config]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

Pod = dict[str, Any]
STRATEGIC = "application/strategic-merge-patch+json"


# ---------------------------------------------------------------------------------------------
# Scenarios: what the kubelet reports, step by step
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """How every container of a pod looks at one moment, in kubelet terms."""

    phase: str  # Pending | Running | Failed | Succeeded
    ready: bool
    state: str  # waiting | running | terminated
    reason: str = ""  # waiting/terminated reason
    message: str = ""
    exit_code: int = 0
    restarts: int = 0
    last_reason: str = ""  # lastState.terminated.reason, when a previous run ended
    last_exit_code: int = 0


@dataclass(frozen=True)
class Scenario:
    """``steps`` run once, each ``(delay_seconds, look)``; then ``loop`` repeats until stopped."""

    name: str
    steps: tuple[tuple[float, Look], ...]
    loop: tuple[tuple[float, Look], ...] = ()


CREATING = Look("Pending", False, "waiting", "ContainerCreating")


def ready(after: float = 0.0) -> Scenario:
    """ContainerCreating, then Running and Ready after ``after`` seconds."""
    return Scenario("ready", ((0.0, CREATING), (after, Look("Running", True, "running"))))


def crashloop(restarts: int = 3, interval: float = 0.1) -> Scenario:
    """Starts, exits with code 1, backs off: ends in CrashLoopBackOff with ``restarts`` restarts."""
    steps: list[tuple[float, Look]] = [
        (0.0, CREATING),
        (interval, Look("Running", False, "running")),
    ]
    for n in range(1, restarts + 1):
        steps.append(
            (
                interval,
                Look(
                    "Running",
                    False,
                    "waiting",
                    "CrashLoopBackOff",
                    "back-off {backoff} restarting failed container={container} pod={pod}",
                    restarts=n,
                    last_reason="Error",
                    last_exit_code=1,
                ),
            )
        )
    return Scenario("crashloop", tuple(steps))


def image_pull_backoff() -> Scenario:
    """The image can't be pulled: ErrImagePull, then ImagePullBackOff; the pod stays Pending."""
    return Scenario(
        "image_pull_backoff",
        (
            (0.0, CREATING),
            (
                0.1,
                Look(
                    "Pending",
                    False,
                    "waiting",
                    "ErrImagePull",
                    "rpc error: code = Unknown desc = Error response from daemon: pull access denied for {image}, repository does not exist or may require 'docker login'",
                ),
            ),
            (
                0.1,
                Look(
                    "Pending",
                    False,
                    "waiting",
                    "ImagePullBackOff",
                    'Back-off pulling image "{image}"',
                ),
            ),
        ),
    )


def oomkilled(restarts: int = 1) -> Scenario:
    """Runs, then the kernel kills it for exceeding its memory limit (exit 137, OOMKilled)."""
    return Scenario(
        "oomkilled",
        (
            (0.0, CREATING),
            (0.1, Look("Running", True, "running")),
            (
                0.1,
                Look(
                    "Running",
                    False,
                    "terminated",
                    "OOMKilled",
                    exit_code=137,
                    restarts=restarts,
                    last_reason="OOMKilled" if restarts else "",
                    last_exit_code=137 if restarts else 0,
                ),
            ),
        ),
    )


def flapping(period: float = 1.0) -> Scenario:
    """Running throughout, but the readiness probe fails and recovers every ``period`` seconds."""
    return Scenario(
        "flapping",
        ((0.0, CREATING), (0.0, Look("Running", True, "running"))),
        loop=(
            (period, Look("Running", False, "running")),
            (period, Look("Running", True, "running")),
        ),
    )


SCENARIOS: dict[str, Callable[..., Scenario]] = {
    "ready": ready,
    "crashloop": crashloop,
    "image_pull_backoff": image_pull_backoff,
    "imagepullbackoff": image_pull_backoff,
    "oomkilled": oomkilled,
    "flapping": flapping,
}


def parse_scenario(text: str) -> Scenario:
    """``ready``, ``ready:2``, ``crashloop:5``, ``flapping:0.5``: name and optional first argument."""
    name, _, arg = text.partition(":")
    try:
        factory = SCENARIOS[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
    if not arg:
        return factory()
    number = float(arg)
    return factory(int(number)) if name in ("crashloop", "oomkilled") else factory(number)


# ---------------------------------------------------------------------------------------------
# Label selectors (equality-based, as `kubectl get -l` takes them)
# ---------------------------------------------------------------------------------------------


def selector_matches(selector: str, labels: dict[str, str]) -> bool:
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = (s.strip() for s in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Status documents, shaped like a v1.20 kubelet's
# ---------------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _container_state(look: Look, started_at: str, fmt: dict[str, str]) -> dict[str, Any]:
    if look.state == "running":
        return {"running": {"startedAt": started_at}}
    if look.state == "terminated":
        return {
            "terminated": {
                "exitCode": look.exit_code,
                "reason": look.reason,
                "startedAt": started_at,
                "finishedAt": _now(),
                "containerID": fmt["containerID"],
            }
        }
    waiting: dict[str, Any] = {"reason": look.reason}
    if look.message:
        waiting["message"] = look.message.format(**fmt)
    return {"waiting": waiting}


@dataclass
class PodDriver:
    """Remembers what one pod looked like, so transition times only move on real transitions."""

    pod: Pod
    host_ip: str
    pod_ip: str
    start_time: str = field(default_factory=_now)
    started_at: str = field(default_factory=_now)
    transitions: dict[str, tuple[str, str]] = field(default_factory=dict)

    def _condition(
        self, kind: str, ok: bool, reason: str = "", message: str = ""
    ) -> dict[str, Any]:
        status = "True" if ok else "False"
        previous = self.transitions.get(kind)
        when = previous[1] if previous and previous[0] == status else _now()
        self.transitions[kind] = (status, when)
        cond: dict[str, Any] = {
            "type": kind,
            "status": status,
            "lastProbeTime": None,
            "lastTransitionTime": when,
        }
        if not ok and reason:
            cond["reason"] = reason
            cond["message"] = message
        return cond

    def status(self, look: Look) -> dict[str, Any]:
        meta, spec = self.pod["metadata"], self.pod["spec"]
        if look.state == "running" and look.restarts == 0 and "running" not in self.transitions:
            self.started_at = _now()
            self.transitions["running"] = ("True", self.started_at)
        names = [c["name"] for c in spec.get("containers", [])]
        statuses = []
        for c in spec.get("containers", []):
            container_id = "docker://" + _digest(meta["uid"], c["name"], str(look.restarts))
            fmt = {
                "container": c["name"],
                "pod": f"{meta['name']}_{meta['namespace']}({meta['uid']})",
                "image": c.get("image", ""),
                "backoff": f"{min(10 * 2 ** max(look.restarts - 1, 0), 300)}s",
                "containerID": container_id,
            }
            st: dict[str, Any] = {
                "name": c["name"],
                "image": c.get("image", ""),
                "imageID": "",
                "ready": look.ready,
                "restartCount": look.restarts,
                "started": look.state == "running",
                "state": _container_state(look, self.started_at, fmt),
                "lastState": {},
            }
            if look.state != "waiting" or look.restarts:
                st["imageID"] = (
                    "docker-pullable://"
                    + c.get("image", "")
                    + "@sha256:"
                    + _digest(c.get("image", ""))
                )
                st["containerID"] = container_id
            if look.last_reason:
                st["lastState"] = {
                    "terminated": {
                        "exitCode": look.last_exit_code,
                        "reason": look.last_reason,
                        "startedAt": self.started_at,
                        "finishedAt": _now(),
                        "containerID": "docker://"
                        + _digest(meta["uid"], c["name"], str(look.restarts - 1)),
                    }
                }
            statuses.append(st)
        unready = f"containers with unready status: [{' '.join(names)}]"
        status: dict[str, Any] = {
            "phase": look.phase,
            "conditions": [
                self._condition("Initialized", True),
                self._condition("Ready", look.ready, "ContainersNotReady", unready),
                self._condition("ContainersReady", look.ready, "ContainersNotReady", unready),
                self._condition("PodScheduled", True),
            ],
            "hostIP": self.host_ip,
            "podIP": self.pod_ip,
            "podIPs": [{"ip": self.pod_ip}],
            "startTime": self.start_time,
            "containerStatuses": statuses,
        }
        init = spec.get("initContainers") or []
        if init:
            status["initContainerStatuses"] = [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "imageID": "docker-pullable://"
                    + c.get("image", "")
                    + "@sha256:"
                    + _digest(c.get("image", "")),
                    "containerID": "docker://" + _digest(meta["uid"], "init", c["name"]),
                    "ready": True,
                    "restartCount": 0,
                    "state": {
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Completed",
                            "startedAt": self.start_time,
                            "finishedAt": self.start_time,
                        }
                    },
                    "lastState": {},
                }
                for c in init
            ]
        return status


# ---------------------------------------------------------------------------------------------
# What a kubelet checks before it creates a container: the Secrets and ConfigMaps it reads
# ---------------------------------------------------------------------------------------------

CONFIG_ERROR = "CreateContainerConfigError"


def config_errors(core: client.CoreV1Api, pod: Pod) -> dict[str, str]:
    """Container name -> the kubelet's message, for each container whose env/envFrom reads a
    Secret or ConfigMap (or a key of one) that is missing and not ``optional``."""
    namespace = pod["metadata"]["namespace"]
    cache: dict[tuple[str, str], dict[str, Any] | None] = {}

    def data(kind: str, name: str) -> dict[str, Any] | None:
        if (kind, name) not in cache:
            try:
                if kind == "secret":
                    secret = core.read_namespaced_secret(name, namespace)
                    cache[(kind, name)] = dict(secret.data or {})
                else:
                    config_map = core.read_namespaced_config_map(name, namespace)
                    cache[(kind, name)] = {
                        **(config_map.data or {}),
                        **(config_map.binary_data or {}),
                    }
            except ApiException as exc:
                if exc.status != 404:
                    raise
                cache[(kind, name)] = None
        return cache[(kind, name)]

    def problem(container: dict[str, Any]) -> str | None:
        # The kubelet's own order: envFrom first, then env; the first problem is the message.
        for source in container.get("envFrom") or []:
            for kind, field_name in (("configmap", "configMapRef"), ("secret", "secretRef")):
                ref = source.get(field_name)
                if ref and not ref.get("optional") and data(kind, ref["name"]) is None:
                    return f'{kind} "{ref["name"]}" not found'
        for var in container.get("env") or []:
            value_from = var.get("valueFrom") or {}
            for kind, field_name, title in (
                ("configmap", "configMapKeyRef", "ConfigMap"),
                ("secret", "secretKeyRef", "Secret"),
            ):
                ref = value_from.get(field_name)
                if not ref or ref.get("optional"):
                    continue
                found = data(kind, ref["name"])
                if found is None:
                    return f'{kind} "{ref["name"]}" not found'
                if ref["key"] not in found:
                    return f"couldn't find key {ref['key']} in {title} {namespace}/{ref['name']}"
        return None

    errors = {}
    for container in (pod["spec"].get("initContainers") or []) + pod["spec"].get("containers", []):
        message = problem(container)
        if message:
            errors[container["name"]] = message
    return errors


def config_error_status(driver: PodDriver, errors: dict[str, str]) -> dict[str, Any]:
    """The status a kubelet reports while it cannot create a container for lack of config."""
    status = driver.status(CREATING)
    spec = driver.pod["spec"]
    init_names = [c["name"] for c in spec.get("initContainers") or []]
    blocked_init = next((name for name in init_names if name in errors), None)
    if blocked_init is not None:
        # Init containers run in order: those before it are done, it waits, the rest wait too.
        after = False
        for st in status.get("initContainerStatuses", []):
            if st["name"] == blocked_init:
                after = True
                waiting: dict[str, Any] = {"reason": CONFIG_ERROR, "message": errors[st["name"]]}
            elif after:
                waiting = {"reason": "PodInitializing"}
            else:
                continue
            st.update(state={"waiting": waiting}, ready=False, imageID="")
            st.pop("containerID", None)
        for st in status["containerStatuses"]:
            st["state"] = {"waiting": {"reason": "PodInitializing"}}
        pending = init_names[init_names.index(blocked_init) :]
        for cond in status["conditions"]:
            if cond["type"] == "Initialized":
                cond.update(
                    status="False",
                    reason="ContainersNotInitialized",
                    message=f"containers with incomplete status: [{' '.join(pending)}]",
                )
        return status
    for st in status["containerStatuses"]:
        if st["name"] in errors:
            st["state"] = {"waiting": {"reason": CONFIG_ERROR, "message": errors[st["name"]]}}
    return status


# ---------------------------------------------------------------------------------------------
# The watch loop
# ---------------------------------------------------------------------------------------------

_pod_ips = itertools.count(2)


def _next_pod_ip() -> str:
    n = next(_pod_ips)
    return f"10.244.{(n // 250) % 250}.{n % 250 + 2}"


class Run:
    """Drives the pods of one namespace that match a rule, until stopped."""

    def __init__(
        self,
        api: client.ApiClient,
        namespace: str,
        rules: Sequence[tuple[str, Scenario]],
        claimed: set[str],
        lock: threading.Lock,
        check_config: bool = False,
        recheck: float = 1.0,
    ) -> None:
        self.namespace = namespace
        self.check_config = check_config
        self.recheck = recheck
        self.rules = list(rules)
        self._core = client.CoreV1Api(api)
        self._stop = threading.Event()
        self._claimed = claimed  # pod uids some run already drives (shared by one FakeKubelet)
        self._lock = lock
        self._settled: dict[str, str] = {}  # uid -> pod name, once its scenario's steps are done
        self._changed = threading.Condition()
        self._nodes: dict[str, str] = {}
        self._response: Any = None
        self.errors: list[str] = []
        self._thread = threading.Thread(
            target=self._watch, name=f"fake-kubelet-{namespace}", daemon=True
        )
        self._thread.start()

    # -- public --------------------------------------------------------------------------------

    def wait(self, pods: int = 1, timeout: float = 30.0) -> list[str]:
        """Block until ``pods`` pods have gone through their scenario's steps; their names."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._settled) < pods:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"fake kubelet: {len(self._settled)} of {pods} pods settled in {self.namespace} "
                        f"after {timeout} s; errors: {self.errors or 'none'}"
                    )
                self._changed.wait(min(left, 0.2))
            return sorted(self._settled.values())

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        response = self._response
        if response is not None:
            # Unblocks the watch read at once instead of waiting for the server's timeout.
            with contextlib.suppress(Exception):
                response.shutdown()
        self._thread.join(timeout)

    # -- internals -----------------------------------------------------------------------------

    def _scenario_for(self, pod: Pod) -> Scenario | None:
        labels = pod["metadata"].get("labels") or {}
        for selector, scenario in self.rules:
            if selector_matches(selector, labels):
                return scenario
        return None

    def _server_selector(self) -> str | None:
        # One rule: let the server filter. Several: watch all and match here, first rule wins.
        if len(self.rules) == 1 and self.rules[0][0]:
            return self.rules[0][0]
        return None

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                listing = self._core.list_namespaced_pod(
                    self.namespace, label_selector=self._server_selector(), _preload_content=False
                )
                body = json.loads(listing.data)
                for pod in body["items"]:
                    self._handle(pod)
                version = body["metadata"]["resourceVersion"]
                while not self._stop.is_set():
                    version = self._watch_once(version)
            except _Relist:
                continue
            except Exception as exc:  # the loop must survive API hiccups, like a kubelet
                if self._stop.is_set():
                    return
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self._stop.wait(0.5)

    def _watch_once(self, version: str) -> str:
        response = self._core.list_namespaced_pod(
            self.namespace,
            label_selector=self._server_selector(),
            watch=True,
            resource_version=version,
            timeout_seconds=30,
            allow_watch_bookmarks=True,
            _preload_content=False,
        )
        self._response = response
        try:
            buffer = b""
            for chunk in response.stream(4096, decode_content=True):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    if event["type"] == "ERROR":
                        raise _Relist  # 410 Gone and friends: start again from a fresh list
                    version = event["object"]["metadata"].get("resourceVersion", version)
                    if event["type"] in ("ADDED", "MODIFIED"):
                        self._handle(event["object"])
        finally:
            self._response = None
            response.release_conn()
        return version

    def _handle(self, pod: Pod) -> None:
        meta = pod["metadata"]
        if self._stop.is_set():
            return
        scenario = self._scenario_for(pod)
        if scenario is None:
            return
        if meta.get("deletionTimestamp"):
            # A kubelet confirms the deletion once the containers are gone; ours have no containers.
            with contextlib.suppress(ApiException):
                self._core.delete_namespaced_pod(
                    meta["name"], self.namespace, grace_period_seconds=0
                )
            return
        if not pod["spec"].get("nodeName"):
            return  # not scheduled yet: no kubelet would know about it
        with self._lock:
            if meta["uid"] in self._claimed:
                return
            self._claimed.add(meta["uid"])
        driver = PodDriver(pod, self._host_ip(pod["spec"]["nodeName"]), _next_pod_ip())
        threading.Thread(
            target=self._drive,
            args=(driver, scenario),
            name=f"fake-kubelet-{meta['name']}",
            daemon=True,
        ).start()

    def _host_ip(self, node: str) -> str:
        if node not in self._nodes:
            ip = "192.0.2.1"
            with contextlib.suppress(Exception):
                for address in self._core.read_node(node).status.addresses or []:
                    if address.type == "InternalIP":
                        ip = address.address
            self._nodes[node] = ip
        return self._nodes[node]

    def _drive(self, driver: PodDriver, scenario: Scenario) -> None:
        meta = driver.pod["metadata"]

        def looks() -> Iterator[tuple[float, Look, bool]]:
            for i, (delay, look) in enumerate(scenario.steps):
                yield delay, look, i == len(scenario.steps) - 1
            while scenario.loop:
                for delay, look in scenario.loop:
                    yield delay, look, False

        if self.check_config and not self._wait_for_config(driver):
            return
        for delay, look, last in looks():
            if delay and self._stop.wait(delay):
                return
            if self._stop.is_set():
                return
            try:
                self._core.patch_namespaced_pod_status(
                    meta["name"],
                    self.namespace,
                    {"status": driver.status(look)},
                    _content_type=STRATEGIC,
                )
            except ApiException as exc:
                if exc.status != 404:
                    self.errors.append(f"{meta['name']}: {exc.status} {exc.reason}")
                return
            except Exception as exc:
                self.errors.append(f"{meta['name']}: {type(exc).__name__}: {exc}")
                return
            if last:
                with self._changed:
                    self._settled[meta["uid"]] = meta["name"]
                    self._changed.notify_all()

    def _wait_for_config(self, driver: PodDriver) -> bool:
        """Report CreateContainerConfigError until every Secret/ConfigMap the pod reads is there
        (re-checked every ``recheck`` seconds, as a kubelet retries); False when stopped/gone."""
        meta = driver.pod["metadata"]
        shown: dict[str, str] | None = None
        while not self._stop.is_set():
            try:
                errors = config_errors(self._core, driver.pod)
                if not errors:
                    return True
                if errors != shown:
                    self._core.patch_namespaced_pod_status(
                        meta["name"],
                        self.namespace,
                        {"status": config_error_status(driver, errors)},
                        _content_type=STRATEGIC,
                    )
                    shown = errors
            except ApiException as exc:
                if exc.status == 404:
                    return False
                self.errors.append(f"{meta['name']}: {exc.status} {exc.reason}")
            except Exception as exc:
                self.errors.append(f"{meta['name']}: {type(exc).__name__}: {exc}")
            self._stop.wait(self.recheck)
        return False


class _Relist(Exception):
    pass


class FakeKubelet:
    """Starts and stops ``Run``s; one pod is only ever driven by one of them."""

    ready = staticmethod(ready)
    crashloop = staticmethod(crashloop)
    image_pull_backoff = staticmethod(image_pull_backoff)
    oomkilled = staticmethod(oomkilled)
    flapping = staticmethod(flapping)

    def __init__(self, api: client.ApiClient, check_config: bool = False) -> None:
        self._api = api
        self._check_config = check_config
        self._runs: list[Run] = []
        self._claimed: set[str] = set()
        self._lock = threading.Lock()

    def run(self, namespace: str, selector: str = "", scenario: Scenario | None = None) -> Run:
        """Drive pods of ``namespace`` matching ``selector`` (existing and future ones)."""
        return self.run_rules(namespace, [(selector, scenario or ready())])

    def run_rules(self, namespace: str, rules: Sequence[tuple[str, Scenario]]) -> Run:
        """Like ``run``, with several ``(selector, scenario)`` rules; the first that matches wins."""
        run = Run(
            self._api, namespace, rules, self._claimed, self._lock, check_config=self._check_config
        )
        self._runs.append(run)
        return run

    def stop(self) -> None:
        for run in self._runs:
            run.stop()
        self._runs.clear()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.fake_kubelet",
        description="Play kubelet for the pods of one namespace: write their status by scenario.",
    )
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--context", default=None)
    parser.add_argument("--namespace", "-n", required=True)
    parser.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="SELECTOR=SCENARIO",
        help="e.g. 'component=celery=crashloop:4' (the last '=' splits); first match wins",
    )
    parser.add_argument(
        "--scenario",
        default="ready",
        help=f"for pods no rule matches: {', '.join(SCENARIOS)}, optionally ':ARG' (default: ready)",
    )
    parser.add_argument(
        "--check-config",
        action="store_true",
        help="hold a container whose Secret/ConfigMap (key) is missing in CreateContainerConfigError",
    )
    args = parser.parse_args(argv)

    from kubernetes import config

    rules = []
    for rule in args.rule:
        selector, _, scenario = rule.rpartition("=")
        rules.append((selector, parse_scenario(scenario)))
    rules.append(("", parse_scenario(args.scenario)))

    api = config.new_client_from_config(config_file=args.kubeconfig, context=args.context)
    kubelet = FakeKubelet(api, check_config=args.check_config)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    kubelet.run_rules(args.namespace, rules)
    print(f"fake kubelet driving pods in namespace {args.namespace}; Ctrl-C stops", flush=True)
    done.wait()
    kubelet.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
