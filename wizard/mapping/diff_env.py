"""Environment: every Compose variable against the container's `env` and `envFrom`.

- A variable Compose sets that the container lacks (and no envFrom provides) blocks.
- Values are compared after Kubernetes' `$(VAR)` expansion, and after rewriting hostnames:
  `redis://redis:6379` and `redis://redis.<ns>.svc.cluster.local:6379` are the same value.
- A value Kubernetes takes from a Secret is shown as `from Secret <name>/<key>`; the Compose side
  of any secret (by name, by a password in a URL, or because Kubernetes reads it from a Secret)
  is masked. A `$(VAR)` reference is shown as written.

Over 400 lines on purpose: the environment diff is one concern (names, values, envFrom, secret
masking, `$(VAR)` references), whose cases read best side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.checks import Severity
from wizard.mapping.common import NONE, Context, row
from wizard.mapping.model import DiffRow
from wizard.secrets.detect import (
    MASK,
    is_flag,
    is_reference,
    is_secret_name,
    looks_like_token,
    masked_url,
    split_url_password,
)
from wizard.target.model import EnvValue

_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_HOLE = "\x01"


@dataclass(frozen=True)
class Hole:
    """A part of a Kubernetes value we cannot see: from a Secret, or from an unknown source."""

    var: str
    from_secret: bool


Piece = str | Hole


@dataclass(frozen=True)
class EnvSource:
    """One `envFrom` entry, with its keys (and values) when the target knows the object."""

    kind: str  # Secret | ConfigMap
    name: str
    keys: tuple[str, ...] | None
    values: dict[str, str] | None = None
    optional: bool = False  # `optional: true`: the pod starts without it


@dataclass(frozen=True)
class Expanded:
    pieces: tuple[Piece, ...]
    undefined: tuple[str, ...] = ()  # $(VAR)s Kubernetes leaves as written


class ContainerEnv:
    """The container's environment as the kubelet builds it: envFrom first, then `env` in order,
    each `$(VAR)` expanded from what is defined before it."""

    def __init__(self, ctx: Context) -> None:
        target = ctx.target
        self._known_values = target.config_map_values
        self.entries = ctx.container.env
        self.sources: list[EnvSource] = []
        for kind, name in ctx.container.env_from:
            optional = (kind, name) in ctx.container.optional_env_from
            if kind == "Secret":
                self.sources.append(
                    EnvSource(kind, name, target.secrets.get(name), optional=optional)
                )
            else:
                self.sources.append(
                    EnvSource(
                        kind,
                        name,
                        target.config_maps.get(name),
                        target.config_map_values.get(name),
                        optional,
                    )
                )
        self.expanded: dict[str, Expanded] = {}
        self.referenced_by: dict[str, list[str]] = {}
        for name, entry in self.entries.items():
            self.expanded[name] = self._expand_entry(name, entry)

    @property
    def unknown_sources(self) -> list[EnvSource]:
        return [s for s in self.sources if s.keys is None]

    def provider(self, name: str) -> EnvSource | None:
        """The envFrom object that sets `name` (the last one wins, as in Kubernetes)."""
        found = None
        for source in self.sources:
            if source.keys is not None and name in source.keys:
                found = source
        return found

    def from_sources(self, name: str) -> tuple[Piece, ...] | None:
        source = self.provider(name)
        if source is not None:
            if source.kind == "Secret":
                return (Hole(name, True),)
            if source.values is not None and name in source.values:
                return (source.values[name],)
            return (Hole(name, False),)
        if self.unknown_sources:
            return (Hole(name, False),)
        return None

    def _expand_entry(self, name: str, entry: EnvValue) -> Expanded:
        if entry.secret is not None:
            return Expanded((Hole(name, True),))
        if entry.config_map is not None:
            cm, key = entry.config_map
            values = self._known_values.get(cm)
            if values is not None and key in values:
                return Expanded((values[key],))
            return Expanded((Hole(name, False),))
        if entry.field_ref:
            return Expanded((Hole(name, False),))
        value = entry.value or ""
        pieces: list[Piece] = []
        undefined: list[str] = []
        position = 0
        for match in _REF.finditer(value):
            pieces.append(value[position : match.start()])
            position = match.end()
            if match[0] == "$$":
                pieces.append("$")
                continue
            var = match[1]
            self.referenced_by.setdefault(var, []).append(name)
            earlier = self.expanded.get(var)
            found = earlier.pieces if earlier is not None else self.from_sources(var)
            if found is None:
                pieces.append(match[0])
                undefined.append(var)
            else:
                pieces.extend(found)
        pieces.append(value[position:])
        return Expanded(tuple(p for p in pieces if p != ""), tuple(undefined))


def compare(ctx: Context, compose_value: str, pieces: tuple[Piece, ...]) -> str:
    """`same`, `equivalent` (only hostnames differ), `matches` (equal where we can see), or
    `differs`."""
    holes = [p for p in pieces if isinstance(p, Hole)]
    if not holes and "".join(str(p) for p in pieces) == compose_value:
        return "same"
    template = "".join(p if isinstance(p, str) else _HOLE for p in pieces)
    kube = ctx.hosts.kube_form(template)
    compose = ctx.hosts.compose_form(compose_value)
    if not holes:
        return "equivalent" if kube == compose else "differs"
    pattern = "(.*)".join(re.escape(part) for part in kube.split(_HOLE))
    return "matches" if re.fullmatch(pattern, compose, re.DOTALL) else "differs"


# --- display ------------------------------------------------------------------------------------


def _secret_name(ctx: Context, name: str) -> bool:
    return is_secret_name(name) or name in ctx.secret_env


def compose_text(ctx: Context, name: str, value: str | None, from_secret: bool) -> str:
    if value is None:
        return "(no value: passed on from the shell)"
    if from_secret or _secret_name(ctx, name) or looks_like_token(value):
        return MASK
    return masked_url(value)


def _said(value: str) -> str:
    """A value in a sentence: an empty one says so (else the sentence reads 'Kubernetes .')."""
    return value if value.strip() else "an empty value"


def _plain_secret(ctx: Context, name: str, value: str) -> bool:
    """A secret written as plain text (not a `$(VAR)` reference) in a manifest."""
    if not value or is_reference(value) or is_flag(value):
        return False
    if _secret_name(ctx, name):
        return True
    parts = split_url_password(value)
    return parts is not None and not is_reference(parts.password)


def kube_text(ctx: Context, name: str, entry: EnvValue) -> str:
    if entry.secret is not None:
        return f"from Secret {entry.secret[0]}/{entry.secret[1]}"
    if entry.config_map is not None:
        return f"from ConfigMap {entry.config_map[0]}/{entry.config_map[1]}"
    if entry.field_ref:
        return f"from the pod's {entry.field_ref}"
    value = entry.value or ""
    if (_secret_name(ctx, name) or looks_like_token(value)) and not is_reference(value) and value:
        return MASK
    return masked_url(value, keep_references=True)


def _secret_ref_fix(ctx: Context, name: str) -> str:
    secrets = ctx.config.secrets
    secret = secrets.get("name") if isinstance(secrets.get("name"), str) else None
    keys = secrets.get("keys")
    key = keys.get(name) if isinstance(keys, dict) and isinstance(keys.get(name), str) else None
    secret = secret or f"{ctx.config.project_name}-secrets"
    key = key or name.lower().replace("_", "-")
    return (
        f"add to {ctx.spec('env')}: `- name: {name}` with `valueFrom: {{secretKeyRef: "
        f"{{name: {secret}, key: {key}}}}}` (the Secrets step puts the value in that Secret)"
    )


# --- rows ---------------------------------------------------------------------------------------


@dataclass
class _Verdict:
    """What we found about one variable, worst first once sorted."""

    issues: list[tuple[Severity, str, str]]

    def add(self, severity: Severity, message: str, fix: str = "") -> None:
        self.issues.append((severity, message, fix))

    def row(self, field: str, compose: str, kubernetes: str) -> DiffRow:
        severity = max((s for s, _, _ in self.issues), key=lambda s: s.rank, default=Severity.OK)
        ranked = sorted(self.issues, key=lambda issue: -issue[0].rank)
        message = " ".join(m for _, m, _ in ranked)
        fix = " ".join(f for s, _, f in ranked if f and s.rank >= Severity.INFO.rank)
        return row(field, compose, kubernetes, severity, message, fix)


def env_rows(ctx: Context) -> list[DiffRow]:
    env = ContainerEnv(ctx)
    rows = [
        _compose_variable(ctx, env, name, value) for name, value in ctx.service.environment.items()
    ]
    for name, entry in env.entries.items():
        if name not in ctx.service.environment:
            rows.append(_kube_only(ctx, env, name, entry))
    rows.extend(_absent_sources(ctx, env, rows))
    return rows


def _absent_sources(ctx: Context, env: ContainerEnv, rows: list[DiffRow]) -> list[DiffRow]:
    """An envFrom ConfigMap the target lacks keeps the pod from starting even when no Compose
    variable is looked for in it: one row for each no variable's row already blocks on."""
    found = []
    for source in env.unknown_sources:
        if source.kind != "ConfigMap":
            continue
        severity, why = _absent_config_map(ctx, source.name, source.optional)
        said = re.compile(rf"ConfigMap (?:[\w.-]+, )*{re.escape(source.name)}(?![\w.-])")
        named = any(
            r.finding.severity is Severity.BLOCK and said.search(r.finding.message) for r in rows
        )
        if severity is not Severity.BLOCK or named:
            continue
        found.append(
            row(
                f"envFrom:{source.name}",
                NONE,
                f"envFrom ConfigMap {source.name}",
                severity,
                f"The container reads envFrom ConfigMap {source.name}, which is not in the "
                f"target: {why}.",
                f"Apply ConfigMap {source.name} in namespace {ctx.namespace}, or mark the "
                "envFrom entry `optional: true` if the pod may start without it.",
            )
        )
    return found


