"""The Compose project: model and loaders (Compose CLI when present, built-in otherwise)."""

from wizard.compose.errors import ComposeFileError, MissingVariable
from wizard.compose.loader import AUTO, SOURCE_BUILTIN, SOURCE_CLI, load_project
from wizard.compose.model import (
    ComposeProject,
    ComposeService,
    FileGrant,
    Healthcheck,
    Mount,
    NamedVolume,
    PortMapping,
    ProjectFile,
    Resources,
)

__all__ = [
    "AUTO",
    "SOURCE_BUILTIN",
    "SOURCE_CLI",
    "ComposeFileError",
    "ComposeProject",
    "ComposeService",
    "FileGrant",
    "Healthcheck",
    "MissingVariable",
    "Mount",
    "NamedVolume",
    "PortMapping",
    "ProjectFile",
    "Resources",
    "load_project",
]
