"""Errors the store raises. Each message is meant to be shown to the user as is."""


class ProjectError(Exception):
    """Base class: the project could not be opened or changed; nothing was modified."""


class ForeignFileError(ProjectError):
    """The file is not a Defect Studio project."""


class NewerSchemaError(ProjectError):
    """The project was written by a newer Defect Studio."""


class ProjectLockedError(ProjectError):
    """Another process has the project open for writing."""


class ReadOnlyError(ProjectError):
    """A write was attempted on a project opened read-only."""


class ProjectLinkedError(ProjectError):
    """The project file has more than one name (hard links): writing it would be unsafe."""


class DamagedProjectError(ProjectError):
    """The project file is damaged (truncated, malformed); `path` names it for a salvage copy."""

    def __init__(self, message: str, path=None, salvageable: bool = False):
        super().__init__(message)
        self.path = path
        self.salvageable = salvageable  # a copy of what can be read can be saved


class RoleRefusedError(ProjectError):
    """The team database refused a change the connected login's role may not make."""


class TeamConnectionError(ProjectError):
    """A team project's server could not be reached or refused the connection."""


class TeamAuthError(TeamConnectionError):
    """The server wants a password (`wrong`: the one given was not accepted)."""

    def __init__(self, message: str, wrong: bool = False):
        super().__init__(message)
        self.wrong = wrong


class EmptyTeamError(ForeignFileError):
    """The team database is empty: a team project can be created there."""