def _compose_variable(ctx: Context, env: ContainerEnv, name: str, value: str | None) -> DiffRow:
    field = f"env:{name}"
    entry = env.entries.get(name)
    source = env.provider(name) if entry is None else None
    from_secret = (entry is not None and entry.secret is not None) or (
        source is not None and source.kind == "Secret"
    )
    left = compose_text(ctx, name, value, from_secret)
    verdict = _Verdict([])

    if entry is None and source is None:
        return _missing(ctx, env, field, name, value, left)

    if entry is not None:
        right = kube_text(ctx, name, entry)
        pieces = env.expanded[name].pieces
        _check_reference(ctx, verdict, entry, name)
        if entry.value is not None and entry.secret is None and entry.config_map is None:
            if _plain_secret(ctx, name, entry.value):
                verdict.add(
                    Severity.WARN,
                    "A secret is written in plain text in the manifest: anyone who can read the "
                    f"{ctx.workload.kind} can read it.",
                    f"Move it into a Secret and {_secret_ref_fix(ctx, name)}.",
                )
            for undefined in env.expanded[name].undefined:
                verdict.add(
                    Severity.WARN,
                    f"$({undefined}) is not defined before {name} in the container, so "
                    f"Kubernetes passes the text $({undefined}) on unchanged.",
                    f"Define {undefined} above {name} in {ctx.spec('env')}, or in a ConfigMap "
                    "or Secret listed under envFrom.",
                )
            _check_hosts(ctx, verdict, entry.value)
    else:
        assert source is not None
        right = f"from {source.kind} {source.name}/{name}"
        if source.kind == "ConfigMap" and source.values is not None and name in source.values:
            shown = source.values[name]
            right = f"{right}: {MASK if _secret_name(ctx, name) else masked_url(shown)}"
            if _plain_secret(ctx, name, shown):
                verdict.add(
                    Severity.WARN,
                    f"A secret is kept in ConfigMap {source.name}: anyone who can read "
                    "ConfigMaps can read it.",
                    f"Move it into a Secret and {_secret_ref_fix(ctx, name)}.",
                )
        pieces = env.from_sources(name) or ()

    if value is None:
        verdict.add(
            Severity.INFO,
            f"Compose passes {name} on from the shell that runs docker compose (no value in the "
            "Compose files): compare the value by hand.",
            f"docker compose exec {ctx.service.name} printenv {name} shows the value Compose used.",
        )
        return verdict.row(field, left, right)

    result = compare(ctx, value, pieces)
    holes = [p for p in pieces if isinstance(p, Hole)]
    written = "".join(p for p in pieces if isinstance(p, str))
    if result == "same":
        verdict.add(Severity.OK, "Same value.")
    elif result == "equivalent":
        verdict.add(
            Severity.OK,
            "Equivalent: the values differ only where a Compose service name became the name "
            "of its Kubernetes Service." + _assumed(ctx, written),
        )
    elif result == "matches" and all(h.from_secret for h in holes):
        verdict.add(Severity.OK, _from_secret_message(entry, source, holes))
    elif result == "matches":
        unseen = ", ".join(sorted({h.var for h in holes if not h.from_secret}))
        verdict.add(
            Severity.INFO,
            f"Matches Compose as far as can be seen: the value of {unseen} is not visible here."
            + _assumed(ctx, written),
            f"Compare by hand: kubectl exec {ctx.workload.kind.lower()}/{ctx.workload.name} -n "
            f"{ctx.namespace} -c {ctx.container.name} -- printenv {name}",
        )
    else:
        shown = (
            "(both hidden: a secret)"
            if MASK in (left, right)
            else f"Compose sets {_said(left)}, Kubernetes {_said(right)}"
        )
        verdict.add(
            Severity.WARN,
            f"The value differs: {shown}." + _elsewhere(ctx, written),
            f"If that is not intended, set {name} in {ctx.spec('env')} to the value Compose uses.",
        )
    return verdict.row(field, left, right)


