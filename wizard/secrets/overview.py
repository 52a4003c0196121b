"""Everything the Secrets step shows, gathered in one blocking call (run it in a thread).

The Compose project and its env file give the keys; the cluster gives the Secret's keys and
digests (when this identity may read Secrets) and the workloads' references; the keyring says
which keys it already holds. What fails becomes a finding; nothing here raises for a gateway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wizard.checks import Finding, Severity
from wizard.compose.dotenv import read_env_file
from wizard.compose.loader import load_project
from wizard.compose.model import ComposeProject
from wizard.config import CutoverConfig
from wizard.errors import CutoverError, Forbidden, KeyringUnavailable
from wizard.gateways import Gateways
from wizard.model import SecretKeys, VaultStatus
from wizard.secrets.placeholder import refused_from_env
from wizard.secrets.references import (
    KeyRow,
    Reference,
    find_references,
    key_rows,
    reference_findings,
)
from wizard.secrets.spec import SecretSpec, build_spec, env_value, secrets_config
from wizard.secrets.store import SESSION_ONLY, SecretValues
from wizard.steps import Round
from wizard.target.model import TargetState

ProjectLoader = Callable[[CutoverConfig], ComposeProject]


@dataclass
class SecretsOverview:
    spec: SecretSpec
    context: str = ""
    namespace: str = ""
    existing: SecretKeys | None = None
    readable: bool = True
    references: list[Reference] = field(default_factory=list)
    rows: list[KeyRow] = field(default_factory=list)
    # The digest of the keyring's value of each key it holds: with this session's typed values,
    # the one source of both the keys' states and the preview (SecretsOverview.wanted).
    keyring_digests: dict[str, str] = field(default_factory=dict)
    env_values_known: dict[str, bool] = field(default_factory=dict)  # key -> .env has a value
    # Key -> why F4 would not take the value .env has (a placeholder: "says change-me"); the
    # reason names the pattern, never the value (wizard.secrets.placeholder.refused_from_env).
    env_refused: dict[str, str] = field(default_factory=dict)
    vault: VaultStatus = field(default_factory=lambda: VaultStatus(False, SESSION_ONLY))
    findings: list[Finding] = field(default_factory=list)
    store: SecretValues | None = None
    cluster_ok: bool = True

    @property
    def in_keyring(self) -> dict[str, bool]:
        """Whether the keyring holds a value for each key."""
        return {key: key in self.keyring_digests for key in self.spec.keys}

    def wanted(self) -> dict[str, str]:
        """The digest of the value each key would get if applied now: this session's (typed,
        generated, from .env) over the keyring's. Never blocks (the keyring's are digests
        gathered earlier), so every view may derive from it on each change."""
        typed = self.store.typed_digests() if self.store is not None else {}
        return {**self.keyring_digests, **typed}

    def where(self, key: str) -> str:
        """Where the value of `key` comes from: typed (this session), keyring, or none."""
        if self.store is not None and key in self.store.pending():
            return "typed"
        return "keyring" if key in self.keyring_digests else "none"


def env_file_path(config: CutoverConfig) -> Path | None:
    if config.env_file is not None:
        return config.env_file
    candidate = config.project_dir / ".env"
    return candidate if candidate.is_file() else None


def load_env(config: CutoverConfig) -> dict[str, str]:
    path = env_file_path(config)
    return read_env_file(path) if path is not None and path.is_file() else {}


def gather(
    config: CutoverConfig,
    gateways: Gateways,
    store: SecretValues | None = None,
    loader: ProjectLoader = load_project,
) -> SecretsOverview:
    """The whole picture. `store`: keep this session's values from an earlier gather."""
    findings: list[Finding] = []
    settings = secrets_config(config.secrets, config.project_name)
    project: ComposeProject | None = None
    env: dict[str, str] = {}
    try:
        env = load_env(config)
        project = loader(config)
    except CutoverError as exc:
        findings.append(Finding("secrets.compose", Severity.WARN, exc.message, exc.fix))
    target: TargetState | None = None
    cluster = None
    try:
        cluster = gateways.cluster()
        target = cluster.read_target(config.selector)
    except CutoverError as exc:
        findings.append(
            Finding("secrets.cluster", Severity.BLOCK, exc.message, exc.fix, inconclusive=True)
        )
    spec = build_spec(settings, project, env, target)
    view = SecretsOverview(spec=spec, findings=findings, cluster_ok=target is not None)
    # The values themselves go no further than this function: only whether F4 would take each.
    values = {e.key: env_value(e, project, env) for e in spec.entries}
    view.env_values_known = {key: value is not None for key, value in values.items()}
    for entry in spec.entries:
        value = values[entry.key]
        refusal = refused_from_env(entry, value) if value is not None else None
        if refusal is not None:
            view.env_refused[entry.key] = refusal
    if cluster is not None and target is not None:
        view.context = cluster.identity.context
        view.namespace = cluster.identity.namespace
        view.readable = target.secrets_readable
        if view.readable:
            try:
                view.existing = cluster.read_secret_keys(spec.name)
            except Forbidden:
                view.readable = False
            except CutoverError as exc:
                findings.append(Finding("secrets.cluster", Severity.BLOCK, exc.message, exc.fix))
        view.references = find_references(target, spec.name)
        findings.extend(
            reference_findings(
                spec, view.references, view.existing, view.readable, view.context, view.namespace
            )
        )
    else:
        view.context = config.kube_context or ""
        view.namespace = config.namespace or ""
    view.rows = key_rows(spec, view.references, view.existing, view.readable)
    view.store = store or _store(config, gateways, view, findings)
    try:
        view.keyring_digests = view.store.keyring_digests(spec.keys)
    except KeyringUnavailable as exc:
        findings.append(Finding("secrets.keyring", Severity.WARN, exc.message, exc.fix))
        view.keyring_digests = {}
    view.vault = view.store.status() if not view.store.session_only else view.vault
    return view


def _store(
    config: CutoverConfig, gateways: Gateways, view: SecretsOverview, findings: list[Finding]
) -> SecretValues:
    if config.read_only:
        return SecretValues(None, view.context, view.namespace, view.spec.name)
    try:
        vault = gateways.vault()
        status = vault.status()
    except CutoverError as exc:
        status = VaultStatus(False, "unknown", exc.message, exc.fix)
    if status.usable:
        return SecretValues(vault, view.context, view.namespace, view.spec.name)
    findings.append(
        Finding(
            "secrets.keyring",
            Severity.WARN,
            # The reason is a phrase of its own, often with brackets: never put it in brackets.
            f"No usable keyring — {status.why_not}. Values are kept for this session "
            "only and go nowhere but the cluster.",
            status.fix,
        )
    )
    view.vault = status
    return SecretValues(None, view.context, view.namespace, view.spec.name)


def take_from_env(
    config: CutoverConfig, key: str, spec: SecretSpec, loader: ProjectLoader = load_project
) -> str | None:
    """The plaintext value the env file has for `key` (blocking: reads files, may run Compose)."""
    entry = spec.entry(key)
    if entry is None:
        return None
    env = load_env(config)
    if entry.env in env:
        return env[entry.env]
    return env_value(entry, loader(config), env)


def check(round: Round) -> list[Finding]:
    """The Secrets step (wizard.steps): which keys the workloads reference and whether the
    Secret has them. Never the keyring: the step's check is also what watchers run
    (`cutover status`), and their terminal has nothing to do with the operator's keyring."""
    session_only = SecretValues(None, "", "", "")
    return gather(round.config, round.gateways, store=session_only).findings
