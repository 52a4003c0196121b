"""Image and tag, replica count (and autoscaler bounds), command and entrypoint."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from wizard.checks import Severity
from wizard.mapping.common import Context, argv, row
from wizard.mapping.diff_kinds import KINDS as KINDS_WITHOUT_REPLICAS
from wizard.mapping.diff_kinds import kind_replicas_row
from wizard.mapping.model import DiffRow
from wizard.target.model import Autoscaler, TargetState, TargetWorkload

_DOCKER_HUB = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")
_FLOATING = ("", "latest")


@dataclass(frozen=True)
class ImageRef:
    """An image reference, with Docker Hub's implicit parts removed so equal images compare
    equal (`docker.io/library/redis` is `redis`)."""

    repo: str
    tag: str = ""
    digest: str = ""

    @property
    def floating(self) -> bool:
        """No tag, or `latest`, and no digest: what runs can change without anyone deploying."""
        return self.tag in _FLOATING and not self.digest


def parse_image(reference: str) -> ImageRef:
    name, _, digest = reference.strip().partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    for prefix in _DOCKER_HUB:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    if name.startswith("library/") and name.count("/") == 1:
        name = name[len("library/") :]
    return ImageRef(repo=name, tag=tag, digest=digest)


# --- image --------------------------------------------------------------------------------------


def _short(digest: str) -> str:
    """`sha256:4f3c2b1a0e9d…`: enough of a digest to tell it."""
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}:{value[:12]}…" if len(value) > 12 else digest


def image_row(ctx: Context) -> DiffRow:
    service, container = ctx.service, ctx.container
    compose_text = service.image or "(built from source: build:)"
    if service.image and service.build:
        compose_text = f"{service.image} (built: build:)"
    kube_text = container.image or "(none)"
    field = "image"

    if not container.image:
        return row(
            field,
            compose_text,
            kube_text,
            Severity.BLOCK,
            f"{ctx.where} has no image: the pod cannot start.",
            f"Set {ctx.spec('image')} to the image Compose runs"
            + (f" ({service.image})." if service.image else ", pushed to a registry."),
        )
    kube = parse_image(container.image)
    local_names = {
        f"{ctx.config.project_name}-{service.name}",
        f"{ctx.config.project_name}_{service.name}",
    }
    if not service.image and kube.repo in local_names:
        return row(
            field,
            compose_text,
            kube_text,
            Severity.BLOCK,
            f"Compose builds {service.name} from source, and the workload uses the name of that "
            f"local build ({container.image}). It exists only on the Docker host: the cluster "
            "cannot pull it.",
            f"Push the build to a registry the cluster can pull from: docker tag {container.image} "
            f"<registry>/{kube.repo}:<version> && docker push <registry>/{kube.repo}:<version>; "
            f"then set {ctx.spec('image')} to that name.",
        )

    problems: list[str] = []
    fixes: list[str] = []
    if service.image:
        compose = parse_image(service.image)
        if compose.repo != kube.repo:
            problems.append(
                f"Kubernetes runs a different image ({container.image}) than Compose ({service.image})."
            )
            fixes.append(f"If that is not intended, set {ctx.spec('image')} to {service.image}.")
        elif compose.digest and kube.digest and compose.digest != kube.digest:
            problems.append("The two sides pin different digests: they are different builds.")
            fixes.append(f"Set {ctx.spec('image')} to {service.image}.")
        elif compose.digest and not kube.digest:
            # Less pinned than Compose: the cutover adds the risk of another build.
            moving = f"the tag {kube.tag}" if kube.tag else "no tag (latest)"
            problems.append(
                f"Compose pins a digest ({_short(compose.digest)}); Kubernetes runs {moving}, "
                "which may be pushed again: pods may run another build than Compose ran."
            )
            fixes.append(f"Pin the digest: set {ctx.spec('image')} to {service.image}.")
        elif (compose.tag or "latest") != (kube.tag or "latest") and not (
            compose.digest or kube.digest
        ):  # no tag is latest
            problems.append(
                f"Different tags: Compose runs {compose.tag or '(no tag)'}, Kubernetes "
                f"{kube.tag or '(no tag)'}."
            )
            fixes.append(
                f"If the new version is not intended, set {ctx.spec('image')} to {service.image}."
            )
    compose_floating = bool(service.image) and parse_image(service.image).floating
    compose_ref = parse_image(service.image) if service.image else None
    same_image = compose_ref is not None and (compose_ref.repo, compose_ref.tag or "latest") == (
        kube.repo,
        kube.tag or "latest",
    )
    unchanged = ""
    # A movable tag where Compose pins a digest of the same image is said above.
    said = (
        compose_ref is not None
        and bool(compose_ref.digest)
        and not kube.digest
        and compose_ref.repo == kube.repo
    )
    if kube.floating and not said and not (compose_floating and same_image):
        # Less pinned than Compose (or a different image unpinned): the cutover adds the risk.
        problems.append(
            f"Kubernetes' image has no fixed version ({kube.tag or 'no tag'}): each pod may pull a "
            "different build, and a rollback cannot go back to the old one."
        )
        fixes.append(
            f"Pin a version tag (repo:1.2.3, the build you tested) in {ctx.spec('image')}."
        )
    elif kube.floating and not said:
        # Exactly what Compose runs: the cutover changes nothing here, so it is not a warning.
        unchanged = (
            f"Both run {kube.tag or 'no tag'}, a tag with no fixed version, as Compose did: "
            "unchanged by the cutover; pin a version when you can."
        )
    if problems:
        return row(
            field, compose_text, kube_text, Severity.WARN, " ".join(problems), " ".join(fixes)
        )
    if service.build:
        return row(
            field,
            compose_text,
            kube_text,
            Severity.INFO,
            f"Compose builds {service.name} from source; Kubernetes pulls {container.image}. "
            "Verify that image was pushed and is built from the same source.",
            f"docker manifest inspect {container.image} (it fails when the registry does not have it).",
        )
    if unchanged:
        return row(field, compose_text, kube_text, Severity.INFO, unchanged)
    return row(field, compose_text, kube_text, Severity.OK, "Same image and tag.")


# --- replicas -----------------------------------------------------------------------------------


def autoscaler_of(target: TargetState, workload: TargetWorkload) -> Autoscaler | None:
    for scaler in target.autoscalers:
        if scaler.target_name == workload.name and scaler.target_kind in ("", workload.kind):
            return scaler
    return None


def _bounds(scaler: Autoscaler) -> tuple[int, int | None]:
    # HPA minReplicas defaults to 1; a KEDA ScaledObject's minReplicaCount to 0, maxReplicaCount to 100.
    keda = scaler.kind == "ScaledObject"
    low = scaler.min_replicas if scaler.min_replicas is not None else (0 if keda else 1)
    high = scaler.max_replicas if scaler.max_replicas is not None else (100 if keda else None)
    return low, high


def replicas_row(ctx: Context) -> DiffRow:
    if ctx.workload.kind in KINDS_WITHOUT_REPLICAS:
        return kind_replicas_row(ctx)  # a DaemonSet, Job, CronJob or bare Pod has no count
    field = "replicas"
    wanted = ctx.service.replicas if ctx.service.replicas is not None else 1
    compose_text = str(wanted) if ctx.service.replicas is not None else "1 (not set)"
    scaler = autoscaler_of(ctx.target, ctx.workload)
    if scaler is not None:
        low, high = _bounds(scaler)
        short = "HPA" if scaler.kind == "HorizontalPodAutoscaler" else "KEDA"
        kube_text = f"{low} to {high if high is not None else '?'} ({short} {scaler.name})"
        if high is not None and wanted > high:
            return row(
                field,
                compose_text,
                kube_text,
                Severity.WARN,
                f"Compose runs {wanted} and the {scaler.kind} {scaler.name} never goes above "
                f"{high}: less capacity than today at peak.",
                f"Raise the maximum of {scaler.kind} {scaler.name} "
                f"({'spec.maxReplicas' if short == 'HPA' else 'spec.maxReplicaCount'}) to at least {wanted}.",
            )
        zero = (
            " It can scale to zero: the first request or job after a quiet time waits for a pod."
            if low == 0
            else ""
        )
        return row(
            field,
            compose_text,
            kube_text,
            Severity.INFO,
            f"The {scaler.kind} {scaler.name} sets the replica count: between {low} and "
            f"{high if high is not None else 'no maximum'} (Compose runs {wanted}).{zero}",
        )
    have = ctx.workload.replicas if ctx.workload.replicas is not None else 1
    kube_text = str(have) if ctx.workload.replicas is not None else "1 (not set)"
    fix = f"Set spec.replicas of {ctx.workload.kind} {ctx.workload.name} to {wanted}."
    if have == wanted:
        return row(field, compose_text, kube_text, Severity.OK, f"{have} on both sides.")
    if have == 0:
        return row(
            field,
            compose_text,
            kube_text,
            Severity.BLOCK,
            f"{ctx.workload.kind} {ctx.workload.name} is scaled to 0: nothing runs {ctx.service.name}.",
            fix,
        )
    if have < wanted:
        return row(
            field,
            compose_text,
            kube_text,
            Severity.WARN,
            f"Compose runs {wanted}, Kubernetes {have}: less capacity than today.",
            fix,
        )
    return row(
        field,
        compose_text,
        kube_text,
        Severity.INFO,
        f"Kubernetes runs {have} where Compose runs {wanted}. Make sure {ctx.service.name} is "
        "safe to run more than once (schedulers, migrations at start, volumes only one pod may mount).",
    )


# --- command ------------------------------------------------------------------------------------


def _words(words: Sequence[str] | None) -> list[str]:
    return list(words) if words is not None else []


def _describe(first: str, a: Sequence[str] | None, second: str, b: Sequence[str] | None) -> str:
    if a is None and b is None:
        return "(image default)"
    parts = []
    if a is not None:
        parts.append(f"{first}: {argv(a)}")
    if b is not None:
        parts.append(f"{second}: {argv(b)}")
    return "; ".join(parts)


def _same_words(ctx: Context, compose: Sequence[str] | None, kube: Sequence[str] | None) -> bool:
    """Equal word for word, where a word (or a word of a shell line, `sh -c "... redis://redis"`)
    may differ only by a Compose service hostname written as the Kubernetes Service that reaches
    it (as env values are compared: wizard.mapping.hosts): `redis://redis` is
    `redis://tickets-redis`. Words equal as written stay equal (`worker`, a service's name used
    as a plain word)."""
    if compose is None or kube is None:
        return compose is kube
    return len(compose) == len(kube) and all(
        _same_word(ctx, a, b) for a, b in zip(compose, kube, strict=True)
    )


def _same_word(ctx: Context, compose: str, kube: str) -> bool:
    if compose == kube:
        return True
    a, b = compose.split(), kube.split()
    return len(a) == len(b) and all(
        x == y or ctx.hosts.compose_form(x) == ctx.hosts.kube_form(y)
        for x, y in zip(a, b, strict=True)
    )


def command_row(ctx: Context) -> DiffRow:
    """Compose `entrypoint` is Kubernetes `command`; Compose `command` is Kubernetes `args`."""
    field = "command"
    entrypoint, command = ctx.service.entrypoint, ctx.service.command
    kcommand, kargs = ctx.container.command, ctx.container.args
    compose_text = _describe("entrypoint", entrypoint, "command", command)
    kube_text = _describe("command", kcommand, "args", kargs)
    wanted = (
        f"set command: {json.dumps(entrypoint)}"
        if entrypoint is not None
        else "remove command (the image's ENTRYPOINT runs)",
        f"set args: {json.dumps(command)}"
        if command is not None
        else "remove args (the image's CMD runs)",
    )
    fix = (
        f"In {ctx.where} ({ctx.workload.pod_path}.containers), {wanted[0]} and {wanted[1]}. "
        "Compose entrypoint = Kubernetes command, Compose command = Kubernetes args."
    )
    if entrypoint == kcommand and command == kargs:
        same = (
            "the image's default" if entrypoint is None and command is None else "the same command"
        )
        return row(field, compose_text, kube_text, Severity.OK, f"Both run {same}.")
    if _same_words(ctx, entrypoint, kcommand) and _same_words(ctx, command, kargs):
        return row(
            field,
            compose_text,
            kube_text,
            Severity.OK,
            "The same command: it differs only where a Compose service name became the name of "
            "its Kubernetes Service.",
        )
    if (
        entrypoint is None
        and kcommand is not None
        and _words(command) == _words(kcommand) + _words(kargs)
    ):
        return row(
            field,
            compose_text,
            kube_text,
            Severity.INFO,
            "The same command line, split differently: Kubernetes `command` replaces the image's "
            "ENTRYPOINT, which Compose keeps. Equivalent when the image has no ENTRYPOINT.",
            "Check with: docker image inspect --format '{{json .Config.Entrypoint}}' "
            f"{ctx.container.image or ctx.service.image} (null or [] means equivalent).",
        )
    if command is None and entrypoint is None:
        message = "Compose runs the image's default command; Kubernetes overrides it."
    elif kcommand is None and kargs is None:
        message = f"Compose overrides the image's command; Kubernetes runs the image's default: {ctx.service.name} may start something else."
    else:
        message = "Kubernetes runs a different command than Compose."
    return row(field, compose_text, kube_text, Severity.WARN, message, fix)
