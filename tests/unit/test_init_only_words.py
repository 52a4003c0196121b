"""An init-only credential's warning names what it belongs to (issue 15: the RabbitMQ warning
called RabbitMQ "the database")."""

from __future__ import annotations

import pytest

from wizard.secrets.spec import INIT_ONLY, INIT_ONLY_WHY, init_only_service


@pytest.mark.parametrize(
    ("env", "service"),
    [
        ("POSTGRES_PASSWORD", "PostgreSQL"),
        ("RABBITMQ_DEFAULT_PASS", "RabbitMQ"),
        ("MYSQL_ROOT_PASSWORD", "MySQL"),
        ("MONGO_INITDB_ROOT_PASSWORD", "MongoDB"),
        ("SOMETHING_ELSE", "the service"),
    ],
)
def test_the_warning_names_the_service(env: str, service: str) -> None:
    assert init_only_service(env) == service
    text = INIT_ONLY_WHY.format(env=env, service=init_only_service(env))
    assert f"when {service} first initialises" in text


def test_every_init_only_variable_has_a_name_and_none_is_a_database_by_default() -> None:
    for env in INIT_ONLY:
        assert init_only_service(env) != "the service", env
    rabbit = INIT_ONLY_WHY.format(env="RABBITMQ_DEFAULT_PASS", service="RabbitMQ")
    assert "database" not in rabbit
