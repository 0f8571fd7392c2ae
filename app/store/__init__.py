"""The project store: SQLAlchemy over a SQLite project file or a PostgreSQL team database.
No Qt, no torch."""

from .errors import (
    DamagedProjectError,
    ForeignFileError,
    NewerSchemaError,
    ProjectError,
    ProjectLinkedError,
    ProjectLockedError,
    ReadOnlyError,
    RevisionConflict,
    RoleRefusedError,
)
from .project import EXTENSION, Project
from .rows import (
    AuditRow,
    DecisionRow,
    DefectClassRow,
    ImageRow,
    ModelRow,
    NewImage,
    RecipeRow,
    ResultRow,
    RevisionRow,
    RunRow,
)

__all__ = [
    "EXTENSION", "AuditRow", "DamagedProjectError", "DefectClassRow", "ForeignFileError",
    "ImageRow", "ModelRow",
    "NewImage", "NewerSchemaError", "Project", "ProjectError", "ProjectLinkedError",
    "ProjectLockedError",
    "ReadOnlyError", "RevisionConflict", "RoleRefusedError", "RecipeRow", "RevisionRow",
    "RunRow", "ResultRow",
    "DecisionRow",
]
