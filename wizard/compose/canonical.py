"""One Compose file, interpolated and rewritten in the long form Compose's JSON uses.

Short syntaxes become the long ones (`"8080:80"` -> `{"target": 80, "published": "8080"}`,
`"./data:/data:ro"` -> `{"type": "bind", "source": "/abs/data", ...}`, `environment` and
`labels` lists -> mappings, a `depends_on` list -> `{svc: {condition: service_started}}`, a
`build` string -> `{"context": ...}`, a healthcheck `test` string -> `["CMD-SHELL", ...]`), so
that files can then be merged the way Compose merges them (`merge.py`). Values are checked here,
where the file is still known, so every error names the file and the key.

Over 400 lines on purpose: one normaliser per Compose key, each short; split by key group they
would share every helper across files.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable
from typing import Any

from wizard.compose.errors import ComposeFileError, MissingVariable, where
from wizard.compose.interpolate import InvalidTemplate, RequiredVariable, substitute
from wizard.compose.mounts import parse_volumes
from wizard.compose.ports import parse_ports
from wizard.compose.units import cpus_text, parse_memory
from wizard.compose.values import (
    FileContext,
    Invalid,
    Lookup,
    as_bool,
    as_int,
    as_text,
    duration_text,
    host_path,
    kind_of,
)
from wizard.compose.yamlfile import MarkedStr, Override, Reset

_DURATION_KEYS = ("interval", "timeout", "start_period", "start_interval")


# --- interpolation ---------------------------------------------------------------------------


def interpolate_tree(value: Any, ctx: FileContext, path: str = "") -> Any:
    """Every string value of the document with its variables substituted (keys are kept)."""
    if isinstance(value, str):
        try:
            return substitute(value, ctx.lookup)
        except RequiredVariable as exc:
            line, column = _mark(value)
            source = ctx.env_file or ctx.project_dir / ".env"
            raise MissingVariable(
                exc.name,
                exc.detail,
                f"{where(ctx.file, line, column)}: error while interpolating {path}: {exc}",
                f"Set {exc.name} in the environment or in {source}.",
                file=ctx.file,
                line=line,
                column=column,
            ) from None
        except InvalidTemplate:
            line, column = _mark(value)
            raise ComposeFileError(
                f"{where(ctx.file, line, column)}: invalid interpolation format for {path}: "
                f"{value!r}",
                "Write variables as ${NAME}, ${NAME:-default}, ...; escape a literal $ as $$.",
                file=ctx.file,
                line=line,
                column=column,
            ) from None
    if isinstance(value, dict):
        return {
            key: interpolate_tree(item, ctx, f"{path}.{key}" if path else str(key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [interpolate_tree(item, ctx, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Reset):
        return Reset(interpolate_tree(value.value, ctx, path))
    if isinstance(value, Override):
        return Override(interpolate_tree(value.value, ctx, path))
    return value


def _mark(value: str) -> tuple[int | None, int | None]:
    if isinstance(value, MarkedStr):
        return value.line, value.column
    return None, None


# --- the file --------------------------------------------------------------------------------

_UNSUPPORTED = {
    "extends": "`extends:`",
    "include": "`include:`",
}


def canonical_file(doc: Any, ctx: FileContext) -> dict[str, Any]:
    """The interpolated, long-form content of one Compose file."""
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ComposeFileError(
            f"{ctx.file}: a Compose file must be a mapping (services:, volumes:, ...), "
            f"found {type(doc).__name__}.",
            "Start the file with `services:`.",
            file=ctx.file,
        )
    doc = interpolate_tree(doc, ctx)
    try:
        return _canonical_doc(doc, ctx)
    except Invalid as exc:
        raise ComposeFileError(
            f"{ctx.file}: {exc.path}: {exc.problem}",
            exc.fix or "Fix that value (see https://docs.docker.com/reference/compose-file/).",
            file=ctx.file,
        ) from None


def _canonical_doc(doc: dict[str, Any], ctx: FileContext) -> dict[str, Any]:
    if "include" in doc:
        raise _unsupported("include", "include")
    out: dict[str, Any] = {}
    for key, value in doc.items():
        key = str(key)
        _refuse_unknown(key, _TOP_KEYS, "")
        if key == "services":
            out[key] = _mapping_of(value, key, lambda n, v: _service(n, v, ctx))
        elif key in ("volumes", "networks"):
            out[key] = _mapping_of(value, key, _resource_of(key))
        elif key in ("secrets", "configs"):
            out[key] = _mapping_of(value, key, _file_source_of(key, ctx))
        else:
            out[key] = value
    return out


# The Compose specification's properties (compose-spec.json): Compose v2 refuses any other key
# ("additional properties 'enviroment' not allowed"), so the built-in loader does too, instead
# of dropping a misspelt key, or a Compose v1 file's services, without a word. `x-*` is free.
_TOP_KEYS = frozenset(
    {
        "version",
        "name",
        "include",
        "services",
        "networks",
        "volumes",
        "secrets",
        "configs",
        "models",
    }
)
SERVICE_PROPERTIES = frozenset(
    [
        "annotations",
        "attach",
        "blkio_config",
        "build",
        "cap_add",
        "cap_drop",
        "cgroup",
        "cgroup_parent",
        "command",
        "configs",
        "container_name",
        "cpu_count",
        "cpu_percent",
        "cpu_period",
        "cpu_quota",
        "cpu_rt_period",
        "cpu_rt_runtime",
        "cpu_shares",
        "cpus",
        "cpuset",
        "credential_spec",
        "depends_on",
        "deploy",
        "develop",
        "device_cgroup_rules",
        "devices",
        "dns",
        "dns_opt",
        "dns_search",
        "domainname",
        "driver_opts",
        "entrypoint",
        "env_file",
        "environment",
        "expose",
        "extends",
        "external_links",
        "extra_hosts",
        "gpus",
        "group_add",
        "healthcheck",
        "hostname",
        "image",
        "init",
        "ipc",
        "isolation",
        "labels",
        "label_file",
        "links",
        "logging",
        "mac_address",
        "mem_limit",
        "mem_reservation",
        "mem_swappiness",
        "memswap_limit",
        "models",
        "network_mode",
        "networks",
        "oom_kill_disable",
        "oom_score_adj",
        "pid",
        "pids_limit",
        "platform",
        "ports",
        "post_start",
        "pre_stop",
        "privileged",
        "profiles",
        "provider",
        "pull_policy",
        "pull_refresh_after",
        "read_only",
        "restart",
        "runtime",
        "scale",
        "secrets",
        "security_opt",
        "shm_size",
        "stdin_open",
        "stop_grace_period",
        "stop_signal",
        "storage_opt",
        "sysctls",
        "tmpfs",
        "tty",
        "ulimits",
        "use_api_socket",
        "user",
        "userns_mode",
        "uts",
        "volumes",
        "volumes_from",
        "working_dir",
    ]
)


def _refuse_unknown(key: str, known: frozenset[str], path: str) -> None:
    if key in known or key.startswith("x-"):
        return
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        hint = f"Did you mean {close[0]!r}?"
    elif not path:
        hint = (
            "A Compose v1 file (services at the top, no `services:`) is not read by Compose v2 "
            "either: put the services under `services:`."
        )
    else:
        hint = "Remove it, or name it x-... to keep it as an extension."
    raise Invalid(
        path or "top level",
        f"additional property {key!r} is not allowed (Compose refuses it too)",
        f"{hint} See https://docs.docker.com/reference/compose-file/.",
    )


def _unsupported(key: str, path: str) -> Invalid:
    return Invalid(
        path,
        f"{_UNSUPPORTED[key]} is not supported by cutover's built-in Compose loader",
        "Install Docker Compose v2 (`docker compose` or docker-compose v2 on PATH, or set "
        "CUTOVER_COMPOSE_BIN): cutover then uses `docker compose config`.",
    )


def _mapping_of(value: Any, path: str, each: Callable[[str, Any], Any]) -> Any:
    if isinstance(value, Reset):
        return value
    if isinstance(value, Override):
        return Override(_mapping_of(value.value, path, each))
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(path, f"expected a mapping, found {kind_of(value)}")
    out: dict[str, Any] = {}
    for name, item in value.items():
        if isinstance(item, Reset):
            out[str(name)] = item
        elif isinstance(item, Override):
            out[str(name)] = Override(each(str(name), item.value))
        else:
            out[str(name)] = each(str(name), item)
    return out


def _resource_of(kind: str) -> Callable[[str, Any], dict[str, Any]]:
    return lambda name, value: _resource(kind, name, value)


def _resource(kind: str, name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"{kind}.{name}", f"expected a mapping, found {kind_of(value)}")
    out = dict(value)
    external = out.get("external")
    if isinstance(external, dict):  # the old `external: {name: x}`
        if external.get("name") is not None:
            out["name"] = str(external["name"])
        out["external"] = True
    elif external is not None:
        out["external"] = as_bool(external, f"{kind}.{name}.external")
    return out


# The properties of a top-level secret or config (compose-spec.json).
_SECRET_KEYS = frozenset(
    [
        "name",
        "file",
        "environment",
        "external",
        "labels",
        "driver",
        "driver_opts",
        "template_driver",
    ]
)
_CONFIG_KEYS = frozenset(
    ["name", "file", "environment", "content", "external", "labels", "template_driver"]
)


def _file_source_of(kind: str, ctx: FileContext) -> Callable[[str, Any], dict[str, Any]]:
    return lambda name, value: _file_source(kind, name, value, ctx)


def _file_source(kind: str, name: str, value: Any, ctx: FileContext) -> dict[str, Any]:
    """A top-level secret or config: `file` made absolute, the old `external: {name}` read."""
    path = f"{kind}.{name}"
    if isinstance(value, dict):
        for key in value:
            _refuse_unknown(str(key), _SECRET_KEYS if kind == "secrets" else _CONFIG_KEYS, path)
    out = _resource(kind, name, value)
    if out.get("file") is not None and not isinstance(out["file"], Reset | Override):
        out["file"] = host_path(as_text(out["file"], f"{path}.file"), ctx)
    for key in ("name", "environment"):
        if out.get(key) is not None and not isinstance(out[key], Reset | Override):
            out[key] = as_text(out[key], f"{path}.{key}")
    return out


# --- services --------------------------------------------------------------------------------


def _service(name: str, value: Any, ctx: FileContext) -> dict[str, Any]:
    path = f"services.{name}"
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(path, f"expected a mapping, found {kind_of(value)}")
    if "extends" in value:
        raise _unsupported("extends", f"{path}.extends")
    out: dict[str, Any] = {}
    for raw_key, item in value.items():
        key = str(raw_key)
        _refuse_unknown(key, SERVICE_PROPERTIES, path)
        handler = _SERVICE_KEYS.get(key)
        if handler is None or isinstance(item, Reset):
            out[key] = item
        elif isinstance(item, Override):
            out[key] = Override(handler(item.value, f"{path}.{key}", ctx))
        else:
            out[key] = handler(item, f"{path}.{key}", ctx)
    if "scale" in out and isinstance(out.get("deploy"), dict):
        replicas = out["deploy"].get("replicas")
        if replicas is not None and replicas != out["scale"]:
            raise Invalid(path, "can't set distinct values on 'scale' and 'deploy.replicas'")
    return out


def _command(value: Any, path: str, _ctx: FileContext) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [as_text(v, f"{path}[{i}]") for i, v in enumerate(value)]
    text = as_text(value, path)
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise Invalid(path, f"cannot split {text!r} into arguments ({exc})") from None


def _build(value: Any, path: str, ctx: FileContext) -> dict[str, Any]:
    if isinstance(value, dict):
        out = dict(value)
        out["context"] = _context_path(as_text(out.get("context") or ".", path), ctx)
        out.setdefault("dockerfile", "Dockerfile")
        return out
    return {"context": _context_path(as_text(value, path), ctx), "dockerfile": "Dockerfile"}


def _context_path(context: str, ctx: FileContext) -> str:
    if "://" in context or context.startswith("git@"):
        return context
    return host_path(context, ctx)


def _key_values(value: Any, path: str, resolve: Lookup | None) -> dict[str, Any]:
    """environment / labels: a list of KEY=value (or bare KEY) or a mapping -> a mapping.
    A `KEY: !reset` stays a marker, so that merging removes what earlier files set."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, Reset | Override):
                out[str(key)] = item
                continue
            if item is None:
                out[str(key)] = resolve(str(key)) if resolve else ""
            else:
                out[str(key)] = as_text(item, f"{path}.{key}")
        return out
    if isinstance(value, list):
        for index, item in enumerate(value):
            entry = as_text(item, f"{path}[{index}]")
            key, sep, text = entry.partition("=")
            if sep:
                out[key] = text
            else:
                out[key] = resolve(key) if resolve else ""
        return out
    if value is None:
        return {}
    raise Invalid(path, f"expected a list of KEY=value or a mapping, found {kind_of(value)}")


