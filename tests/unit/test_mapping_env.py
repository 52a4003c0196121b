"""The env rows: missing variables, envFrom, $(VAR), hostname equivalence, and secret masking."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.mapping_builders import (
    NAMESPACE,
    config,
    container,
    diff,
    kube_service,
    project,
    rows,
    service,
    target,
    workload,
)
from wizard.checks import Finding, Severity
from wizard.compose.model import Healthcheck
from wizard.mapping.diff import plan
from wizard.mapping.model import DiffRow
from wizard.plan_report import plan_json
from wizard.secrets.detect import MASK
from wizard.target.model import EnvValue, Probe
from wizard.target.pods import container as parse_container

OK, INFO, WARN, BLOCK = Severity.OK, Severity.INFO, Severity.WARN, Severity.BLOCK


def lit(value: str) -> EnvValue:
    return EnvValue(value=value)


def from_secret(name: str, key: str) -> EnvValue:
    return EnvValue(secret=(name, key))


def test_a_variable_missing_in_the_container_blocks() -> None:
    rows = diff(
        service("worker", environment={"SENTRY_ENV": "prod"}),
        workload("worker", container("worker", env_from=(("ConfigMap", "cfg"),))),
        config_maps={"cfg": ("OTHER",)},
    )
    row = rows["env:SENTRY_ENV"]
    assert row.finding.severity is BLOCK
    assert row.compose == "prod" and row.kubernetes == "—"
    assert "containers[name=worker].env" in row.finding.fix
    assert "value: prod" in row.finding.fix and "ConfigMap cfg" in row.finding.fix


def test_a_missing_secret_says_secret_key_ref_and_never_the_value() -> None:
    rows = diff(
        service("worker", environment={"STRIPE_API_KEY": "sk_live_123456"}),
        workload("worker"),
    )
    row = rows["env:STRIPE_API_KEY"]
    assert row.finding.severity is BLOCK and row.compose == MASK
    assert "secretKeyRef" in row.finding.fix and "key: stripe-api-key" in row.finding.fix
    assert "name: shop-secrets" in row.finding.fix
    assert "sk_live_123456" not in repr(row)


def test_secret_name_and_key_from_cutover_yaml() -> None:
    cfg = config(secrets={"name": "vault", "keys": {"STRIPE_API_KEY": "stripe"}})
    rows = diff(service("w", environment={"STRIPE_API_KEY": "x"}), workload("w"), cfg=cfg)
    assert "{name: vault, key: stripe}" in rows["env:STRIPE_API_KEY"].finding.fix


def test_provided_by_env_from() -> None:
    cm = container("w", env_from=(("ConfigMap", "cfg"), ("Secret", "sec")))
    env = {"MODE": "fast", "LEVEL": "3", "API_TOKEN": "t0ken-value"}
    rows = diff(
        service("w", environment=env),
        workload("w", cm),
        config_maps={"cfg": ("MODE", "LEVEL")},
        config_map_values={"cfg": {"MODE": "fast", "LEVEL": "4"}},
        secrets={"sec": ("API_TOKEN",)},
    )
    assert rows["env:MODE"].finding.severity is OK
    assert rows["env:LEVEL"].finding.severity is WARN  # differing values warn
    token = rows["env:API_TOKEN"]
    assert token.finding.severity is OK
    assert token.kubernetes == "from Secret sec/API_TOKEN" and token.compose == MASK


def test_config_map_value_not_visible_is_info() -> None:
    rows = diff(
        service("w", environment={"MODE": "fast"}),
        workload("w", container("w", env_from=(("ConfigMap", "cfg"),))),
        config_maps={"cfg": ("MODE",)},
    )
    assert rows["env:MODE"].finding.severity is INFO
    assert "printenv MODE" in rows["env:MODE"].finding.fix


def test_env_from_an_object_with_unknown_keys_cannot_verify() -> None:
    rows = diff(
        service("w", environment={"MODE": "fast"}),
        workload("w", container("w", env_from=(("Secret", "not-created-yet"),))),
    )
    row = rows["env:MODE"]
    assert row.finding.severity is WARN and "Cannot verify" in row.finding.message
    assert "Secret not-created-yet" in row.finding.message


def test_differing_literal_values_warn() -> None:
    rows = diff(
        service("w", environment={"WORKERS": "4"}),
        workload("w", container("w", env={"WORKERS": lit("2")})),
    )
    row = rows["env:WORKERS"]
    assert row.finding.severity is WARN and (row.compose, row.kubernetes) == ("4", "2")


def _redis(kube_value: str, service_name: str = "redis") -> Severity:
    proj = project(
        service("api", environment={"REDIS_URL": "redis://redis:6379/0"}), service("redis")
    )
    tgt = target(
        workload("api", container("api", env={"REDIS_URL": lit(kube_value)})),
        workload("redis", kind="StatefulSet", component="redis"),
        services=(kube_service(service_name, "redis", 6379),),
    )
    return rows(plan(proj, tgt, config()), "api")["env:REDIS_URL"].finding.severity


@pytest.mark.parametrize(
    "value",
    [
        "redis://redis:6379/0",
        "redis://redis.shop:6379/0",
        "redis://redis.shop.svc:6379/0",
        "redis://redis.shop.svc.cluster.local:6379/0",
    ],
)
def test_hostname_that_became_the_kubernetes_service_name_is_equivalent(value: str) -> None:
    assert _redis(value) is OK


def test_hostname_that_became_a_differently_named_service_is_equivalent() -> None:
    assert _redis("redis://shop-cache:6379/0", service_name="shop-cache") is OK
    assert _redis("redis://shop-cache.shop.svc.cluster.local:6379/0", "shop-cache") is OK


def test_another_host_or_namespace_is_not_equivalent() -> None:
    assert _redis("redis://elsewhere:6379/0") is WARN
    assert _redis("redis://redis.other-ns.svc.cluster.local:6379/0") is WARN
    assert _redis("redis://redis:6380/0") is WARN


def test_a_compose_hostname_kept_without_a_service_of_that_name_does_not_resolve() -> None:
    proj = project(
        service("api", environment={"REDIS_URL": "redis://redis:6379/0"}), service("redis")
    )
    tgt = target(
        workload("api", container("api", env={"REDIS_URL": lit("redis://redis:6379/0")})),
        workload("redis", kind="StatefulSet"),
        services=(kube_service("shop-redis", "redis", 6379),),
    )
    row = rows(plan(proj, tgt, config()), "api")["env:REDIS_URL"]
    assert row.finding.severity is WARN
    assert "Host redis does not resolve" in row.finding.message
    assert "shop-redis" in row.finding.fix


def test_references_are_expanded_and_shown_as_written() -> None:
    written = "postgresql://$(DB_USER):$(DB_PASSWORD)@db:5432/app"
    proj = project(
        service("api", environment={"DATABASE_URL": "postgresql://shop:Zq8-secret@db:5432/app"}),
        service("db"),
    )
    tgt = target(
        workload(
            "api",
            container(
                "api",
                env={
                    "DB_USER": lit("shop"),
                    "DB_PASSWORD": from_secret("shop-secrets", "db-password"),
                    "DATABASE_URL": lit(written),
                },
            ),
        ),
        workload("db", kind="StatefulSet"),
        services=(kube_service("db", "db", 5432),),
    )
    result = rows(plan(proj, tgt, config()), "api")
    row = result["env:DATABASE_URL"]
    assert row.finding.severity is OK, row.finding.message
    assert row.kubernetes == written
    assert row.compose == f"postgresql://shop:{MASK}@db:5432/app"
    # DB_USER and DB_PASSWORD are only in Kubernetes, used through $(...): fine
    assert result["env:DB_USER"].finding.severity is OK
    assert result["env:DB_PASSWORD"].kubernetes == "from Secret shop-secrets/db-password"


def test_a_reference_with_the_wrong_user_differs() -> None:
    rows_ = diff(
        service("api", environment={"URL": "http://alice@host/"}),
        workload("api", container("api", env={"U": lit("bob"), "URL": lit("http://$(U)@host/")})),
    )
    assert rows_["env:URL"].finding.severity is WARN


def test_an_undefined_reference_stays_as_written_and_warns() -> None:
    rows_ = diff(
        service("api", environment={"URL": "http://alice@host/"}),
        workload("api", container("api", env={"URL": lit("http://$(U)@host/"), "U": lit("alice")})),
    )
    row = rows_["env:URL"]
    assert row.finding.severity is WARN
    assert "$(U) is not defined before URL" in row.finding.message


def test_a_secret_key_ref_to_a_missing_key_blocks() -> None:
    rows_ = diff(
        service("api", environment={"API_TOKEN": "x"}),
        workload("api", container("api", env={"API_TOKEN": from_secret("s", "api-token")})),
        secrets={"s": ("other",)},
    )
    row = rows_["env:API_TOKEN"]
    assert row.finding.severity is BLOCK and "Secrets step" in row.finding.fix


def test_a_secret_not_in_the_target_yet_is_left_to_the_secrets_step() -> None:
    rows_ = diff(
        service("api", environment={"API_TOKEN": "x"}),
        workload("api", container("api", env={"API_TOKEN": from_secret("s", "api-token")})),
    )
    assert rows_["env:API_TOKEN"].finding.severity is OK


def test_a_plain_text_secret_in_the_manifest_warns_masked() -> None:
    rows_ = diff(
        service("api", environment={"DB_PASSWORD": "Pl4in-Text-Pw"}),
        workload("api", container("api", env={"DB_PASSWORD": lit("Pl4in-Text-Pw")})),
    )
    row = rows_["env:DB_PASSWORD"]
    assert row.finding.severity is WARN and "plain text" in row.finding.message
    assert (row.compose, row.kubernetes) == (MASK, MASK)


def test_a_variable_passed_on_from_the_shell() -> None:
    present = diff(
        service("api", environment={"DEBUG": None}),
        workload("api", container("api", env={"DEBUG": lit("1")})),
    )
    missing = diff(service("api", environment={"DEBUG": None}), workload("api"))
    assert present["env:DEBUG"].finding.severity is INFO
    assert missing["env:DEBUG"].finding.severity is WARN


def test_a_variable_only_in_kubernetes_is_info() -> None:
    rows_ = diff(service("api"), workload("api", container("api", env={"PGDATA": lit("/x")})))
    assert rows_["env:PGDATA"].finding.severity is INFO
    assert rows_["env:PGDATA"].compose == "—"


# --- no secret value anywhere -------------------------------------------------------------------

PLANTED = {
    "POSTGRES_PASSWORD": "Planted-PG-8c1f",
    "OPENAI_API_KEY": "sk-planted-openai-77ab",
    "REDIS_PASSWORD": "planted-redis-4421",
    "DSN_PASSWORD": "planted-in-url-9f3e",
    "SENTRY_DSN": "https://planted-sentry-0c0c@sentry.example.com/1",
    "SESSION_SEED": "planted-session-seed-5d5d",
    "MANIFEST_PASSWORD": "planted-manifest-6e6e",
}


def test_plan_never_contains_a_secret_value() -> None:
    api_env = {
        "POSTGRES_PASSWORD": PLANTED["POSTGRES_PASSWORD"],
        "OPENAI_API_KEY": PLANTED["OPENAI_API_KEY"],  # differs from Kubernetes
        "DATABASE_URL": f"postgresql://shop:{PLANTED['DSN_PASSWORD']}@db:5432/app",  # by shape
        "SENTRY_DSN": PLANTED["SENTRY_DSN"],  # Kubernetes takes it from a Secret
        "SESSION_SEED": PLANTED["SESSION_SEED"],  # a secret because cutover.yaml says so
        "MISSING_TOKEN": PLANTED["POSTGRES_PASSWORD"],  # missing in Kubernetes: block + fix
    }
    redis_password = PLANTED["REDIS_PASSWORD"]
    proj = project(
        service(
            "api",
            environment=api_env,
            healthcheck=Healthcheck(test=("CMD-SHELL", f"check --pw {PLANTED['SESSION_SEED']}")),
        ),
        service(
            "redis",
            environment={"REDIS_PASSWORD": redis_password},
            command=("redis-server", "--requirepass", redis_password),
        ),
        service("db"),
    )
    api = container(
        "api",
        env={
            "POSTGRES_PASSWORD": from_secret("shop-secrets", "postgres-password"),
            "OPENAI_API_KEY": lit("sk-other-value-in-manifest"),
            "DATABASE_URL": lit(f"postgresql://shop:{PLANTED['MANIFEST_PASSWORD']}@db:5432/app"),
            "SENTRY_DSN": from_secret("shop-secrets", "sentry-dsn"),
            "SESSION_SEED": lit("different-seed"),
            "ADMIN_PASSWORD": lit(PLANTED["MANIFEST_PASSWORD"]),
        },
        liveness=Probe("exec", f"check --pw {PLANTED['SESSION_SEED']}"),
    )
    redis = container("redis", command=("redis-server",), args=("--requirepass", "$(PW)"))
    tgt = target(
        workload("api", api),
        workload("redis", redis, kind="StatefulSet"),
        workload("db", kind="StatefulSet"),
        services=(kube_service("db", "db", 5432),),
    )
    result = plan(proj, tgt, config(secrets={"keys": {"SESSION_SEED": "session-seed"}}))
    everything = repr(result) + json.dumps(plan_json(result))
    for name, value in PLANTED.items():
        assert value not in everything, name
    assert "planted-sentry-0c0c" not in everything
    assert "sk-other-value-in-manifest" not in everything
    api_rows = rows(result, "api")
    assert api_rows["env:SENTRY_DSN"].compose == MASK
    assert api_rows["env:SESSION_SEED"].compose == MASK
    assert api_rows["env:DATABASE_URL"].compose == f"postgresql://shop:{MASK}@db:5432/app"
    assert api_rows["env:POSTGRES_PASSWORD"].kubernetes == (
        "from Secret shop-secrets/postgres-password"
    )
    assert MASK in rows(result, "redis")["command"].compose


def test_a_short_or_public_secret_does_not_blank_the_plan_out() -> None:
    # POSTGRES_PASSWORD=postgres (a common default) must not mask the service's name everywhere.
    result = plan(
        project(service("postgres", environment={"POSTGRES_PASSWORD": "postgres"})),
        target(workload("postgres", kind="StatefulSet")),
        config(),
    )
    postgres = rows(result, "postgres")
    assert postgres["match"].compose == "postgres"
    assert postgres["env:POSTGRES_PASSWORD"].compose == MASK
    assert NAMESPACE == "shop"


def test_config_map_key_ref_values_are_compared_when_known() -> None:
    ref = EnvValue(config_map=("cfg", "DB_USER"))
    same = diff(
        service("db", environment={"DB_USER": "shop"}),
        workload("db", container("db", env={"DB_USER": ref})),
        config_maps={"cfg": ("DB_USER",)},
        config_map_values={"cfg": {"DB_USER": "shop"}},
    )
    other = diff(
        service("db", environment={"DB_USER": "shop"}),
        workload("db", container("db", env={"DB_USER": ref})),
        config_maps={"cfg": ("DB_USER",)},
        config_map_values={"cfg": {"DB_USER": "admin"}},
    )
    missing_key = diff(
        service("db", environment={"DB_USER": "shop"}),
        workload("db", container("db", env={"DB_USER": ref})),
        config_maps={"cfg": ("OTHER",)},
    )
    assert same["env:DB_USER"].finding.severity is OK
    assert same["env:DB_USER"].kubernetes == "from ConfigMap cfg/DB_USER"
    assert other["env:DB_USER"].finding.severity is WARN
    assert missing_key["env:DB_USER"].finding.severity is BLOCK


# --- the namespace of in-cluster names, known or not ------------------------------------------


def _cache_url(
    value: str, namespace_known: bool, sources: tuple[str, ...] = ("manifests",)
) -> Finding:
    """The env row of REDIS_URL (Compose `redis://cache:6379/1`) against `value`."""
    import dataclasses

    compose = "redis://user@cache:6379/1" if "@" in value else "redis://cache:6379/1"
    proj = project(service("api", environment={"REDIS_URL": compose}), service("cache"))
    tgt = target(
        workload("api", container("api", env={"REDIS_URL": lit(value)})),
        workload("cache", kind="StatefulSet", component="cache"),
        services=(kube_service("cache", "cache", 6379),),
        sources=sources,
    )
    cfg = config() if namespace_known else dataclasses.replace(config(), namespace=None)
    return rows(plan(proj, tgt, cfg), "api")["env:REDIS_URL"].finding


@pytest.mark.parametrize(
    "value",
    [
        "redis://cache.prod.svc.cluster.local:6379/1",
        "redis://cache.prod.svc:6379/1",
        "redis://cache.prod:6379/1",
        "redis://user@cache.prod.svc:6379/1",
    ],
)
def test_with_no_namespace_known_any_namespace_of_the_service_is_assumed(value: str) -> None:
    finding = _cache_url(value, namespace_known=False)
    assert finding.severity is OK, finding.message
    assert "namespace prod (from cache.prod" in finding.message
    assert "pass -n NAMESPACE" in finding.message


@pytest.mark.parametrize(
    "value",
    ["redis://cache.prod.svc.cluster.local:6379/1", "redis://cache.prod:6379/1"],
)
def test_with_the_namespace_known_another_namespace_is_still_a_difference(value: str) -> None:
    finding = _cache_url(value, namespace_known=True)
    assert finding.severity is WARN
    assert "is in namespace prod, not shop (the target's)" in finding.message
    # Read from the cluster, the namespace is the context's: known too.
    live = _cache_url(value, namespace_known=False, sources=("cluster",))
    assert live.severity is WARN


def test_the_target_namespace_itself_is_equivalent_and_assumes_nothing() -> None:
    finding = _cache_url("redis://cache.shop.svc.cluster.local:6379/1", namespace_known=True)
    assert finding.severity is OK and "assumed" not in finding.message


def test_with_no_namespace_known_a_domain_or_another_host_stays_a_difference() -> None:
    # `cache.io` is not the cache Service in namespace `io` (the short form needs a Service of
    # that name); another service name or port is a difference whatever the namespace.
    assert _cache_url("redis://cache.io.example:6379/1", namespace_known=False).severity is WARN
    assert _cache_url("redis://other.prod.svc:6379/1", namespace_known=False).severity is WARN
    assert _cache_url("redis://cache.prod.svc:6380/1", namespace_known=False).severity is WARN


# --- a ConfigMap or key the container needs and the target lacks --------------------------------


def _from_missing_config_map(
    optional: bool = False, env: dict[str, EnvValue] | None = None, **fields: Any
) -> dict[str, DiffRow]:
    refs = (("ConfigMap", "ads-settings"),)
    api = container("api", env_from=refs, optional_env_from=refs if optional else (), env=env or {})
    return diff(
        service("api", environment={"REGION": "eu", "BID_TIMEOUT_MS": "80"}),
        workload("api", api),
        **fields,
    )


def test_an_env_from_config_map_missing_from_the_target_blocks_every_variable_it_hides() -> None:
    found = _from_missing_config_map()
    for name in ("REGION", "BID_TIMEOUT_MS"):
        row = found[f"env:{name}"]
        assert row.finding.severity is BLOCK
        assert "ConfigMap ads-settings" in row.finding.message
        assert "CreateContainerConfigError" in row.finding.message
        assert "optional: true" in row.finding.fix
    assert "envFrom:ads-settings" not in found  # named in the variables' rows already


def test_a_missing_env_from_config_map_blocks_even_when_every_variable_is_set() -> None:
    env = {"REGION": lit("eu"), "BID_TIMEOUT_MS": lit("80")}
    row = _from_missing_config_map(env=env)["envFrom:ads-settings"]
    assert row.finding.severity is BLOCK
    assert "cannot start" in row.finding.message


@pytest.mark.parametrize(
    "fields",
    [
        {"optional": True},  # the pod starts without it
        {"selector": "app=ads"},  # a selector chose what was read: it may exist unlabelled
        {"unreadable": ("ConfigMap",)},  # ConfigMaps could not be listed
    ],
)
def test_a_missing_config_map_only_warns_when_it_is_optional_or_may_exist_unread(
    fields: dict[str, Any],
) -> None:
    found = _from_missing_config_map(**fields)
    assert found["env:REGION"].finding.severity is WARN
    assert "envFrom:ads-settings" not in found


@pytest.mark.parametrize(("optional", "severity"), [(False, BLOCK), (True, WARN)])
def test_a_config_map_key_ref_to_a_missing_config_map(optional: bool, severity: Severity) -> None:
    ref = EnvValue(config_map=("cfg", "DB_USER"), optional=optional)
    row = diff(
        service("db", environment={"DB_USER": "shop"}),
        workload("db", container("db", env={"DB_USER": ref})),
    )["env:DB_USER"]
    assert row.finding.severity is severity
    assert "ConfigMap cfg is not in the target" in row.finding.message


def test_an_optional_key_ref_to_a_missing_key_leaves_the_variable_unset() -> None:
    ref = EnvValue(secret=("db", "password"), optional=True)
    row = diff(
        service("db", environment={"DB_PASSWORD_FILE": "/run/secrets/x"}),
        workload("db", container("db", env={"DB_PASSWORD_FILE": ref})),
        secrets={"db": ("user",)},
    )["env:DB_PASSWORD_FILE"]
    assert row.finding.severity is WARN and "optional" in row.finding.message


def test_optional_env_from_and_key_refs_are_read_from_manifests() -> None:
    spec = parse_container(
        {
            "name": "api",
            "envFrom": [
                {"configMapRef": {"name": "a", "optional": True}},
                {"secretRef": {"name": "b"}},
            ],
            "env": [
                {
                    "name": "X",
                    "valueFrom": {"configMapKeyRef": {"name": "c", "key": "x", "optional": True}},
                }
            ],
        }
    )
    assert spec.env_from == (("ConfigMap", "a"), ("Secret", "b"))
    assert spec.optional_env_from == (("ConfigMap", "a"),)
    assert spec.env["X"] == EnvValue(config_map=("c", "x"), optional=True)
