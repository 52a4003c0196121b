"""kubeconfig, resolved the way kubectl resolves it.

- Files: `--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`; a list joined by the path
  separator is merged, files that do not exist are skipped, and for every named cluster, user and
  context the first file that defines it wins, as does the first non-empty `current-context`.
- Context: the one asked for, else the current-context.
- Namespace: the one asked for, else the context's, else `default`.
Relative certificate paths stay relative to the file that names them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import yaml
from kubernetes.client import Configuration
from kubernetes.config import kube_config
from kubernetes.config.config_exception import ConfigException

from wizard.errors import GatewayError, NoKubeconfig
from wizard.model import ClusterIdentity

DEFAULT_KUBECONFIG = "~/.kube/config"
# The client's kubeconfig loader has no type hints. Its module-level default path is read once,
# at import, from KUBECONFIG: we never use it and pass the files explicitly.
_loader: Any = kube_config


@dataclass(frozen=True)
class KubeTarget:
    """One kubeconfig context, ready to talk to: who we are and a client configuration."""

    identity: ClusterIdentity
    files: tuple[str, ...]
    configuration: Any  # kubernetes.client.Configuration, private to this gateway


def kubeconfig_files(kubeconfig: str | None) -> tuple[str, ...]:
    """The kubeconfig files that exist, in precedence order. Raises GatewayError when none does."""
    source = kubeconfig or os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG
    listed = [os.path.expanduser(p) for p in source.split(os.pathsep) if p]
    found = tuple(p for p in listed if os.path.isfile(p))
    if not found:
        raise NoKubeconfig(
            f"No kubeconfig found (looked for {', '.join(listed) or source!r})",
            fix="Point --kubeconfig or KUBECONFIG at your cluster's kubeconfig "
            "(e.g. `export KUBECONFIG=~/.kube/config`); `kubectl config get-contexts` "
            "shows what it holds.",
        )
    return found


def load_target(kubeconfig: str | None, context: str | None, namespace: str | None) -> KubeTarget:
    """Resolve files, context and namespace; raises GatewayError naming what is wrong."""
    files = _non_empty(kubeconfig_files(kubeconfig))
    if not files:
        raise GatewayError(
            f"The kubeconfig is empty ({os.pathsep.join(kubeconfig_files(kubeconfig))})",
            fix="Write a context into it, e.g. with `kubectl config set-context`.",
        )
    where = os.pathsep.join(files)
    try:
        merged = _loader.KubeConfigMerger(where)
    except (ConfigException, OSError, yaml.YAMLError) as exc:
        raise GatewayError(f"Cannot read kubeconfig {where}: {exc}") from None
    contexts = {str(c["name"]): c for c in merged.config.value.get("contexts", [])}
    if context is None:
        context = next(
            (
                str(cfg["current-context"])
                for p in files
                if (cfg := merged.config_files[p]).get("current-context")
            ),
            None,
        )
        if context is None:
            raise GatewayError(
                f"The kubeconfig ({where}) has no current-context",
                fix=_choose_context_fix(contexts),
            )
    if context not in contexts:
        known = ", ".join(sorted(contexts)) or "none"
        raise GatewayError(
            f"Context {context!r} is not in the kubeconfig ({where}); it has: {known}",
            fix=_choose_context_fix(contexts),
        )
    entry = contexts[context].value.get("context") or {}
    clusters = {str(c["name"]): c.value for c in merged.config.value.get("clusters", [])}
    server = str(
        (clusters.get(str(entry.get("cluster")), {}).get("cluster") or {}).get("server", "")
    )
    if not server:
        raise GatewayError(
            f"Context {context!r} in {where} names cluster {entry.get('cluster')!r}, "
            "which is missing or has no server",
            fix=f"Check it with `kubectl config view --minify --context {context}`.",
        )
    configuration = Configuration()
    try:
        loader = _loader.KubeConfigLoader(config_dict=merged.config, active_context=context)
        loader.load_and_set(configuration)
    except (ConfigException, KeyError, ValueError, OSError) as exc:
        raise GatewayError(
            f"Context {context!r} in {where} is incomplete or invalid: {exc}",
            fix=f"Check it with `kubectl config view --minify --context {context}`.",
        ) from None
    identity = ClusterIdentity(
        context=context,
        server=server,
        user=str(entry.get("user") or ""),
        namespace=namespace or str(entry.get("namespace") or "") or "default",
    )
    return KubeTarget(identity=identity, files=files, configuration=configuration)


def _non_empty(files: tuple[str, ...]) -> tuple[str, ...]:
    """kubectl tolerates empty files in the list; the Python client does not."""
    kept = []
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                if yaml.safe_load(fh) is not None:
                    kept.append(path)
        except (OSError, yaml.YAMLError) as exc:
            raise GatewayError(
                f"Cannot read kubeconfig {path}: {exc}",
                fix="Fix or remove that file, or point KUBECONFIG elsewhere.",
            ) from None
    return tuple(kept)


def _choose_context_fix(contexts: dict[str, Any]) -> str:
    names = sorted(contexts)
    example = names[0] if names else "NAME"
    return (
        f"Pass --context with one of: {', '.join(names) or '(none defined)'}, "
        f"or set one with `kubectl config use-context {example}`."
    )
