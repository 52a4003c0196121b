"""Run `cutover plan` over one corpus project, in process, and judge it against `expect.yaml`.

The plan runs through `cutover.cli.main` (argument parsing, config, offline manifests, exit
code: what an operator runs) with the Compose loader chosen by the caller: the built-in one, or
a Compose v2 CLI. Only `load_project` is wrapped, so the loader and its environment are fixed
(PATH and HOME only, plus the case's `env:`): a developer's COMPOSE_PROFILES or a
`docker-compose` on PATH cannot change a result.

A finding is matched by a pattern of up to four keys, all optional, all of which must hold:
`service` (the Compose service, or `other` for the plan's findings about no one service),
`check` (a glob on the row's field, `env:DATABASE_URL`, `volumes:*`, or on the finding's id,
`plan.empty`), `severity` (one, or a list) and `message` (a substring of the message or fix,
case-insensitive). Severity and a check glob are stable across wording changes; the message
substring names the fact the finding must state.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import os
import shutil
import sysconfig
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wizard.compose import ComposeProject
from wizard.config import CutoverConfig

CORPUS = Path(__file__).parent
PROJECTS = sorted(p.name for p in CORPUS.iterdir() if (p / "expect.yaml").is_file())
HOME = "/home/cutover-corpus"
BUILTIN = "built-in"
COMPOSE_CLI = "compose-cli"


@dataclass(frozen=True)
class Row:
    """One finding of the plan, flattened: a service's row or one of the other findings."""

    service: str  # "other" for plan.extra
    check: str
    severity: str
    message: str
    fix: str

    def text(self) -> str:
        return f"{self.service} {self.check} {self.severity}: {self.message} fix: {self.fix}"


@dataclass
class Outcome:
    exit: int
    stdout: str
    stderr: str
    text: str = ""  # the same plan as text
    rows: list[Row] = field(default_factory=list)
    source: str = ""


def compose_cli_bin() -> str | None:
    """A Compose v2 binary, as tests/unit/test_compose_differential.py finds it; None if none."""
    from wizard.compose.composecli import compose_version

    candidates = [
        os.environ.get("CUTOVER_TEST_COMPOSE_BIN", ""),
        str(Path(sysconfig.get_paths()["purelib"]) / "compose" / "docker-compose"),
        shutil.which("docker-compose") or "",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            version = compose_version([candidate])
            if version and version.split(".")[0].isdigit() and int(version.split(".")[0]) >= 2:
                return candidate
    return None


def load_expect(name: str) -> dict[str, Any]:
    expect = yaml.safe_load((CORPUS / name / "expect.yaml").read_text()) or {}
    assert isinstance(expect, dict), f"{name}/expect.yaml: expected a mapping"
    return expect


def stage(name: str, work: Path) -> Path:
    """The project copied into `work`, each `dot.env` named `.env` again (the repository
    tracks no `.env` file: real projects keep secrets in them)."""
    directory = work / name
    shutil.copytree(CORPUS / name, directory)
    for stored in directory.rglob("dot.env"):
        stored.rename(stored.with_name(".env"))
    return directory


def argv(directory: Path, expect: Mapping[str, Any], as_json: bool) -> list[str]:
    words = ["plan"]
    for name in expect.get("files", ["compose.yaml"]):
        words += ["-f", str(directory / name)]
    words += ["-p", str(expect["project"])]
    if expect.get("namespace"):
        words += ["-n", str(expect["namespace"])]
    words += ["--manifests", str(directory / "k8s")]
    words += ["--kubeconfig", str(directory / "no-kubeconfig")]
    words += [str(w) for w in expect.get("args", [])]
    return [*words, "--json"] if as_json else words


def environment(expect: Mapping[str, Any]) -> dict[str, str]:
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": HOME}
    environ.update({k: str(v) for k, v in (expect.get("env") or {}).items()})
    return environ


@contextlib.contextmanager
def _loader(compose_bin: str | None, environ: Mapping[str, str]) -> Iterator[None]:
    """`build_plan` loads with this loader and environment; the project is read once and kept
    for the text run that follows the JSON one (the Compose CLI takes ~0.1 s a call)."""
    from wizard.compose.loader import load_project
    from wizard.mapping import build

    names = vars(build)  # the module's namespace: build_plan looks load_project up there
    original = names["load_project"]
    loaded: list[ComposeProject] = []

    def once(config: CutoverConfig) -> ComposeProject:
        if not loaded:  # the same staged project, the same flags: the same reading
            loaded.append(load_project(config, compose_bin, environ=environ))
        return loaded[0]

    names["load_project"] = once
    try:
        yield
    finally:
        names["load_project"] = original


def run_plan(name: str, work: Path, compose_bin: str | None) -> Outcome:
    """`cutover plan` over the staged project, with the built-in loader when compose_bin is None:
    once with --json (the rows) and once as text (what an operator reads)."""
    from cutover.cli import main

    expect = load_expect(name)
    directory = stage(name, work)
    said: list[tuple[int, str, str]] = []
    with _loader(compose_bin, environment(expect)):
        for as_json in (True, False):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv(directory, expect, as_json))
            said.append((code, out.getvalue(), err.getvalue()))
    (code, printed, errors), (_, text, _) = said
    outcome = Outcome(code, printed, errors, text=text)
    if printed.strip():
        report = json.loads(printed)
        outcome.source = report["sources"][0] if report["sources"] else ""
        outcome.rows = rows_of(report)
    return outcome


