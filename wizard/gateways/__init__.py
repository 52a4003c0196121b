"""The gateways: the only package that imports `kubernetes`, `docker` and `keyring`.

- `protocols`: Cluster, ComposeHost and Vault, the shapes every other module sees.
- `lazy`: `Gateways`, the three of them built on first use (light: no client library).
- `factory`: `build_gateways`, the one place that picks real or demo gateways for a config.
- `kube/`, `dockerhost`, `vault`: the real implementations; `blocking`: deadlines for calls
  that cannot time out by themselves.

Importing this package imports only the protocols and `Gateways`: the client libraries load when
a gateway is first built (import-linter contracts in pyproject.toml keep it that way).
"""

from wizard.gateways.lazy import Gateways
from wizard.gateways.protocols import Cluster, ComposeHost, Vault

__all__ = ["Cluster", "ComposeHost", "Gateways", "Vault"]