def _environment(value: Any, path: str, ctx: FileContext) -> dict[str, Any]:
    return _key_values(value, path, ctx.lookup)


def _labels(value: Any, path: str, _ctx: FileContext) -> dict[str, Any]:
    return _key_values(value, path, None)


def _env_files(value: Any, path: str, ctx: FileContext) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    out = []
    for index, item in enumerate(items):
        where_ = f"{path}[{index}]" if isinstance(value, list) else path
        if isinstance(item, dict):
            if "path" not in item:
                raise Invalid(where_, "an env_file entry needs a `path`")
            required = as_bool(item.get("required", True), f"{where_}.required")
            entry = {"path": host_path(as_text(item["path"], where_), ctx), "required": required}
            if item.get("format") is not None:
                entry["format"] = as_text(item["format"], f"{where_}.format")
            out.append(entry)
        else:
            out.append({"path": host_path(as_text(item, where_), ctx), "required": True})
    return out


def _expose(value: Any, path: str, _ctx: FileContext) -> list[str]:
    if not isinstance(value, list):
        raise Invalid(path, f"expected a list, found {kind_of(value)}")
    return [as_text(v, f"{path}[{i}]") for i, v in enumerate(value)]


def _string_list(value: Any, path: str, _ctx: FileContext) -> list[str]:
    if isinstance(value, str):
        return [value]
    return _expose(value, path, _ctx)


