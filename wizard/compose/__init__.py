"""The Compose project: model and loaders (Compose CLI when present, built-in otherwise)."""

from wizard.compose.errors import ComposeFileError, MissingVariable
from wizard.compose.loader import AUTO, SOURCE_BUILTIN, SOURCE_CLI, load_project
from wizard.compose.model import (
    ComposeProject,
    ComposeService,
    Healthcheck,
    Mount,
    NamedVolume,
    PortMapping,
    Resources,
)

__all__ = [
    "AUTO",
    "SOURCE_BUILTIN",
    "SOURCE_CLI",
    "ComposeFileError",
    "ComposeProject",
    "ComposeService",
    "Healthcheck",
    "MissingVariable",
    "Mount",
    "NamedVolume",
    "PortMapping",
    "Resources",
    "load_project",
]
