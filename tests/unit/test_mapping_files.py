"""Compose secrets and configs (files in the container) against Secret/ConfigMap volumes, and
`*_FILE` variables that point at files nothing mounts (wizard/mapping/diff_files.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.support.mapping_builders import PROJECT, config, container, diff, project, service
from tests.support.mapping_builders import workload as _workload
from wizard.checks import Severity
from wizard.compose import load_project
from wizard.compose.model import ComposeProject, FileGrant, Mount, ProjectFile
from wizard.config import CutoverConfig
from wizard.mapping.diff import plan
from wizard.mapping.model import DiffRow
from wizard.target.model import (
    ContainerSpec,
    EnvValue,
    PodVolume,
    TargetState,
    VolumeMountSpec,
    VolumeSource,
)

OK, INFO, WARN, BLOCK = Severity.OK, Severity.INFO, Severity.WARN, Severity.BLOCK

DB_PASSWORD = FileGrant("db-password", "/run/secrets/db-password")
READS_IT = {"MYSQL_ROOT_PASSWORD_FILE": "/run/secrets/db-password"}
PASSWORD_FILE = "/srv/shop/secrets/db_password.txt"


def mysql(*grants: FileGrant, configs: tuple[FileGrant, ...] = (), **fields: Any) -> ComposeProject:
    fields.setdefault("environment", dict(READS_IT))
    svc = service("db", secrets=grants or (DB_PASSWORD,), configs=configs, **fields)
    base = project(svc)
    return dataclasses.replace(
        base,
        secrets={
            "db-password": ProjectFile("db-password", "shop_db-password", "file", PASSWORD_FILE),
            "api-token": ProjectFile(
                "api-token", "shop_api-token", "environment", environment="API_TOKEN"
            ),
        },
        configs={"nginx-conf": ProjectFile("nginx-conf", "shop_nginx-conf", "content")},
    )


def secret_volume(
    name: str = "creds", secret: str = "db-creds", items: tuple[tuple[str, str], ...] = ()
) -> PodVolume:
    return PodVolume(name, "secret", secret, sources=(VolumeSource("Secret", secret, items),))


def db_container(*mounts: VolumeMountSpec, **env: EnvValue) -> ContainerSpec:
    return container("db", mounts=mounts, env=env)


def rows_of(
    compose: ComposeProject,
    box: ContainerSpec,
    volumes: tuple[PodVolume, ...] = (),
    **target_fields: Any,
) -> dict[str, DiffRow]:
    workload = _workload("db", box, volumes=volumes, **target_fields.pop("workload", {}))
    return diff(compose, workload, **target_fields)


def severity(rows: dict[str, DiffRow], field: str = "secrets:db-password") -> Severity:
    return rows[field].finding.severity


# --- the example of the issue, and its fix -------------------------------------------------------


def test_a_secret_file_nothing_mounts_blocks_with_the_volume_and_mount_to_add() -> None:
    rows = rows_of(mysql(), db_container())
    found = rows["secrets:db-password"].finding
    assert found.severity is BLOCK
    assert "/run/secrets/db-password" in found.message
    assert "MYSQL_ROOT_PASSWORD_FILE" in found.message
    # The fix: the Secret made from the Compose file (its path, never its content), the pod
    # volume, the mount with subPath, and the step to re-run.
    assert f"--from-file=db-password={PASSWORD_FILE}" in found.fix
    assert "kubectl create secret generic shop-db-password -n shop" in found.fix
    assert "secret: {secretName: shop-db-password}" in found.fix
    assert "mountPath: /run/secrets/db-password, subPath: db-password" in found.fix
    assert "run the Mapping diff step (4) again" in found.fix


def test_the_plan_is_not_ready_when_a_secret_file_is_missing() -> None:
    compose = mysql()
    workload = _workload("db", db_container())
    result = plan(compose, TargetState(namespace="shop", workloads=(workload,)), config())
    assert result.services[0].severity is BLOCK


def test_an_environment_secret_says_which_variable_holds_it_not_its_value() -> None:
    grant = FileGrant("api-token", "/run/secrets/api-token")
    rows = rows_of(mysql(grant, environment={}), db_container())
    found = rows["secrets:api-token"].finding
    assert found.severity is BLOCK
    assert '--from-literal=api-token="$API_TOKEN"' in found.fix


def test_a_config_with_inline_content_is_created_from_that_content() -> None:
    conf = FileGrant("nginx-conf", "/etc/nginx/nginx.conf")
    rows = rows_of(
        mysql(configs=(conf,)),
        db_container(VolumeMountSpec("creds", "/run/secrets")),
        (secret_volume(),),
        secrets={"db-creds": ("db-password",)},
    )
    found = rows["configs:nginx-conf"].finding
    assert found.severity is BLOCK
    assert "kubectl create configmap shop-nginx-conf -n shop" in found.fix
    assert "content of configs.nginx-conf" in found.fix
    assert "configMap: {name: shop-nginx-conf}" in found.fix


# --- mounted: every way a file can land at the path ----------------------------------------------


@pytest.mark.parametrize(
    ("mount", "volume", "keys", "expected"),
    [
        # the Secret on the folder, the key as the file's name
        (VolumeMountSpec("creds", "/run/secrets"), secret_volume(), ("db-password",), OK),
        (VolumeMountSpec("creds", "/run/secrets/"), secret_volume(), ("db-password",), OK),
        # ... but the Secret has no such key
        (VolumeMountSpec("creds", "/run/secrets"), secret_volume(), ("password",), BLOCK),
        # an item puts key `password` at the file's name
        (
            VolumeMountSpec("creds", "/run/secrets"),
            secret_volume(items=(("password", "db-password"),)),
            ("password",),
            OK,
        ),
        # items that list other files only
        (
            VolumeMountSpec("creds", "/run/secrets"),
            secret_volume(items=(("password", "pw"),)),
            ("password",),
            BLOCK,
        ),
        # the file itself, with subPath
        (
            VolumeMountSpec("creds", "/run/secrets/db-password", sub_path="password"),
            secret_volume(),
            ("password",),
            OK,
        ),
        # the whole volume at the file's path: a folder
        (
            VolumeMountSpec("creds", "/run/secrets/db-password"),
            secret_volume(),
            ("db-password",),
            BLOCK,
        ),
        # a folder above, mounted with subPath into the volume
        (
            VolumeMountSpec("creds", "/run", sub_path="x"),
            secret_volume(items=(("password", "x/secrets/db-password"),)),
            ("password",),
            OK,
        ),
        # a projected volume with the Secret among its sources
        (
            VolumeMountSpec("all", "/run/secrets"),
            PodVolume(
                "all",
                "other",
                "projected",
                sources=(
                    VolumeSource("ConfigMap", "settings", (("app.ini", "app.ini"),)),
                    VolumeSource("Secret", "db-creds", (("pw", "db-password"),)),
                ),
            ),
            ("pw",),
            OK,
        ),
        # an empty folder nothing fills
        (VolumeMountSpec("tmp", "/run/secrets"), PodVolume("tmp", "emptyDir"), (), BLOCK),
        # a claim: cutover cannot see its files
        (
            VolumeMountSpec("data", "/run/secrets"),
            PodVolume("data", "persistentVolumeClaim", "data"),
            (),
            WARN,
        ),
    ],
)
def test_where_the_file_comes_from(
    mount: VolumeMountSpec, volume: PodVolume, keys: tuple[str, ...], expected: Severity
) -> None:
    rows = rows_of(mysql(), db_container(mount), (volume,), secrets={"db-creds": keys})
    assert severity(rows) is expected, rows["secrets:db-password"].finding.message


def test_the_most_specific_mount_wins() -> None:
    box = db_container(
        VolumeMountSpec("tmp", "/run"),
        VolumeMountSpec("creds", "/run/secrets"),
    )
    volumes = (PodVolume("tmp", "emptyDir"), secret_volume())
    rows = rows_of(mysql(), box, volumes, secrets={"db-creds": ("db-password",)})
    assert severity(rows) is OK
    assert rows["secrets:db-password"].kubernetes == "Secret db-creds/db-password"


def test_a_mount_of_a_volume_the_pod_does_not_define_blocks() -> None:
    rows = rows_of(mysql(), db_container(VolumeMountSpec("creds", "/run/secrets")))
    assert severity(rows) is BLOCK
    assert "does not define" in rows["secrets:db-password"].finding.message


def test_an_empty_dir_an_init_container_fills_is_left_to_check() -> None:
    init = container("fetch-secrets", mounts=(VolumeMountSpec("tmp", "/out"),))
    rows = rows_of(
        mysql(),
        db_container(VolumeMountSpec("tmp", "/run/secrets")),
        (PodVolume("tmp", "emptyDir"),),
        workload={"init_containers": (init,)},
    )
    assert severity(rows) is WARN


def test_a_secret_not_found_is_said_with_how_to_create_it() -> None:
    # Secrets are often made apart from the manifests: said, not blocked (as the env diff does).
    rows = rows_of(
        mysql(), db_container(VolumeMountSpec("creds", "/run/secrets")), (secret_volume(),)
    )
    found = rows["secrets:db-password"].finding
    assert found.severity is INFO
    assert "did not find Secret db-creds in the manifests" in found.message
    assert (
        f"kubectl create secret generic db-creds -n shop --from-file=db-password={PASSWORD_FILE}"
        in found.fix
    )


def test_a_configmap_not_found_warns() -> None:
    conf = FileGrant("nginx-conf", "/etc/nginx/nginx.conf")
    box = db_container(VolumeMountSpec("conf", "/etc/nginx/nginx.conf", sub_path="nginx-conf"))
    volumes = (PodVolume("conf", "configMap", "web", (VolumeSource("ConfigMap", "web"),)),)
    rows = rows_of(mysql(configs=(conf,), environment={}), box, volumes)
    assert severity(rows, "configs:nginx-conf") is WARN


def test_a_secret_this_identity_may_not_read_is_not_checked() -> None:
    rows = rows_of(
        mysql(),
        db_container(VolumeMountSpec("creds", "/run/secrets")),
        (secret_volume(),),
        secrets_readable=False,
    )
    assert severity(rows) is INFO


def test_a_secret_in_a_configmap_warns_and_a_config_in_a_secret_is_fine() -> None:
    conf = FileGrant("nginx-conf", "/etc/nginx/nginx.conf")
    box = db_container(
        VolumeMountSpec("settings", "/run/secrets/db-password", sub_path="db-password"),
        VolumeMountSpec("creds", "/etc/nginx/nginx.conf", sub_path="nginx.conf"),
    )
    volumes = (
        PodVolume("settings", "configMap", "settings", (VolumeSource("ConfigMap", "settings"),)),
        secret_volume(),
    )
    rows = rows_of(
        mysql(configs=(conf,)),
        box,
        volumes,
        secrets={"db-creds": ("nginx.conf",)},
        config_maps={"settings": ("db-password",)},
    )
    assert severity(rows) is WARN
    assert "anyone who may read ConfigMaps" in rows["secrets:db-password"].finding.message
    assert severity(rows, "configs:nginx-conf") is OK


def test_a_config_without_target_is_at_its_name_under_the_root() -> None:
    conf = FileGrant("nginx-conf", "/nginx-conf")
    box = db_container(VolumeMountSpec("settings", "/nginx-conf", sub_path="nginx-conf"))
    volumes = (PodVolume("settings", "configMap", "web", (VolumeSource("ConfigMap", "web"),)),)
    rows = rows_of(
        mysql(configs=(conf,), environment={}),
        box,
        volumes,
        config_maps={"web": ("nginx-conf",)},
        secrets={"db-creds": ()},
    )
    assert severity(rows, "configs:nginx-conf") is OK


def test_the_same_secret_at_two_paths_is_two_rows() -> None:
    grants = (DB_PASSWORD, FileGrant("db-password", "/etc/mysql/password"))
    rows = rows_of(mysql(*grants), db_container())
    assert {
        "secrets:db-password /run/secrets/db-password",
        "secrets:db-password /etc/mysql/password",
    } <= set(rows)


# --- the value from the environment instead ------------------------------------------------------


def test_the_value_from_a_secret_in_the_environment_is_a_faithful_conversion() -> None:
    box = db_container(MYSQL_ROOT_PASSWORD=EnvValue(secret=("db-creds", "root-password")))
    rows = rows_of(mysql(), box)
    assert severity(rows) is OK
    assert (
        "MYSQL_ROOT_PASSWORD from Secret db-creds/root-password"
        in rows["secrets:db-password"].kubernetes
    )


def test_the_value_in_plain_text_in_the_manifest_warns() -> None:
    box = db_container(MYSQL_ROOT_PASSWORD=EnvValue(value="not-shown"))
    rows = rows_of(mysql(), box)
    assert severity(rows) is WARN
    assert "not-shown" not in repr(rows["secrets:db-password"])


def test_the_file_variable_still_set_needs_the_file() -> None:
    box = db_container(
        MYSQL_ROOT_PASSWORD=EnvValue(secret=("db-creds", "root-password")),
        MYSQL_ROOT_PASSWORD_FILE=EnvValue(value="/run/secrets/db-password"),
    )
    assert severity(rows_of(mysql(), box)) is BLOCK


def test_a_secret_no_variable_points_at_needs_the_file() -> None:
    # The program reads /run/secrets/db-password by convention: no variable to replace it.
    box = db_container(MYSQL_ROOT_PASSWORD=EnvValue(secret=("db-creds", "root-password")))
    assert severity(rows_of(mysql(environment={}), box)) is BLOCK


# --- *_FILE variables of the Kubernetes container ------------------------------------------------


@pytest.mark.parametrize(
    ("compose_env", "compose_mounts", "kube_value", "expected"),
    [
        # a password file nothing mounts, set only in Kubernetes
        ({}, (), "/run/secrets/pg", BLOCK),
        # Compose mounts a folder of secrets there; Kubernetes does not
        (
            {"POSTGRES_PASSWORD_FILE": "/run/secrets/pg"},
            (Mount("bind", "/srv/shop/secrets", "/run/secrets", True),),
            "/run/secrets/pg",
            BLOCK,
        ),
        # the same unmounted path on both sides: in the image, the same after the cutover
        ({"POSTGRES_PASSWORD_FILE": "/etc/pg/pw"}, (), "/etc/pg/pw", None),
        # a relative path or a reference: not a path cutover can check
        ({}, (), "$(PW_PATH)", None),
    ],
)
def test_password_file_variables(
    compose_env: dict[str, str],
    compose_mounts: tuple[Mount, ...],
    kube_value: str,
    expected: Severity | None,
) -> None:
    compose = project(service("db", environment=compose_env, mounts=compose_mounts))
    box = db_container(POSTGRES_PASSWORD_FILE=EnvValue(value=kube_value))
    rows = rows_of(compose, box)
    found = rows.get("files:POSTGRES_PASSWORD_FILE")
    assert (found.finding.severity if found else None) is expected
    if found is not None:
        assert "volumeMount at" in found.finding.fix


def test_a_file_variable_under_a_mounted_folder_is_fine() -> None:
    compose = project(service("db"))
    box = db_container(
        VolumeMountSpec("creds", "/run/secrets"),
        POSTGRES_PASSWORD_FILE=EnvValue(value="/run/secrets/pg"),
    )
    assert "files:POSTGRES_PASSWORD_FILE" not in rows_of(compose, box, (secret_volume(),))


def test_a_log_file_only_kubernetes_sets_warns_only() -> None:
    compose = project(service("db"))
    box = db_container(LOG_FILE=EnvValue(value="/var/log/app.log"))
    assert severity(rows_of(compose, box), "files:LOG_FILE") is WARN


# --- no secret value anywhere ---------------------------------------------------------------------


def test_no_secret_content_reaches_the_model_or_the_plan(tmp_path: Path) -> None:
    (tmp_path / "pw.txt").write_text("correct-horse-battery-staple\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  db:\n"
        "    image: mysql:8.4\n"
        "    environment: {MYSQL_ROOT_PASSWORD_FILE: /run/secrets/db-password}\n"
        "    secrets: [db-password, api-token]\n"
        "    configs: [motd]\n"
        "secrets:\n"
        "  db-password: {file: ./pw.txt}\n"
        "  api-token: {environment: API_TOKEN}\n"
        "configs:\n"
        "  motd: {content: 'token ${API_TOKEN}'}\n"
    )
    cfg = CutoverConfig(
        compose_files=(tmp_path / "compose.yaml",), project_dir=tmp_path, project_name=PROJECT
    )
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path), "API_TOKEN": "tok-9f8e7d6c5b4a"}
    loaded = load_project(cfg, None, environ=env)
    assert "correct-horse" not in repr(loaded)
    assert "tok-9f8e7d6c5b4a" not in repr(loaded)
    assert loaded.secrets["api-token"].environment == "API_TOKEN"
    result = plan(
        loaded,
        TargetState(namespace="shop", workloads=(_workload("db", db_container()),)),
        config(),
    )
    text = repr(result)
    assert "correct-horse" not in text and "tok-9f8e7d6c5b4a" not in text
    assert result.services[0].severity is BLOCK


# --- from manifests: items and projected sources are read ------------------------------------------

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: registry.example.com/db:1.0.0
          env:
            - {name: MYSQL_ROOT_PASSWORD_FILE, value: /run/secrets/db-password}
          volumeMounts:
            - {name: all, mountPath: /run/secrets, readOnly: true}
            - {name: conf, mountPath: /etc/mysql/conf.d/my.cnf, subPath: my.cnf}
      volumes:
        - name: all
          projected:
            sources:
              - secret:
                  name: db-creds
                  items: [{key: root-password, path: db-password}]
              - serviceAccountToken: {path: token}
        - name: conf
          configMap: {name: db-conf}
---
apiVersion: v1
kind: Secret
metadata: {name: db-creds, namespace: shop}
data: {root-password: bm90LXNob3du}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: db-conf, namespace: shop}
data: {my.cnf: "[mysqld]"}
"""


