"""Project format 7: what a team needs, on both dialects.

- images.root: the storage root an image path is relative to (NULL: the project file's folder);
  storage_roots lists the roots a project knows (each workstation maps a name to a folder).
- images.assignee: the person a lead assigned the image to (NULL: anyone).
- mask_revisions.base_revision_id: the revision an edit started from, so a save over a newer
  one is refused instead of overwriting it.
- image_leases: who has an image open for editing, until when (renewed by a heartbeat).
- jobs, job_events: the queue of heavy jobs a worker runs, with progress and curves.
- model_files: a model's checkpoint files, so a team client needs no shared folder for models.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_team"
down_revision = "0006_baseline"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY is SQLite's rowid


def upgrade() -> None:
    op.add_column("images", sa.Column("root", sa.Text(), nullable=True))
    op.add_column("images", sa.Column("assignee", sa.Text(), nullable=True))
    op.add_column("mask_revisions", sa.Column("base_revision_id", _ID, nullable=True))
    op.create_table(
        "storage_roots",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "image_leases",
        sa.Column("image_id", _ID, sa.ForeignKey("images.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("client", sa.Text(), nullable=False),
        sa.Column("acquired_at", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("status", sa.Text(), nullable=False, server_default="queued"),
        sa.Column("priority", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("worker", sa.Text(), nullable=True),
        sa.Column("started_at", sa.Text(), nullable=True),
        sa.Column("heartbeat_at", sa.Text(), nullable=True),
        sa.Column("lease_expires_at", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("progress", sa.Float(), nullable=False, server_default="0"),
        sa.Column("message", sa.Text(), nullable=False, server_default=""),
        sa.Column("result", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'canceled')",
                           name="ck_jobs_status"),
    )
    op.create_index("ix_jobs_queue", "jobs", ["status", "priority", "id"])
    op.create_table(
        "job_events",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("job_id", _ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False, server_default="{}"),
    )
    op.create_index("ix_job_events_job", "job_events", ["job_id", "id"])
    op.create_table(
        "model_files",
        sa.Column("model_id", _ID, sa.ForeignKey("models.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
    )
