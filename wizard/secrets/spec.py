"""Which keys go into the project's one Kubernetes Secret, and where each one comes from.

Found from the Compose environment and the env file, by name and by shape (wizard.secrets.detect),
from the `secrets:` section of cutover.yaml, and from the keys the workloads reference. Only names
are kept here; values stay with the operator (wizard.secrets.store).

cutover.yaml's `secrets:`, every part optional:

    secrets:
      name: email-rag-secrets          # default <project>-secrets
      keys:                            # env name -> Secret key (default lower-kebab)
        CELERY_BROKER_URL: celery-broker-url
        SENTRY_DSN:                    # a secret the heuristics miss; default key sentry-dsn
      ignore: [DATABASE_URL]           # found by the heuristics, but not a key of the Secret
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wizard.compose.model import ComposeProject
from wizard.errors import ConfigError
from wizard.secrets.detect import is_secret_name, url_password
from wizard.target.model import TargetState

MANAGED_BY = {"app.kubernetes.io/managed-by": "compose-cutover"}
SERVICE_PREFIX = "compose-cutover"

# Credentials an image reads only when it initialises an empty data directory. Once the data is
# there (and a migration keeps it), changing the variable changes nothing but the next login.
INIT_ONLY = frozenset(
    {
        "POSTGRES_PASSWORD",
        "RABBITMQ_DEFAULT_PASS",
        "MYSQL_ROOT_PASSWORD",
        "MYSQL_PASSWORD",
        "MARIADB_ROOT_PASSWORD",
        "MARIADB_PASSWORD",
        "MONGO_INITDB_ROOT_PASSWORD",
        "ELASTIC_PASSWORD",
        "NEO4J_AUTH",
        "KEYCLOAK_ADMIN_PASSWORD",
    }
)
INIT_ONLY_WHY = (
    "{env} only takes effect when {service} first initialises its data directory. The "
    "migrated data keeps the password the running {service} uses, so the Secret must hold that "
    "same value: a generated one would lock the workloads out."
)
# What each init-only variable belongs to, in the words above (RabbitMQ is not "the database").
INIT_ONLY_SERVICE = {
    "POSTGRES": "PostgreSQL",
    "RABBITMQ": "RabbitMQ",
    "MYSQL": "MySQL",
    "MARIADB": "MariaDB",
    "MONGO": "MongoDB",
    "ELASTIC": "Elasticsearch",
    "NEO4J": "Neo4j",
    "KEYCLOAK": "Keycloak",
}


def init_only_service(env: str) -> str:
    """'RABBITMQ_DEFAULT_PASS' -> 'RabbitMQ'; an unknown one -> 'the service'."""
    return INIT_ONLY_SERVICE.get(env.split("_", 1)[0], "the service")


URL_WHY = (
    "{env} is a URL with a password in it: when that password changes, this value must change "
    "with it."
)

_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


@dataclass(frozen=True)
class SecretEntry:
    """One key of the Secret. `env` is "" for a key only the workloads reference."""

    key: str
    env: str = ""
    services: tuple[str, ...] = ()  # Compose services whose environment has it
    found_by: tuple[str, ...] = ()  # name | url | cutover.yaml | reference | env file
    init_only: bool = False
    url_embedded: bool = False
    in_env_file: bool = False  # the env file (or the Compose environment) has a value for it

    @property
    def may_generate(self) -> bool:
        """A random value is safe only where nothing already depends on the old one."""
        return not self.init_only and not self.url_embedded

    @property
    def label(self) -> str:
        return f"{self.key} ({self.env})" if self.env and self.env != self.key else self.key


@dataclass(frozen=True)
class SecretSpec:
    """The Secret the wizard writes: its name, its keys in order, its labels."""

    name: str
    entries: tuple[SecretEntry, ...] = ()
    labels: dict[str, str] = field(default_factory=lambda: dict(MANAGED_BY))

    @property
    def keys(self) -> list[str]:
        return [e.key for e in self.entries]

    def entry(self, key: str) -> SecretEntry | None:
        return next((e for e in self.entries if e.key == key), None)


def secret_key_name(env_name: str) -> str:
    """The default Secret key for an env name: lower-kebab, `POSTGRES_PASSWORD` -> `postgres-password`."""
    return re.sub(r"[^a-z0-9.]+", "-", env_name.lower()).strip("-.") or "key"


def default_secret_name(project: str) -> str:
    # Compose allows `_` in project names; Kubernetes names do not.
    return f"{project.replace('_', '-').strip('-')}-secrets"


def keyring_service(context: str, namespace: str, secret_name: str) -> str:
    """Where the operator's copy lives: one keyring service per Secret, the username is the key."""
    return f"{SERVICE_PREFIX}/{context}/{namespace}/{secret_name}"


@dataclass(frozen=True)
class SecretsConfig:
    """cutover.yaml's `secrets:` section, validated."""

    name: str
    keys: dict[str, str | None] = field(default_factory=dict)  # env -> key (None: default)
    ignore: frozenset[str] = frozenset()