def _healthcheck(value: Any, path: str, _ctx: FileContext) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(path, f"expected a mapping, found {kind_of(value)}")
    out = dict(value)
    test = value.get("test")
    if isinstance(test, str):
        out["test"] = ["CMD-SHELL", test]
    elif isinstance(test, list):
        out["test"] = [as_text(v, f"{path}.test[{i}]") for i, v in enumerate(test)]
    elif test is not None and not isinstance(test, Reset | Override):
        raise Invalid(f"{path}.test", f"expected a string or a list, found {kind_of(test)}")
    for key in _DURATION_KEYS:
        if value.get(key) is not None:
            out[key] = duration_text(value[key], f"{path}.{key}")
    if value.get("retries") is not None:
        out["retries"] = as_int(value["retries"], f"{path}.retries")
    if value.get("disable") is not None:
        out["disable"] = as_bool(value["disable"], f"{path}.disable")
    return out


def _depends_on(value: Any, path: str, _ctx: FileContext) -> dict[str, Any]:
    if isinstance(value, list):
        return {
            as_text(v, f"{path}[{i}]"): {"condition": "service_started", "required": True}
            for i, v in enumerate(value)
        }
    if not isinstance(value, dict):
        raise Invalid(path, f"expected a list or a mapping, found {kind_of(value)}")
    out: dict[str, Any] = {}
    for name, item in value.items():
        entry = dict(item or {})
        entry["condition"] = as_text(entry.get("condition") or "service_started", f"{path}.{name}")
        entry["required"] = as_bool(entry.get("required", True), f"{path}.{name}.required")
        if "restart" in entry:
            entry["restart"] = as_bool(entry["restart"], f"{path}.{name}.restart")
        out[str(name)] = entry
    return out


