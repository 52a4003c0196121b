"""Preflight logic that needs no service: Compose files, and errors turned into findings."""

from __future__ import annotations

from pathlib import Path

from wizard.checks import Severity, worst
from wizard.config import Flags, resolve_config
from wizard.errors import Unreachable
from wizard.gateways import Gateways
from wizard.preflight import PREFLIGHT_CHECKS, check_compose


def _unbuildable() -> Gateways:
    """Gateways whose builders fail the way a down cluster/daemon does: no gateway is faked."""

    def fail() -> object:
        raise Unreachable("Cannot reach https://10.9.9.9:6443.", "Check the context.")

    return Gateways(fail, fail, fail)  # type: ignore[arg-type]


def test_compose_check_names_the_broken_line(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: [nginx\n")
    config = resolve_config(Flags(), env={}, cwd=tmp_path)
    [finding] = check_compose(config, _unbuildable())
    assert finding.severity is Severity.BLOCK
    # Path, line and column, as the Compose loader says it (one reader for both).
    assert "compose.yaml:4:1: invalid YAML" in finding.message and finding.fix


def test_compose_merge_tags_pass_as_compose_v2_reads_them(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    image: nginx:1\n    ports: !override ['80']\n"
        "    environment: !reset {}\n"
    )
    config = resolve_config(Flags(), env={}, cwd=tmp_path)
    findings = check_compose(config, _unbuildable())
    assert not [f for f in findings if f.blocks], findings


def test_compose_check_wants_services(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("volumes: {}\n")
    config = resolve_config(Flags(), env={}, cwd=tmp_path)
    [finding] = check_compose(config, _unbuildable())
    assert finding.blocks and "no `services:`" in finding.message


def test_compose_check_reports_project_and_env(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    (tmp_path / ".env").write_text("X=1\n")
    config = resolve_config(Flags(project_name="shop"), env={}, cwd=tmp_path)
    findings = check_compose(config, _unbuildable())
    assert worst(findings).rank < Severity.WARN.rank
    assert "'shop'" in findings[0].message and any(f.check == "compose.env" for f in findings)


def test_unreachable_services_become_block_findings_with_their_fix(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    config = resolve_config(Flags(), env={}, cwd=tmp_path)
    by_id = {check.id: check.run(config, _unbuildable()) for check in PREFLIGHT_CHECKS}
    for check_id in ("docker", "cluster", "access", "keyring"):
        [finding] = by_id[check_id]
        assert finding.blocks, check_id
        assert "Cannot reach" in finding.message and finding.fix == "Check the context."
