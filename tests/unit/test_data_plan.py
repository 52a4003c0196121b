"""The Data step's plan over the bundled sample (the demo's gateways): each of the five volumes
paired with its claim and given the method an operator would pick, and why."""

from __future__ import annotations

import pytest

from wizard.compose.loader import load_project
from wizard.compose.model import ComposeService, Mount
from wizard.config import DataOverride, Flags, resolve_config
from wizard.data.files import Target
from wizard.data.plan import FILES, POSTGRES, SKIP, DataRow, choose_method, plan_data
from wizard.data.target import claim_owner, find_target
from wizard.gateways.factory import build_gateways
from wizard.model import Pod
from wizard.storage.volumes import gather_volumes


def sample_plan(**overrides: DataOverride) -> dict[str, DataRow]:
    config = resolve_config(Flags(demo=True, demo_fixed=True))
    project = load_project(config)
    gateways = build_gateways(config)
    report = gather_volumes(
        gateways.cluster(), project, config.volumes, config.services, config.selector
    )
    return {row.volume: row for row in plan_data(project, report, overrides)}


def test_the_samples_five_volumes_each_get_their_method() -> None:
    rows = sample_plan()
    methods = {key: (row.method, row.claim) for key, row in rows.items()}
    assert methods == {
        "postgres_data": (POSTGRES, "data-postgres-0"),
        "redis_data": (FILES, "data-redis-0"),  # --appendonly yes: its files, Redis stopped
        "rabbitmq_data": (SKIP, "data-rabbitmq-0"),
        "upload_data": (FILES, "upload-data"),
        "chroma_data": (FILES, "chroma-data"),
    }
    postgres = rows["postgres_data"]
    assert postgres.source_path == "/var/lib/postgresql/data"
    assert postgres.pods == ("postgres-0",)
    assert "drain" in rows["rabbitmq_data"].why
    # Redis rewrites its files from memory: the target must be stopped for the copy.
    assert rows["redis_data"].stop_target and not rows["upload_data"].stop_target
    config = resolve_config(Flags(demo=True, demo_fixed=True))
    state = build_gateways(config).cluster().read_target(config.selector)
    owner = claim_owner(state, "data-redis-0")
    assert owner is not None and (owner.kind, owner.name) == ("StatefulSet", "redis")
    assert claim_owner(state, "data-redis-x") is None


def test_cutover_yaml_decides_over_the_guess() -> None:
    rows = sample_plan(redis_data=DataOverride(method="skip", reason="sessions only"))
    assert (rows["redis_data"].method, rows["redis_data"].why) == (SKIP, "sessions only")


@pytest.mark.parametrize(
    ("service", "path", "method"),
    [
        (ComposeService("db", image="postgis/postgis:16"), "/var/lib/postgresql/data", POSTGRES),
        # A PostgreSQL service's other volume (init scripts) is plain files.
        (ComposeService("db", image="postgres:15"), "/docker-entrypoint-initdb.d", FILES),
        (
            ComposeService(
                "db",
                image="corp/pg:1",
                environment={"POSTGRES_PASSWORD": None, "PGDATA": "/pg/data"},
            ),
            "/pg",
            POSTGRES,
        ),
        (ComposeService("cache", image="redis:7"), "/data", SKIP),
        (
            ComposeService("cache", image="redis:7", command=("redis-server", "--save", "60", "1")),
            "/data",
            FILES,
        ),
        (ComposeService("mq", image="rabbitmq:3-management"), "/var/lib/rabbitmq", SKIP),
        (ComposeService("app", image="ghcr.io/acme/app@sha256:abc"), "/srv", FILES),
    ],
)
def test_the_method_follows_what_the_service_is(
    service: ComposeService, path: str, method: str
) -> None:
    service = ComposeService(**{**service.__dict__, "mounts": (Mount("volume", "v", path),)})
    assert choose_method("v", [service], path)[0] == method


def test_each_claim_is_reached_through_the_pod_that_mounts_it() -> None:
    """The sample's targets, as the Data step will copy into them: the container and the path
    the application sees (the StatefulSet's through its claim template)."""
    config = resolve_config(Flags(demo=True, demo_fixed=True))
    cluster = build_gateways(config).cluster()
    state = cluster.read_target(config.selector)
    running = [
        Pod(p.name, p.namespace, "Running", p.labels, claims=p.claims)
        for p in cluster.list_pods(config.selector)
    ]
    assert find_target(state, running, "data-postgres-0") == Target(
        "postgres-0", "postgres", "/var/lib/postgresql/data"
    )
    uploads = find_target(state, running, "upload-data")
    assert uploads is not None and uploads.path == "/app/uploads"
    assert uploads.container in ("backend", "celery")
    # Nothing running mounts it: a helper pod will be needed.
    assert find_target(state, [], "upload-data") is None
    assert find_target(state, running, "no-such-claim") is None


def test_cutover_data_lists_the_samples_volumes_read_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`cutover --demo data --json`: the five volumes, each with its method and state, exit 1
    while any must still be copied; the same with --read-only (it only reads)."""
    import json

    from cutover.cli import main

    for extra in ([], ["--read-only"]):
        assert main(["--demo", "data", "--json", *extra]) == 1
        report = json.loads(capsys.readouterr().out)
        methods = {v["volume"]: (v["method"], v["state"]) for v in report["volumes"]}
        assert methods == {
            "postgres_data": ("postgres", "not started"),
            "redis_data": ("files", "not started"),
            "rabbitmq_data": ("skip", "skipped"),
            "upload_data": ("files", "not started"),
            "chroma_data": ("files", "not started"),
        }
        assert not report["ready"]
    assert main(["--demo", "data"]) == 1
    text = capsys.readouterr().out
    assert "BLOCK postgres_data -> data-postgres-0 (postgres)" in text
    # The planted demo's postgres claim is Pending: its fix is the Volumes step, not a copy.
    assert "Bound on the Volumes step (3) first" in text
    assert "`cutover data copy postgres_data`" not in text
    assert "`cutover data copy upload_data`" in text