def rows_of(report: Mapping[str, Any]) -> list[Row]:
    rows = [
        Row(s["service"], f["field"], f["severity"], f["message"], f["fix"])
        for s in report["services"]
        for f in s["findings"]
    ]
    rows += [
        Row("other", f["field"], f["severity"], f["message"], f["fix"]) for f in report["other"]
    ]
    return rows


def matches(pattern: Mapping[str, Any], row: Row) -> bool:
    if "service" in pattern and pattern["service"] != row.service:
        return False
    if "check" in pattern and not fnmatch.fnmatchcase(row.check, str(pattern["check"])):
        return False
    if "severity" in pattern:
        wanted = pattern["severity"]
        if row.severity not in (wanted if isinstance(wanted, list) else [wanted]):
            return False
    if "message" in pattern:
        said = f"{row.message} {row.fix}".lower()
        if str(pattern["message"]).lower() not in said:
            return False
    return True


def holds(item: Mapping[str, Any], outcome: Outcome) -> bool:
    """Whether one expectation (`must`, `must_not`, `exit`, `stderr`, `never_printed` or
    `printed`: a text the text plan must show whole) holds."""
    if "must" in item:
        return any(matches(item["must"], r) for r in outcome.rows)
    if "must_not" in item:
        return not any(matches(item["must_not"], r) for r in outcome.rows)
    if "exit" in item:
        return outcome.exit == int(item["exit"])
    if "stderr" in item:
        return str(item["stderr"]).lower() in outcome.stderr.lower()
    if "never_printed" in item:
        return str(item["never_printed"]) not in outcome.stdout + outcome.text + outcome.stderr
    if "printed" in item:
        return str(item["printed"]) in outcome.text
    raise AssertionError(f"unknown expectation {item}")


def expectations(expect: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The expectations that hold today, one dict each (the pending ones are apart)."""
    items: list[dict[str, Any]] = []
    if "exit" in expect:
        items.append({"exit": expect["exit"]})
    items += [{"must": m} for m in expect.get("must", [])]
    items += [{"must_not": m} for m in expect.get("must_not", [])]
    items += [{"stderr": s} for s in expect.get("stderr", [])]
    items += [{"never_printed": s} for s in expect.get("never_printed", [])]
    items += [{"printed": s} for s in expect.get("printed", [])]
    return items


def unmet(items: list[dict[str, Any]], outcome: Outcome) -> list[str]:
    return [describe(i) for i in items if not holds(i, outcome)]


def describe(item: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in item.items() if k != "gap"}
    return json.dumps(shown, sort_keys=True)


def problem_rows(outcome: Outcome) -> list[Row]:
    return [r for r in outcome.rows if r.severity in ("warn", "block")]


def explained(row: Row, expect: Mapping[str, Any]) -> bool:
    """A warn/block row a `must` (held or pending) names: a planted defect, found."""
    patterns = list(expect.get("must", []))
    patterns += [p["must"] for p in expect.get("pending", []) if "must" in p]
    return any(matches(p, row) for p in patterns)
