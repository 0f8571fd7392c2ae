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


class RevisionConflict(ProjectError):
    """A mask save started from a revision that is no longer the image's current one: someone
    saved a newer revision meanwhile. Nothing was written. `revision_id`, `author` and `at`
    name the newer revision; save again with it as the base to keep yours on top of it."""

    def __init__(self, image_id: int, base_revision: int | None, revision_id: int,
                 author: str, at: str):
        started = "an empty mask" if base_revision is None else f"revision {base_revision}"
        super().__init__(f"The mask of image {image_id} was changed by {author} at {at} "
                         f"(revision {revision_id}) after you started from {started}; "
                         "nothing was saved")
        self.image_id = image_id
        self.base_revision = base_revision
        self.revision_id = revision_id
        self.author = author
        self.at = at