def test_projected_items_and_subpaths_from_manifests(tmp_path: Path) -> None:
    from wizard.target.manifests import load_manifests

    (tmp_path / "db.yaml").write_text(MANIFESTS)
    target = load_manifests(tmp_path, "shop")
    volumes = {v.name: v for v in target.workloads[0].volumes}
    assert volumes["all"].sources == (
        VolumeSource("Secret", "db-creds", (("root-password", "db-password"),)),
    )
    assert volumes["conf"].sources == (VolumeSource("ConfigMap", "db-conf"),)
    conf = FileGrant("my-cnf", "/etc/mysql/conf.d/my.cnf")
    result = plan(mysql(configs=(conf,)), target, config())
    rows = {r.field: r for r in result.services[0].rows}
    assert rows["secrets:db-password"].finding.severity is OK
    assert rows["secrets:db-password"].kubernetes == "Secret db-creds/root-password"
    # The ConfigMap has no key my-cnf: subPath my.cnf is the key that lands there.
    assert rows["configs:my-cnf"].finding.severity is OK
    assert "files:MYSQL_ROOT_PASSWORD_FILE" not in rows
    assert "bm90LXNob3du" not in repr(result) and "not-shown" not in repr(result)


@pytest.mark.parametrize(
    ("compose_mode", "source", "expected"),
    [
        (None, VolumeSource("Secret", "db-creds"), OK),  # Compose sets none: not compared
        (0o400, VolumeSource("Secret", "db-creds"), WARN),  # the API server's 0644
        (0o400, VolumeSource("Secret", "db-creds", default_mode=0o400), OK),
        (
            0o400,
            VolumeSource(
                "Secret",
                "db-creds",
                (("db-password", "db-password"),),
                (("db-password", 0o400),),
                0o644,
            ),
            OK,
        ),
        (0o440, VolumeSource("Secret", "db-creds", default_mode=0o400), WARN),
    ],
)
def test_a_mode_compose_sets_is_compared(
    compose_mode: int | None, source: VolumeSource, expected: Severity
) -> None:
    grant = FileGrant("db-password", "/run/secrets/db-password", mode=compose_mode)
    volume = PodVolume("creds", "secret", "db-creds", (source,))
    rows = rows_of(
        mysql(grant),
        db_container(VolumeMountSpec("creds", "/run/secrets")),
        (volume,),
        secrets={"db-creds": ("db-password",)},
    )
    assert severity(rows) is expected
    if expected is WARN:
        assert "0400" in rows["secrets:db-password"].finding.fix or "0440" in (
            rows["secrets:db-password"].finding.fix
        )


