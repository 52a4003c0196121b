"""The checklist: every step the operator goes through, in order, with its help and its check.

One registry (CHECKLIST) and one way to run it (`Round`, `run_step`, `run_all`): the wizard's
step bodies, `cutover status` and the gate all run the same check function of a step. A check is
named as "module:function" and imported when it first runs, so that the sidebar and the help can
be drawn before the heavy modules load (the first paint). Adding a step: a core module with a
`check(round) -> list[Finding]`, an entry here, a body in screens/ (BODIES), nothing else.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from wizard.checks import Finding, Severity, worst
from wizard.errors import CutoverError

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways

StepCheck = Callable[["Round"], list[Finding]]


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    checks: str  # what the step checks
    why: str  # why it matters before Compose goes down
    how_to_fix: str  # the usual fixes when it does not pass
    # The check: "module:function", imported when the step first runs; or the function itself.
    check: str | StepCheck

    def check_function(self) -> StepCheck:
        if not isinstance(self.check, str):
            return self.check
        module, _, name = self.check.partition(":")
        return cast(StepCheck, getattr(importlib.import_module(module), name))


@dataclass(frozen=True)
class StepStatus:
    """One step's result in one round: its state and its findings."""

    id: str
    title: str
    state: str  # ok | info | warn | block | unknown
    findings: tuple[Finding, ...] = ()
    note: str = ""


class Round:
    """One round of checks over the checklist: each step's check runs at most once, now.

    A step that consumes others (the gate) asks for `earlier(step)`: the results of every step
    before it, run now when this round has not run them yet (the gate opened on its own), taken
    as they are when it has (`cutover status`, which runs them all in order). Blocking I/O:
    from a worker thread in the UI."""

    def __init__(
        self, config: CutoverConfig, gateways: Gateways, steps: Sequence[Step] | None = None
    ) -> None:
        self.config = config
        self.gateways = gateways
        self.steps = tuple(steps if steps is not None else CHECKLIST)
        self._results: dict[str, StepStatus] = {}

    def run(self, step: Step) -> StepStatus:
        """The step's result in this round; its check runs the first time it is asked for.

        A gateway or configuration error the check lets through is the step's inconclusive
        blocker with the error's own fix; any other exception is a bug and propagates."""
        if step.id not in self._results:
            try:
                findings = tuple(step.check_function()(self))
            except CutoverError as exc:
                findings = (
                    Finding(step.id, Severity.BLOCK, exc.message, exc.fix, inconclusive=True),
                )
            state = "unknown" if any(f.inconclusive for f in findings) else worst(findings).value
            self._results[step.id] = StepStatus(step.id, step.title, state, findings)
        return self._results[step.id]

    def earlier(self, step_id: str) -> list[StepStatus]:
        """The results of every step before `step_id`, in checklist order."""
        ids = [s.id for s in self.steps]
        return [self.run(s) for s in self.steps[: ids.index(step_id)]]

    def all(self) -> list[StepStatus]:
        return [self.run(s) for s in self.steps]


def run_step(step: Step, config: CutoverConfig, gateways: Gateways) -> StepStatus:
    """One step's check, now (a round of its own: a step that consumes others runs them too)."""
    return Round(config, gateways).run(step)


def run_all(config: CutoverConfig, gateways: Gateways) -> list[StepStatus]:
    """Every step's check, in checklist order, each once."""
    return Round(config, gateways).all()