def _assumed(ctx: Context, written: str) -> str:
    """Which namespace an equivalence took for granted (offline, no namespace given)."""
    found = ctx.hosts.assumed(written)
    if not found:
        return ""
    names = ", ".join(f"{ns} (from {host})" for host, ns in found)
    return (
        f" No namespace was given, so namespace {names} was assumed to be the target's; "
        "pass -n NAMESPACE to check it."
    )


def _elsewhere(ctx: Context, written: str) -> str:
    """A hostname of a Service in another namespace than the target's: why it is a difference."""
    found = ctx.hosts.elsewhere(written)
    if not found:
        return ""
    names = ", ".join(f"{host} is in namespace {ns}" for host, ns in found)
    return f" {names}, not {ctx.namespace} (the target's): another Service than Compose's."


def _from_secret_message(
    entry: EnvValue | None, source: EnvSource | None, holes: list[Hole]
) -> str:
    if entry is not None and entry.secret is not None:
        return f"Taken from Secret {entry.secret[0]}/{entry.secret[1]}."
    if entry is None and source is not None:
        return f"Taken from Secret {source.name} (envFrom)."
    refs = ", ".join(f"$({var})" for var in dict.fromkeys(h.var for h in holes))
    return f"{refs} comes from a Secret; the rest of the value matches Compose."


