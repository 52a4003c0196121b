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
            "copy the data. ↑/↓ pick a volume; r reads everything again."
        ),
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
        checks=(
            "Live, per Compose service: its Deployment or StatefulSet's desired / ready / "
            "available / updated; for the selected service its pods (status as kubectl shows "
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
        id="gate",
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
            "each warning and press its Acknowledge button (tab reaches it). Then type the "
            "project name and press Enter. If down stops midway (the engine lost), it says what "
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