def _deploy(value: Any, path: str, _ctx: FileContext) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(path, f"expected a mapping, found {kind_of(value)}")
    out = dict(value)
    if value.get("replicas") is not None:
        out["replicas"] = as_int(value["replicas"], f"{path}.replicas")
    resources = value.get("resources")
    if isinstance(resources, dict):
        out["resources"] = {
            kind: _resource_limits(spec, f"{path}.resources.{kind}")
            if isinstance(spec, dict)
            else spec
            for kind, spec in resources.items()
        }
    return out


def _resource_limits(spec: dict[str, Any], path: str) -> dict[str, Any]:
    out = dict(spec)
    if spec.get("cpus") is not None:
        try:
            out["cpus"] = cpus_text(spec["cpus"])
        except ValueError as exc:
            raise Invalid(f"{path}.cpus", str(exc)) from None
    if spec.get("memory") is not None:
        try:
            out["memory"] = parse_memory(spec["memory"])
        except ValueError as exc:
            raise Invalid(f"{path}.memory", str(exc)) from None
    return out


def _networks(value: Any, path: str, _ctx: FileContext) -> dict[str, Any]:
    if isinstance(value, list):
        return {as_text(v, f"{path}[{i}]"): None for i, v in enumerate(value)}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    raise Invalid(path, f"expected a list or a mapping, found {kind_of(value)}")


