"""The target as a folder of manifests says it should be: `kubectl apply -f DIR` input.

Every `*.yaml`, `*.yml` and `*.json` file under the folder (recursively, hidden folders skipped),
each possibly holding several documents, as `helm template` prints them (`# Source:` comments,
empty documents). `List` objects (and `kubectl get -o yaml` lists such as `DeploymentList`) are
unwrapped. An object without a namespace belongs to the target's; objects of other namespaces
are not compared, only named (`TargetState.elsewhere`), so the plan can say where they went. Broken YAML or JSON is a ConfigError naming the file, line and column; the
offending text itself is never quoted (it could be a Secret's value).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from wizard.errors import ConfigError, Invalid
from wizard.selector import parse_selector
from wizard.target.model import TargetState
from wizard.target.parse import TargetBuilder

SUFFIXES = (".yaml", ".yml", ".json")
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_manifests(folder: Path, namespace: str, selector: str = "") -> TargetState:
    """The TargetState of the manifests under `folder` (or of the one file `folder`) for
    `namespace`; with `selector`, only objects whose labels match it, as the cluster read."""
    try:
        matches = parse_selector(selector)
    except Invalid as exc:
        raise ConfigError(exc.message, exc.fix) from None
    builder = TargetBuilder(namespace)
    for path in manifest_files(folder):
        for obj in _objects(path):
            meta = obj.get("metadata")
            meta = meta if isinstance(meta, Mapping) else {}
            labels = meta.get("labels")
            labels = labels if isinstance(labels, Mapping) else {}
            if not matches({str(k): str(v) for k, v in labels.items()}):
                continue
            if (theirs := str(meta.get("namespace") or namespace)) != namespace:
                builder.elsewhere(obj, theirs)  # named in the findings, never compared
                continue
            builder.add(obj, origin=str(path))
    return builder.build(sources=("manifests",), selector=selector)


def manifest_files(folder: Path) -> list[Path]:
    """The manifest files under `folder` in path order; ConfigError when there are none."""
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise ConfigError(
            f"Manifests folder {folder} does not exist",
            fix="Give the folder holding the rendered manifests (e.g. the output of "
            "`helm template RELEASE CHART --output-dir DIR`) with --manifests.",
        )
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    if not files:
        raise ConfigError(
            f"No *.yaml, *.yml or *.json files in {folder}",
            fix="Point --manifests at the folder holding the manifests, or render the chart "
            "first: `helm template RELEASE CHART > manifests/all.yaml`.",
        )
    return files


def _objects(path: Path) -> Iterator[Mapping[str, Any]]:
    """Every object in the file, Lists unwrapped; documents that are not mappings are skipped."""
    for doc in _documents(path):
        if isinstance(doc, Mapping):
            yield from _unwrap(doc)


def _unwrap(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    kind = str(doc.get("kind") or "")
    items = doc.get("items")
    if kind.endswith("List") and isinstance(items, list):
        # Items of a typed list (`kubectl get deploy -o json`) may leave out kind and apiVersion.
        item_kind = kind.removesuffix("List")
        for item in items:
            if isinstance(item, Mapping):
                if kind != "List" and not item.get("kind"):
                    item = {"apiVersion": doc.get("apiVersion"), "kind": item_kind, **item}
                yield from _unwrap(item)
        return
    yield doc


def _documents(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(
            f"{path}: cannot be read ({reason})",
            fix="Check that the file exists, is readable, and is UTF-8 text.",
        ) from None
    if path.suffix.lower() == ".json":
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{path}, line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}",
                fix=f"Fix the JSON at line {exc.lineno}, column {exc.colno} of {path}.",
            ) from None
    try:
        return list(yaml.load_all(text, Loader=_LOADER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise ConfigError(
            f"{path}{where}: not valid YAML: {problem}{context}",
            fix=f"Fix the YAML at that place in {path} (indentation, a tab, an unquoted ':' "
            "or '#'?); `kubectl apply --dry-run=client -f FILE` reports the same place.",
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{path}: not valid YAML ({type(exc).__name__})",
            fix=f"Fix the YAML in {path}.",
        ) from None