def secrets_config(
    raw: Mapping[str, Any], project: str, where: str = "cutover.yaml"
) -> SecretsConfig:
    """Validate the free-form `secrets:` mapping; errors name the key and what was expected."""
    unknown = sorted(set(raw) - {"name", "keys", "ignore"})
    if unknown:
        raise ConfigError(
            f"{where}, secrets: unknown key(s) {', '.join(unknown)}.",
            "Use `name:` (the Secret's name), `keys:` (env name -> Secret key) and `ignore:`.",
        )
    name = raw.get("name") or default_secret_name(project)
    if not isinstance(name, str) or not _DNS_SUBDOMAIN.match(name):
        raise ConfigError(
            f"{where}, secrets.name: {name!r} is not a valid Secret name.",
            "Lower-case letters, digits, '-' and '.', starting and ending with a letter or digit.",
        )
    keys_raw = raw.get("keys") or {}
    keys: dict[str, str | None] = {}
    if isinstance(keys_raw, list):
        keys = {str(env): None for env in keys_raw}
    elif isinstance(keys_raw, Mapping):
        for env, key in keys_raw.items():
            if key is not None and (not isinstance(key, str) or not _SECRET_KEY.match(key)):
                raise ConfigError(
                    f"{where}, secrets.keys.{env}: {key!r} is not a valid Secret key.",
                    "Secret keys may contain only letters, digits, '-', '_' and '.'.",
                )
            keys[str(env)] = key
    else:
        raise ConfigError(
            f"{where}, secrets.keys: expected a mapping of env name -> Secret key.",
            "For example `keys: {POSTGRES_PASSWORD: postgres-password}`.",
        )
    ignore_raw = raw.get("ignore") or []
    if not isinstance(ignore_raw, list):
        raise ConfigError(
            f"{where}, secrets.ignore: expected a list of env names.",
            "For example `ignore: [DATABASE_URL]`.",
        )
    return SecretsConfig(name=name, keys=keys, ignore=frozenset(str(e) for e in ignore_raw))


def build_spec(
    settings: SecretsConfig,
    project: ComposeProject | None,
    env_file: Mapping[str, str],
    target: TargetState | None = None,
) -> SecretSpec:
    """The Secret's keys: configured ones first, then found ones, then referenced-only ones."""
    services: dict[str, list[str]] = {}
    compose_values: dict[str, str] = {}
    if project is not None:
        for service in project.services.values():
            for env, value in service.environment.items():
                services.setdefault(env, []).append(service.name)
                if value is not None:
                    compose_values.setdefault(env, value)
    found: dict[str, list[str]] = {}

    def note(env: str, why: str) -> None:
        if env not in settings.ignore:
            reasons = found.setdefault(env, [])
            if why not in reasons:
                reasons.append(why)

    for env in settings.keys:
        note(env, "cutover.yaml")
    for env in _ordered(services, env_file):
        value = compose_values.get(env, env_file.get(env, ""))
        if is_secret_name(env):
            note(env, "name")
        if value and url_password(value):
            note(env, "url")
    entries: list[SecretEntry] = []
    for env, why in found.items():
        key = settings.keys.get(env) or secret_key_name(env)
        if any(e.key == key for e in entries):
            continue
        value = env_file.get(env) or compose_values.get(env) or ""
        entries.append(
            SecretEntry(
                key=key,
                env=env,
                services=tuple(sorted(services.get(env, ()))),
                found_by=tuple(why),
                init_only=env in INIT_ONLY,
                url_embedded="url" in why or bool(value and url_password(value)),
                in_env_file=bool(value),
            )
        )
    if target is not None:
        referenced = sorted(
            {key for key, _ in _key_references(target, settings.name)} - {e.key for e in entries}
        )
        entries.extend(SecretEntry(key=key, found_by=("reference",)) for key in referenced)
    return SecretSpec(name=settings.name, entries=tuple(entries))


def env_value(
    entry: SecretEntry, project: ComposeProject | None, env_file: Mapping[str, str]
) -> str | None:
    """The plaintext value the env file (or the interpolated Compose environment) has for it."""
    if not entry.env:
        return None
    if entry.env in env_file:
        return env_file[entry.env]
    if project is not None:
        for service in project.services.values():
            value = service.environment.get(entry.env)
            if value:
                return value
    return None


def _ordered(services: Mapping[str, Iterable[str]], env_file: Mapping[str, str]) -> list[str]:
    seen: dict[str, None] = {}
    for env in [*env_file, *services]:
        seen.setdefault(env, None)
    return list(seen)


def _key_references(target: TargetState, secret: str) -> list[tuple[str, str]]:
    """(key, workload) for each env secretKeyRef to `secret`."""
    pairs: list[tuple[str, str]] = []
    for workload in target.workloads:
        for container in (*workload.init_containers, *workload.containers):
            for env in container.env.values():
                if env.secret is not None and env.secret[0] == secret:
                    pairs.append((env.secret[1], workload.name))
    return pairs