def _scale(value: Any, path: str, _ctx: FileContext) -> int:
    return as_int(value, path)


def _grace(value: Any, path: str, _ctx: FileContext) -> str:
    return duration_text(value, path)


def _image(value: Any, path: str, _ctx: FileContext) -> str:
    return as_text(value, path)


_GRANT_KEYS = frozenset({"source", "target", "uid", "gid", "mode"})


def _grants(default_dir: str) -> Callable[[Any, str, FileContext], list[dict[str, Any]]]:
    """A service's `secrets:`/`configs:` in long form. A secret with no target gets
    /run/secrets/<source> here, as Compose prints it; a config's stays unset (/<source>)."""

    def parse(value: Any, path: str, _ctx: FileContext) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise Invalid(path, f"expected a list, found {kind_of(value)}")
        out: list[dict[str, Any]] = []
        for index, item in enumerate(value):
            where_ = f"{path}[{index}]"
            if not isinstance(item, dict):
                item = {"source": as_text(item, where_)}
            for key in item:
                _refuse_unknown(str(key), _GRANT_KEYS, where_)
            if item.get("source") is None:
                raise Invalid(where_, "needs a `source` (the name under the top-level key)")
            entry: dict[str, Any] = {"source": as_text(item["source"], f"{where_}.source")}
            for key in ("target", "uid", "gid"):
                if item.get(key) is not None:
                    entry[key] = as_text(item[key], f"{where_}.{key}")
            if item.get("mode") is not None:
                entry["mode"] = file_mode(item["mode"], f"{where_}.mode")
            if default_dir and not entry.get("target"):
                entry["target"] = default_dir + entry["source"]
            out.append(entry)
        return out

    return parse


def file_mode(value: Any, path: str) -> int:
    """A mode as Compose reads it: a number as written (0440 is octal in YAML), a string as
    octal digits ("440" and "0440" alike)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Invalid(path, f"expected a number such as 0440, found {kind_of(value)}")
    if isinstance(value, int):
        return value
    try:
        return int(value, 8)
    except ValueError:
        raise Invalid(path, f"{value!r} is not an octal mode such as 0440") from None


_SERVICE_KEYS: dict[str, Callable[[Any, str, FileContext], Any]] = {
    "secrets": _grants("/run/secrets/"),
    "configs": _grants(""),
    "image": _image,
    "build": _build,
    "command": _command,
    "entrypoint": _command,
    "environment": _environment,
    "labels": _labels,
    "env_file": _env_files,
    "ports": parse_ports,
    "expose": _expose,
    "volumes": parse_volumes,
    "healthcheck": _healthcheck,
    "depends_on": _depends_on,
    "deploy": _deploy,
    "scale": _scale,
    "stop_grace_period": _grace,
    "profiles": _string_list,
    "networks": _networks,
}
