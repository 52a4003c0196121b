"""The Data step's *postgres* method on the real services: a Compose PostgreSQL with 100,000 rows
(and 500 of 2,400 random bytes each, stored out of line) dumped in its container straight into a
PostgreSQL pod the real kubelet runs, and verified table by table and sequence by sequence; a
target that holds tables is refused unless replacing is said."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.support.pods import is_ready, running, template, wait_for_pods
from wizard.data.files import Progress, Target
from wizard.data.postgres import TargetNotEmpty, compare, move_database, read_state
from wizard.gateways.dockerhost import connect_compose_host
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster

PASSWORD = "pg-Secret-7a1c-never-shown"
SETTINGS = {"POSTGRES_USER": "mail", "POSTGRES_PASSWORD": PASSWORD, "POSTGRES_DB": "mail"}
SEED = """
create table messages (id serial primary key, subject text, body text, received timestamptz);
insert into messages (subject, body, received)
  select 'subject ' || i, repeat(md5(i::text), 4), now() - i * interval '1 minute'
  from generate_series(1, 100000) i;
create table "Odd Name" (k text primary key, v jsonb);
insert into "Odd Name" values ('a', '{"x": 1}'), ('b', null);
create table attachments (id int primary key, name text, content bytea);
insert into attachments
  select i, 'file ' || i,
    decode((select string_agg(md5(i::text || '/' || j::text), '') from generate_series(1, 150) j),
           'hex')
  from generate_series(1, 500) i;
create sequence invoice_no start 1000;
select nextval('invoice_no'), nextval('invoice_no');
"""


@pytest.fixture
def compose_db(compose_project: Callable[..., Any], postgres_image: str) -> str:
    """A Compose PostgreSQL holding SEED; the name of its container."""
    project = compose_project(
        {
            "services": {
                "db": {
                    "image": postgres_image,
                    "environment": SETTINGS,
                    "volumes": ["pgdata:/var/lib/postgresql/data"],
                    # initdb and the first start take a while on a busy machine: three
                    # failed checks (the default) made the project unhealthy before it ran.
                    "healthcheck": {
                        "test": ["CMD", "pg_isready", "-U", "mail", "-d", "mail"],
                        "interval": "1s",
                        "retries": 90,
                    },
                }
            },
            "volumes": {"pgdata": {}},
        },
        up=False,
    )
    project.compose("up", "-d", "--wait", "--wait-timeout", "120")
    project.compose("exec", "-T", "db", "psql", "-U", "mail", "-d", "mail", "-qc", SEED)
    return f"{project.name}-db-1"


@pytest.fixture
def target_db(admin_api: Any, namespace: str, postgres_image: str) -> Target:
    """A PostgreSQL pod (empty database `mail`), Ready."""
    env = [{"name": k, "value": v} for k, v in SETTINGS.items()]
    probe = {"exec": {"command": ["pg_isready", "-U", "mail", "-d", "mail"]}, "periodSeconds": 1}
    container = running("postgres", image=postgres_image, env=env, readinessProbe=probe)
    del container["command"]
    client.CoreV1Api(admin_api).create_namespaced_pod(
        namespace,
        {"metadata": {"name": "postgres-0", "labels": {"app": "pg"}}, **_spec(container)},
    )
    wait_for_pods(admin_api, namespace, "app=pg", lambda ps: is_ready(ps[0]), timeout=90)
    return Target(pod="postgres-0", container="postgres", path="")


def _spec(container: dict[str, Any]) -> dict[str, Any]:
    return {"spec": template({}, [container])["spec"]}


@pytest.fixture
def admin(admin_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=False)
    yield cluster
    cluster.close()


def test_a_database_moves_and_is_verified_then_a_second_move_is_refused(
    compose_db: str, target_db: Target, admin: KubeCluster, docker_host: str
) -> None:
    host = connect_compose_host(docker_host)
    seen: list[Progress] = []
    result = move_database(host, admin, compose_db, target_db, on_progress=seen.append)

    assert result.verified, result.differences
    assert result.source.tables["public.messages"].rows == 100_000
    assert result.source.tables['public."Odd Name"'].rows == 2
    assert result.source.tables["public.attachments"].rows == 500
    assert result.source.sequences["public.invoice_no"] == 1001
    assert result.source.sequences["public.messages_id_seq"] == 100_000
    assert seen and seen[-1].done == result.dump_bytes
    assert PASSWORD not in repr(result)

    # The target now holds tables: a second move is refused, and nothing changes there.
    with pytest.raises(TargetNotEmpty) as refused:
        move_database(host, admin, compose_db, target_db)
    assert "already has 3 table(s)" in refused.value.message
    assert PASSWORD not in refused.value.message + refused.value.fix

    # A row changed on the target: verification names the table.
    def in_pod(script: str) -> str:
        answer = admin.exec_in(target_db.pod, target_db.container, ["sh", "-c", script])
        assert answer.exit_code == 0, answer.stderr
        return answer.stdout.decode()

    in_pod("""psql -U mail -d mail -qc "update messages set subject = 'x' where id = 77" """)
    differences = compare(result.source, read_state(in_pod))
    assert differences == ["table public.messages: same row count, different rows"]

    # Replacing, said explicitly: the target is restored again and verifies.
    again = move_database(host, admin, compose_db, target_db, replace=True)
    assert again.verified, again.differences