def _check_reference(ctx: Context, verdict: _Verdict, entry: EnvValue, name: str) -> None:
    """A secretKeyRef / configMapKeyRef to a key the target's object lacks: the pod cannot start."""
    for kind, ref, known in (
        ("Secret", entry.secret, ctx.target.secrets),
        ("ConfigMap", entry.config_map, ctx.target.config_maps),
    ):
        if ref is None:
            continue
        obj, key = ref
        keys = known.get(obj)
        if keys is not None and key not in keys and entry.optional:
            verdict.add(
                Severity.WARN,
                f"{kind} {obj} has no key {key}; the reference is optional, so the pod starts "
                f"with {name} unset.",
                f"Add the key {key} to {kind} {obj}"
                + (" in the Secrets step." if kind == "Secret" else "."),
            )
        elif keys is not None and key not in keys:
            verdict.add(
                Severity.BLOCK,
                f"{kind} {obj} has no key {key}: the pod cannot start "
                "(CreateContainerConfigError).",
                f"Add the key {key} to {kind} {obj}"
                + (" in the Secrets step." if kind == "Secret" else "."),
            )
        elif keys is None and kind == "ConfigMap":
            severity, why = _absent_config_map(ctx, obj, entry.optional)
            verdict.add(
                severity,
                f"ConfigMap {obj} is not in the target: cannot verify {name}, and {why}.",
                f"Apply the manifest of ConfigMap {obj} in namespace {ctx.namespace}.",
            )


def _absent_config_map(ctx: Context, name: str, optional: bool) -> tuple[Severity, str]:
    """A ConfigMap the container needs that the target does not have: block, the pod cannot
    start, unless the reference is optional, or the target may not show it (a label selector
    chose what was read, or ConfigMaps could not be listed): then warn. (A missing Secret is the
    Secrets step's to create: not here.)"""
    if optional:
        return Severity.WARN, "the reference is optional: the pod starts without its values"
    if ctx.target.selector or "ConfigMap" in ctx.target.unreadable:
        return Severity.WARN, "the pod cannot start without it (it may exist unread here)"
    return Severity.BLOCK, "the pod cannot start without it (CreateContainerConfigError)"


