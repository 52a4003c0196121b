"""The checklist: every step the operator goes through, in order, with its help text.

Screens render this list in the sidebar and the help panel; `cutover status` prints it. A step
whose checks are not built yet says so (`available=False`) instead of pretending to pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    checks: str  # what the step checks
    why: str  # why it matters before Compose goes down
    how_to_fix: str  # the usual fixes when it does not pass
    available: bool = True
    not_yet: str = ""  # shown instead of the screen while the step is not built


CHECKLIST: tuple[Step, ...] = (
    Step(
        id="preflight",
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
        title="Volumes",
        checks=(
            "Every Compose named volume next to the PVC that replaces it: phase, capacity, "
            "access modes, storage class, and which pods mount it."
        ),
        why="A Pending PVC keeps its pods from starting; shared data needs ReadWriteMany.",
        how_to_fix="Create the missing PersistentVolume or use a ReadWriteMany storage class (NFS).",
        available=False,
        not_yet="Not available yet: PVC analysis is still being built.",
    ),
    Step(
        id="mapping",
        title="Mapping diff",
        checks=(
            "Each Compose service next to the workload it became (by the `services:` map of "
            "cutover.yaml, else by name, <project>-<service> or the component label), field by "
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
            "row, ←/→ scroll long values, p keeps only warn and block rows. A service matched "
            "to the wrong workload, or to none: name it in cutover.yaml under `services:` as "
            "`<compose service>: <workload name>` (e.g. `celery: email-rag-celery`). Otherwise "
            "change the manifest or Compose file the row names, apply it, and press r. "
            "`cutover plan` prints the same diff."
        ),
    ),
    Step(
        id="health",
        title="Pod health",
        checks="Live pod status per service: ready, restarts, reasons, and Warning events.",
        why="Compose must keep serving until every replacement pod is actually healthy.",
        how_to_fix="Read the pod's reason and events; fix the image, the Secret or the PVC.",
        available=False,
        not_yet="Not available yet: the live pod watch is still being built.",
    ),
    Step(
        id="gate",
        title="Gate: compose down",
        checks=(
            "Every check above, fresh; a preview of what `docker compose down` removes and what "
            "it keeps; confirmation by typing the project name."
        ),
        why="Down is the one irreversible step: it runs only when everything is green now.",
        how_to_fix="Resolve each blocker listed; acknowledge each warning explicitly.",
        available=False,
        not_yet="Not available yet: the gate and down are still being built.",
    ),
)


def step_by_id(step_id: str) -> Step:
    for step in CHECKLIST:
        if step.id == step_id:
            return step
    raise KeyError(step_id)