def test_modes_are_read_from_manifests(tmp_path: Path) -> None:
    from wizard.target.manifests import load_manifests

    text = MANIFESTS.replace(
        "          projected:\n",
        "          projected:\n            defaultMode: 0400\n",
    ).replace("configMap: {name: db-conf}", "configMap: {name: db-conf, defaultMode: 420}")
    (tmp_path / "db.yaml").write_text(text)
    volumes = {v.name: v for v in load_manifests(tmp_path, "shop").workloads[0].volumes}
    assert volumes["all"].sources[0].mode_of("db-password") == 0o400
    assert volumes["conf"].sources[0].mode_of("my.cnf") == 0o644


@pytest.mark.parametrize(("keys", "expected"), [(("root",), OK), (("other",), BLOCK)])
def test_a_file_kubernetes_moves_and_points_the_variable_at_is_followed(
    keys: tuple[str, ...], expected: Severity
) -> None:
    box = db_container(
        VolumeMountSpec("creds", "/etc/mysql-secret"),
        MYSQL_ROOT_PASSWORD_FILE=EnvValue(value="/etc/mysql-secret/root"),
    )
    rows = rows_of(mysql(), box, (secret_volume(),), secrets={"db-creds": keys})
    found = rows["secrets:db-password"].finding
    assert found.severity is expected
    assert "MYSQL_ROOT_PASSWORD_FILE=/etc/mysql-secret/root" in found.message
    assert "files:MYSQL_ROOT_PASSWORD_FILE" not in rows


def test_a_variable_pointed_at_a_path_nothing_mounts_still_blocks() -> None:
    box = db_container(MYSQL_ROOT_PASSWORD_FILE=EnvValue(value="/etc/mysql-secret/root"))
    rows = rows_of(mysql(), box)
    assert severity(rows) is BLOCK
    assert severity(rows, "files:MYSQL_ROOT_PASSWORD_FILE") is BLOCK


@pytest.mark.parametrize(
    ("secrets", "expected"),
    [
        ({"db-creds": ("MYSQL_ROOT_PASSWORD",)}, OK),  # the Secret's keys have it
        ({}, INFO),  # the Secret was not read: perhaps
        ({"db-creds": ("OTHER",)}, BLOCK),  # read, and it does not have it
    ],
)
def test_the_value_from_a_whole_secret_in_the_environment(
    secrets: dict[str, tuple[str, ...]], expected: Severity
) -> None:
    box = dataclasses.replace(db_container(), env_from=(("Secret", "db-creds"),))
    assert severity(rows_of(mysql(), box, secrets=secrets)) is expected