def _check_hosts(ctx: Context, verdict: _Verdict, value: str) -> None:
    for host in ctx.hosts.unresolved(value):
        if host.suggestions:
            fix = f"Use the Service that reaches it: {', '.join(host.suggestions)}."
        elif host.workload is not None:
            fix = (
                f"Create a Service named {host.host} selecting the pods of "
                f"{host.workload.kind} {host.workload.name}."
            )
        else:
            fix = f"Create a Service named {host.host} for what Compose service {host.service} became."
        verdict.add(
            Severity.WARN,
            f"Host {host.host} does not resolve inside the cluster: no Service named {host.host} "
            f"in namespace {ctx.namespace}.",
            fix,
        )


def _missing(
    ctx: Context, env: ContainerEnv, field: str, name: str, value: str | None, left: str
) -> DiffRow:
    unknown = env.unknown_sources
    if unknown:
        objects = ", ".join(f"{s.kind} {s.name}" for s in unknown)
        blocking = [
            s
            for s in unknown
            if s.kind == "ConfigMap"
            and _absent_config_map(ctx, s.name, s.optional)[0] is Severity.BLOCK
        ]
        if blocking:
            names = ", ".join(s.name for s in blocking)
            return row(
                field,
                left,
                f"maybe from {objects}",
                Severity.BLOCK,
                f"The container reads envFrom ConfigMap {names}, which is not in the target, so "
                f"the pod cannot start without it (CreateContainerConfigError), and {name} cannot be "
                "verified.",
                f"Apply ConfigMap {names} (with the key {name}) in namespace {ctx.namespace}, or "
                f"set {name} explicitly in {ctx.spec('env')} and mark the envFrom entry "
                "`optional: true`.",
            )
        return row(
            field,
            left,
            f"maybe from {objects}",
            Severity.WARN,
            f"Cannot verify {name}: the container reads envFrom {objects}, which is not in the "
            "target, so its keys are unknown.",
            f"Apply {objects} first (or, for the Secret, complete the Secrets step), or "
            f"set {name} explicitly in {ctx.spec('env')}.",
        )
    if value is None:
        return row(
            field,
            left,
            NONE,
            Severity.WARN,
            f"Compose passes {name} on from the shell that runs docker compose; the container "
            "does not have it.",
            f"If the running containers have a value (docker compose exec {ctx.service.name} "
            f"printenv {name}), add {name} to {ctx.spec('env')}.",
        )
    if _secret_name(ctx, name) or split_url_password(value) is not None:
        fix = f"Make the container read it from a Secret: {_secret_ref_fix(ctx, name)}."
    else:
        config_maps = [s.name for s in env.sources if s.kind == "ConfigMap"]
        also = f", or add the key {name} to ConfigMap {config_maps[0]}" if config_maps else ""
        fix = f"Add `- name: {name}` with `value: {masked_url(value)}` to {ctx.spec('env')}{also}."
    return row(
        field,
        left,
        NONE,
        Severity.BLOCK,
        f"Compose sets {name}; the container does not have it, and no envFrom provides it: "
        f"{ctx.service.name} would run without it.",
        fix,
    )


def _kube_only(ctx: Context, env: ContainerEnv, name: str, entry: EnvValue) -> DiffRow:
    field = f"env:{name}"
    right = kube_text(ctx, name, entry)
    verdict = _Verdict([])
    _check_reference(ctx, verdict, entry, name)
    users = env.referenced_by.get(name)
    if users:
        verdict.add(
            Severity.OK,
            f"Only in Kubernetes, where {', '.join(users)} "
            f"{'uses' if len(users) == 1 else 'use'} it as $({name}).",
        )
    else:
        verdict.add(
            Severity.INFO,
            f"Only in Kubernetes: Compose does not set {name} for {ctx.service.name}.",
        )
    if entry.value is not None and entry.secret is None and entry.config_map is None:
        if _plain_secret(ctx, name, entry.value):
            verdict.add(
                Severity.WARN,
                "A secret is written in plain text in the manifest: anyone who can read the "
                f"{ctx.workload.kind} can read it.",
                f"Move it into a Secret and {_secret_ref_fix(ctx, name)}.",
            )
        _check_hosts(ctx, verdict, entry.value)
    return verdict.row(field, NONE, right)
