"""`cutover demo --fixed`: the sample with assets/demo/k8s-fixed applied over k8s/, and the demo
cluster binding claims from the PersistentVolumes it has (the planted demo stays as it was)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.cli import EXIT_USAGE, main
from tests.unit.test_demo import SECRET_VALUES
from wizard.config import CutoverConfig, Flags, demo_dir, resolve_config
from wizard.demo import DemoCluster
from wizard.demo.objects import HAND_MADE_VOLUMES, bind_claims
from wizard.demo.sample import load_manifests, overlay


@pytest.fixture
def planted() -> CutoverConfig:
    return resolve_config(Flags(demo=True))


@pytest.fixture
def fixed() -> CutoverConfig:
    return resolve_config(Flags(demo=True, demo_fixed=True))


def _pv(name: str, size: str, modes: list[str], **spec: Any) -> dict[str, Any]:
    return {
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {"capacity": {"storage": size}, "accessModes": modes, **spec},
    }


def _claim(size: str, modes: list[str], storage_class: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"accessModes": modes, "resources": {"requests": {"storage": size}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    return spec


# --- the overlay --------------------------------------------------------------------------------


def test_overlay_replaces_same_kind_namespace_name_in_place_and_adds_the_rest() -> None:
    base = [
        {"kind": "Deployment", "metadata": {"name": "a", "namespace": "ns"}, "v": 1},
        {"kind": "Service", "metadata": {"name": "a", "namespace": "ns"}, "v": 1},
        {"kind": "Deployment", "metadata": {"name": "a", "namespace": "other"}, "v": 1},
    ]
    fixes = [
        {"kind": "PersistentVolume", "metadata": {"name": "pv"}, "v": 2},
        {"kind": "Deployment", "metadata": {"name": "a", "namespace": "ns"}, "v": 2},
    ]
    merged = overlay(base, fixes)
    assert [(m["kind"], m["metadata"].get("namespace"), m["v"]) for m in merged] == [
        ("Deployment", "ns", 2),
        ("Service", "ns", 1),
        ("Deployment", "other", 1),
        ("PersistentVolume", None, 2),
    ]


def test_k8s_fixed_replaces_three_objects_and_adds_the_postgres_volume() -> None:
    base = load_manifests(demo_dir() / "k8s")
    fixes = load_manifests(demo_dir() / "k8s-fixed")
    merged = overlay(base, fixes)
    assert len(merged) == len(base) + 1
    added = merged[-1]
    assert (added["kind"], added["metadata"]["name"]) == ("PersistentVolume", "nfs-data-postgres-0")
    assert sum(1 for m in merged if m in fixes) == len(fixes)


# --- binding ------------------------------------------------------------------------------------


def test_a_claim_binds_to_the_volume_its_claim_ref_names() -> None:
    claims = [("data-postgres-0", _claim("20Gi", ["ReadWriteOnce"]))]
    ref = {"claimRef": {"namespace": "email-rag", "name": "data-postgres-0"}}
    other_ref = {"claimRef": {"namespace": "elsewhere", "name": "data-postgres-0"}}
    volumes = [
        _pv("big", "100Gi", ["ReadWriteOnce"], **other_ref),  # another namespace's claim
        _pv("mine", "20Gi", ["ReadWriteOnce"], **ref),
    ]
    bound = bind_claims(claims, volumes, "email-rag")
    assert bound["data-postgres-0"]["metadata"]["name"] == "mine"


def test_a_claim_takes_the_smallest_free_volume_that_fits() -> None:
    claims = [
        ("a", _claim("2Gi", ["ReadWriteOnce"])),
        ("b", _claim("5Gi", ["ReadWriteOnce"])),
        ("c", _claim("1Gi", ["ReadWriteMany"])),  # no volume offers the mode
        ("d", _claim("1Gi", ["ReadWriteOnce"], "fast")),  # no volume of the class
        ("e", _claim("50Gi", ["ReadWriteOnce"])),  # none big enough
    ]
    volumes = [
        _pv("five", "5Gi", ["ReadWriteOnce"]),
        _pv("two", "2Gi", ["ReadWriteOnce", "ReadOnlyMany"]),
        _pv("ten", "10Gi", ["ReadWriteOnce"]),
    ]
    bound = bind_claims(claims, volumes, "email-rag")
    assert {k: v["metadata"]["name"] for k, v in bound.items()} == {"a": "two", "b": "five"}


def test_a_volume_reserved_for_another_claim_is_not_taken() -> None:
    claims = [("x", _claim("1Gi", ["ReadWriteOnce"]))]
    volumes = [_pv("held", "1Gi", ["ReadWriteOnce"], claimRef={"name": "y"})]
    assert bind_claims(claims, volumes, "email-rag") == {}


# --- the planted demo, unchanged ----------------------------------------------------------------


def test_planted_demo_postgres_claim_stays_pending(planted: CutoverConfig) -> None:
    cluster = DemoCluster(planted)
    claims = {c.name: c for c in cluster.list_pvcs()}
    assert claims["data-postgres-0"].phase == "Pending"
    assert claims["data-redis-0"].volume_name == "nfs-data-redis-0"
    assert claims["data-rabbitmq-0"].volume_name == "nfs-data-rabbitmq-0"
    assert claims["chroma-data"].access_modes == ("ReadWriteOnce",)
    assert [v["metadata"]["name"] for v in HAND_MADE_VOLUMES] == [
        "nfs-data-redis-0",
        "nfs-data-rabbitmq-0",
    ]
    cluster.create_secret("email-rag-secrets", SECRET_VALUES, {})
    assert cluster.pod_rows("component=postgres")["postgres-0"].status == "Pending"
    reasons = {(e.object_name, e.reason) for e in cluster.list_events()}
    assert ("data-postgres-0", "FailedBinding") in reasons


# --- the fixed demo -----------------------------------------------------------------------------


def test_fixed_config_is_the_demo_with_no_manifests_folder(fixed: CutoverConfig) -> None:
    assert fixed.demo and fixed.demo_fixed
    # The cluster holds k8s/ with k8s-fixed/ over it: no single folder says that, so the diff
    # is made against the cluster alone (else every fix would show as drift from k8s/).
    assert fixed.manifests_dir is None
    assert not resolve_config(Flags(demo=True)).demo_fixed


def test_fixed_demo_binds_every_claim_and_its_pods_start_once_the_secret_is_there(
    fixed: CutoverConfig,
) -> None:
    cluster = DemoCluster(fixed)
    claims = {c.name: c for c in cluster.list_pvcs()}
    assert {c.phase for c in claims.values()} == {"Bound"}
    postgres = claims["data-postgres-0"]
    assert (postgres.volume_name, postgres.capacity) == ("nfs-data-postgres-0", "20Gi")
    chroma = claims["chroma-data"]
    assert (chroma.access_modes, chroma.storage_class) == (("ReadWriteMany",), "nfs")
    assert not [e for e in cluster.list_events() if e.reason == "FailedBinding"]
    assert (
        cluster.pod_rows("component=postgres")["postgres-0"].status == "CreateContainerConfigError"
    )

    cluster.create_secret("email-rag-secrets", SECRET_VALUES, {})
    assert all(w.ready == w.desired for w in cluster.list_workloads())
    assert all(p.healthy for p in cluster.pod_rows().values())
    assert not cluster.list_events()
    # The fixed objects are what the cluster lists.
    target = cluster.read_target("app=email-rag")
    frontend = next(w for w in target.workloads if w.name == "email-rag-frontend")
    assert frontend.containers[0].image.endswith(":v1.0.0")


def test_cli_refuses_fixed_without_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--fixed", "status"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == "cutover: --fixed only applies to the demo: cutover demo --fixed\n"


def test_fixed_demo_plan_has_no_blocker(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "--fixed", "plan", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    found = {
        (s["service"], f["field"], f["severity"])
        for s in report["services"]
        for f in s["findings"]
        if f["severity"] in ("warn", "block")
    }
    # The three planted mistakes are gone; the nginx config is a real warning, and stays.
    assert found == {("frontend", "volumes:/etc/nginx/nginx.conf", "warn")}
