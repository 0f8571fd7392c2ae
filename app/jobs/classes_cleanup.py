"""Undo for jobs that create defect classes before their one big write transaction."""

from __future__ import annotations

from .context import JobContext


def remove_created_classes(project, created: list[str], ctx: JobContext) -> None:
    """Deletes the classes a failed job created; none of their pixels were committed."""
    for name in created:
        try:
            row = project.classes.by_name(name)
            if row is not None:
                project.classes.delete(row.value)
        except Exception as e:  # keep the job's original error; this one is only logged
            ctx.log(f"could not remove class {name!r} after the failed job: {e}")
