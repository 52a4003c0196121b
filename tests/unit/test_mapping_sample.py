"""The mapping diff over the bundled sample (assets/demo), through the real loaders, offline."""

from __future__ import annotations

import json

import pytest

from wizard.checks import Severity
from wizard.compose import load_project
from wizard.config import Flags, resolve_config
from wizard.mapping.diff import plan
from wizard.mapping.model import DiffRow, Plan
from wizard.plan_report import plan_json
from wizard.secrets.detect import MASK
from wizard.target.manifests import load_manifests


@pytest.fixture(scope="module")
def sample() -> Plan:
    config = resolve_config(Flags(demo=True))
    assert config.manifests_dir is not None and config.namespace is not None
    project = load_project(config, compose_bin=None, environ={})
    target = load_manifests(config.manifests_dir, config.namespace, config.selector)
    return plan(project, target, config)


def _rows(result: Plan, service: str) -> dict[str, DiffRow]:
    return {r.field: r for r in next(s for s in result.services if s.service == service).rows}


def test_every_sample_service_finds_its_workload(sample: Plan) -> None:
    targets = {s.service: s.target.name if s.target else None for s in sample.services}
    assert targets == {
        "frontend": "email-rag-frontend",
        "backend": "email-rag-backend",
        "celery": "email-rag-celery",
        "postgres": "postgres",
        "redis": "redis",
        "rabbitmq": "rabbitmq",
    }
    assert not [f for f in sample.extra if f.blocks]
    assert sample.sources == ("built-in", "manifests")


def test_sample_secrets_never_appear(sample: Plan) -> None:
    everything = repr(sample) + json.dumps(plan_json(sample))
    for value in (
        "change-me-postgres-password",
        "change-me-rabbitmq-password",
        "change-me-openai-api-key",
        "change-me-secret-key",
    ):
        assert value not in everything
    backend = _rows(sample, "backend")
    assert backend["env:DATABASE_URL"].compose == (
        f"postgresql+asyncpg://pstrag:{MASK}@postgres:5432/pstrag_db"
    )
    assert backend["env:DATABASE_URL"].kubernetes.startswith(
        "postgresql+asyncpg://$(POSTGRES_USER):$(POSTGRES_PASSWORD)@postgres"
    )
    assert (
        backend["env:OPENAI_API_KEY"].kubernetes == "from Secret email-rag-secrets/openai-api-key"
    )


def test_sample_rows_that_are_right_by_design(sample: Plan) -> None:
    frontend = _rows(sample, "frontend")
    assert frontend["ports:80"].finding.severity is Severity.OK
    assert frontend["ports:443"].finding.severity is Severity.OK  # TLS at the Ingress
    # the nginx config is bind-mounted in Compose and baked into the image in Kubernetes
    nginx = frontend["volumes:/etc/nginx/nginx.conf"]
    assert (
        nginx.finding.severity is Severity.WARN and "baked into the image" in nginx.finding.message
    )
    postgres = _rows(sample, "postgres")
    assert postgres["volumes:postgres_data"].finding.severity is Severity.OK
    assert _rows(sample, "rabbitmq")["ports:15672"].finding.severity is Severity.INFO
    assert _rows(sample, "backend")["replicas"].finding.severity is Severity.INFO  # the HPA


def test_a_claim_two_services_share_is_one_problem_not_two(sample: Plan) -> None:
    # backend and celery both mount the ReadWriteOnce chroma-data: each service's diff says so
    # (an operator reading either one must see it), but the plan counts the problem once.
    for service in ("backend", "celery"):
        assert _rows(sample, service)["volumes:chroma_data"].finding.blocks
    shared = [f for f in sample.findings if "PVC chroma-data requests ReadWriteOnce" in f.message]
    assert len(shared) == 1


def test_the_mapping_step_names_every_service_of_a_shared_problem() -> None:
    from wizard.gateways.factory import demo_gateways
    from wizard.mapping.build import check
    from wizard.steps import Round

    config = resolve_config(Flags(demo=True))
    findings = check(Round(config, demo_gateways(config)))
    shared = [f.check for f in findings if "PVC chroma-data requests ReadWriteOnce" in f.message]
    assert shared == ["backend+celery/volumes:chroma_data"]
    # one problem, one finding: no two of the step's problems say the same thing
    problems = [(f.message, f.fix) for f in findings if f.severity.is_problem]
    assert len(problems) == len(set(problems))