CHECKLIST: tuple[Step, ...] = (
    Step(
        id="preflight",
        check="wizard.preflight:check",
        title="Preflight",
        checks=(
            "Which Compose files and project this is; that the Docker host answers and runs the "
            "project's containers; that the kube context and namespace answer; what this identity "
            "may do (one access review per verb the later steps need); that an OS keyring works."
        ),
        why=(
            "Every later step reads or changes one of these. Finding a wrong context or a "
            "missing permission now is cheap; finding it halfway through a cutover is not."
        ),
        how_to_fix=(
            "Pass -f/-p for the Compose project, --context/-n for the cluster, DOCKER_HOST for a "
            "remote engine. Missing permissions: ask for a RoleBinding in the namespace, or run "
            "with --read-only to only watch."
        ),
    ),
    Step(
        id="secrets",
        check="wizard.secrets.overview:check",
        title="Secrets",
        checks=(
            "The secret keys the Compose environment and .env use, entered masked or generated, "
            "kept in the OS keyring, then written as one Kubernetes Secret; which workloads use "
            "which key."
        ),
        why=(
            "A workload that references a missing Secret key never starts (the demo's celery "
            "worker waits until the Secret has every key it reads)."
        ),
        how_to_fix=(
            "Type each missing value into its masked field (F2 reveals that field only), or F3 "
            "to generate one where that is safe, or F4 to take it from .env (that copy stays on "
            "disk: delete it afterwards). F5 saves to the OS keyring; F6 shows the key-level "
            "diff and, after y, creates or patches the Secret. No usable keyring: run inside "
            "`dbus-run-session` with gnome-keyring unlocked, or install keyrings.cryptfile, or "
            "go on session-only."
        ),
    ),
    Step(
        id="volumes",
        check="wizard.storage.volumes:check",
        title="Volumes",
        checks=(
            "Every Compose named volume next to the PVC that replaces it (cutover.yaml "
            "`volumes:`, else the same name with '-', else the claim its workload mounts at the "
            "same path): phase, requested vs bound capacity, access modes, storage class, and "
            "which pods mount it. Live: a claim that binds turns Bound on screen."
        ),
        why=(
            "A Pending PVC keeps its pods from starting; data that several pods share (uploads, "
            "a Chroma index) needs ReadWriteMany, or the second pod on another node cannot mount "
            "it. Compose must keep the data until its replacement is Bound and big enough."
        ),
        how_to_fix=(
            "Each finding's fix shows beneath the table. Pending with FailedBinding: create a "
            "PersistentVolume that matches (size, access mode, class), or give the claim a "
            "storageClassName whose provisioner exists (`kubectl get storageclass`). Shared "
            "data on ReadWriteOnce: re-create the claim as ReadWriteMany on an NFS class and "
            "copy the data. PgDn/End reach the last finding whatever has the focus; ↑/↓ pick a "
            "volume, ⇧←/⇧→ show the columns that do not fit; r reads everything again."
        ),
    ),
    Step(
        id="mapping",
        check="wizard.mapping.build:check",
        title="Mapping diff",
        checks=(
            "Each Compose service next to the workload it became (by the `services:` map of "
            "cutover.yaml, else by name, <project>-<service>, the component label or a "
            "container of that name; any of Deployment, StatefulSet, DaemonSet, Job, CronJob, "
            "ReplicationController or bare Pod), field by "
            "field: image and tag, replicas against HPA/KEDA bounds, command/args, environment "
            "(secret values masked, never shown), ports to Service/Ingress, volumes to "
            "PVC/ConfigMap, healthcheck to probes, resources, depends_on. Also workloads no "
            "service maps to, and drift between the cluster and the manifests."
        ),
        why=(
            "A service that did not make it across, or changed on the way (a lost environment "
            "variable, a `latest` tag, a volume its pods cannot share), only breaks once Compose "
            "is down, when going back is slow."
        ),
        how_to_fix=(
            "Each row's fix shows beneath the diff: Enter opens a service's diff, ↑/↓ pick a "
            "row (PgDn/End too), ⇧←/⇧→ page long values, p keeps only warn and block rows. A service matched "
            "to the wrong workload, or to none: name it in cutover.yaml under `services:` as "
            "`<compose service>: <workload name>` (e.g. `celery: email-rag-celery`). Otherwise "
            "change the manifest or Compose file the row names, apply it, and press r. "
            "`cutover plan` prints the same diff."
        ),
    ),
    Step(
        id="health",
        check="wizard.health.report:check",
        title="Pod health",
        checks=(
            "Live, per Compose service: its workload's (the one Mapping matched: Deployment, "
            "StatefulSet, DaemonSet, Job, CronJob or Pod) desired / ready / available / "
            "updated; for the selected service its pods (status as kubectl shows "
            "it, ready x/y, restarts, age, node) and the Warning events of the selected pod."
        ),
        why=(
            "Compose must keep serving until every replacement pod is actually healthy: a "
            "crash-looping worker or a pod stuck Pending only shows once traffic moves."
        ),
        how_to_fix=(
            "↑/↓ pick a service, Enter (or tab) moves to its pods; the line beneath says why "
            "the pod is not ready and what usually fixes it. CrashLoopBackOff: `kubectl logs "
            "<pod> --previous`; CreateContainerConfigError: a Secret key is missing (Secrets "
            "step); Pending: an unbound PVC (Volumes step) or no room on the nodes. The screen "
            "is live; 'reconnecting' means the data shown is as old as it says."
        ),
    ),
    Step(
        id="data",
        check="wizard.data.report:check",
        title="Data",
        checks=(
            "Each Compose volume that has a claim to move into (the Volumes step's pairing): "
            "how it moves (files: a tar stream verified file by file, sha256 on both sides; "
            "postgres: pg_dump and pg_restore, verified table by table; skip: caches and "
            "queues that drain, acknowledged at the gate), into which pod, and whether its "
            "copy is verified and still fresh."
        ),
        why=(
            "Without the data the new deployment is an empty shell: `compose down` would go "
            "ahead on an empty database. A copy is only good while nothing writes the source "
            "after it, so what writes a volume is stopped before its final copy."
        ),
        how_to_fix=(
            "↑/↓ pick a volume; c copies it, C copies every volume not verified yet. The "
            "preview lists what writes them in Compose: y stops those first (the Compose "
            "site stops taking writes), w copies while they run (copy again after stopping "
            "them). x cancels a copy under way (the next copy replaces the partial one). "
            "u starts the stopped writers again (their copies go stale). A copy that did not "
            "verify lists what differs; the source is never changed. `cutover data` prints "
            "the same."
        ),
    ),
    Step(
        id="traffic",
        check="wizard.traffic.report:check",
        title="Traffic",
        checks=(
            "Per port Compose publishes: the Service and Ingress (or HTTPRoute) that replace it, "
            "the Ingress's address and TLS Secret; where each Ingress host resolves (the system "
            "resolver and each --dns server) and its TTL; the same HTTP request to Compose and, "
            "through a port-forward, to a Kubernetes pod; and whether Compose's containers still "
            "receive traffic (the engine's network counters)."
        ),
        why=(
            "Down takes the site offline if the name still points at the Compose host, if "
            "resolvers still hold the old answer, or if the new pods answer 502. Compose keeps "
            "serving until all three are right."
        ),
        how_to_fix=(
            "Each finding's fix shows beneath it. A name on the old host: point it at the "
            "Ingress's address at your DNS provider (lower the TTL to 300 s one old TTL before). "
            "Different smoke answers: the pod's logs, the Mapping and Data steps; another path "
            "per service in cutover.yaml `smoke:`. Compose still busy after the names moved: "
            "wait one old TTL, then r. Read-only mode sends no smoke request (a port-forward is "
            "a write at the API server)."
        ),
    ),
    Step(
        id="gate",
        check="wizard.gate.verdict:check",
        title="Gate: compose down",
        checks=(
            "Every check above, run again now (never a cached result); each warning needs an "
            "explicit acknowledgement, recorded with who and when. A preview of what `docker "
            "compose down` removes (the project's containers, one-off containers apart, the "
            "networks Compose created) and what it keeps (every named volume, every image). "
            "Confirmation by typing the project name; then down, one container at a time."
        ),
        why=(
            "Down is the one irreversible step: it runs only when everything is green now, and "
            "it removes exactly what the preview showed. The volumes stay, so going back is one "
            "`docker compose up -d` and a DNS change."
        ),
        how_to_fix=(
            "Each blocker's fix shows beneath it: fix it in its step, then press r here. Read "
            "each warning: a moves to the next one and Enter acknowledges it. Then d (or tab) "
            "reaches the name field: type the project name and press Enter. If down stops "
            "midway (the Docker Engine stopped answering, say), it says what "
            "was and was not done: type the name again to resume. Afterwards the screen shows "
            "the rollback command. In read-only mode this step only shows the verdict."
        ),
    ),
)


def step_by_id(step_id: str) -> Step:
    for step in CHECKLIST:
        if step.id == step_id:
            return step
    raise KeyError(step_id)
