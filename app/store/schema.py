"""ORM mapping of the tables that migrations.py and its Alembic revisions (revisions/) create.
The DDL there is the source of truth; tests/store/test_migrations.py checks the two agree."""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ProjectSetting(Base):
    __tablename__ = "project_settings"
    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[str]  # JSON


class DefectClass(Base):
    __tablename__ = "defect_classes"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(unique=True)  # the pixel value in label masks
    name: Mapped[str] = mapped_column(unique=True)
    color: Mapped[str]
    sort_order: Mapped[int] = mapped_column(default=0)


class Image(Base):
    __tablename__ = "images"
    id: Mapped[int] = mapped_column(primary_key=True)
    rel_path: Mapped[str] = mapped_column(unique=True)  # relative to the project file, '/'
    sha256: Mapped[str]
    size_bytes: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    bit_depth: Mapped[int]
    channels: Mapped[int]
    split: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="unlabeled")
    is_good: Mapped[bool] = mapped_column(default=False)
    source_class: Mapped[str | None]
    imported_at: Mapped[str]
    root: Mapped[str | None]  # storage root of rel_path (v7); None: the project file's folder
    assignee: Mapped[str | None]  # who a lead assigned it to (v7); None: anyone


class MaskRevision(Base):
    __tablename__ = "mask_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    mask_png: Mapped[bytes] = mapped_column(LargeBinary)
    defect_pixels: Mapped[int]
    class_values: Mapped[str]  # JSON list of the class values present
    source: Mapped[str]  # edit, import, prelabel, restore, class-delete
    author: Mapped[str]
    created_at: Mapped[str]
    base_revision_id: Mapped[int | None]  # the revision the edit started from (v7)


class Annotation(Base):
    """The current mask of an image: a pointer to its latest revision."""

    __tablename__ = "annotations"
    image_id: Mapped[int] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    revision_id: Mapped[int] = mapped_column(ForeignKey("mask_revisions.id"))
    updated_at: Mapped[str]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[str]
    author: Mapped[str]
    action: Mapped[str]
    entity: Mapped[str]
    entity_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(default="{}")  # JSON
    prev_hash: Mapped[str] = mapped_column(default="")  # the row before's row_hash (v5)
    row_hash: Mapped[str] = mapped_column(default="")  # app/store/audit_chain.py (v5)


class AuditHead(Base):
    """The last link of the audit chain, kept by a trigger (v5)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int]
    last_hash: Mapped[str]


class Model(Base):
    __tablename__ = "models"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    rel_dir: Mapped[str] = mapped_column(unique=True)
    config: Mapped[str]  # JSON, the checkpoint's config.json
    metrics: Mapped[str] = mapped_column(default="{}")
    weights_sha256: Mapped[str]
    train_images: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[str]
    author: Mapped[str]


class Prediction(Base):
    __tablename__ = "predictions"
    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    probs: Mapped[bytes] = mapped_column(LargeBinary)  # app.core.probcodec
    class_values: Mapped[str]  # JSON list naming the channels
    created_at: Mapped[str]


class Recipe(Base):
    __tablename__ = "recipes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    version: Mapped[int]
    body: Mapped[str]  # JSON, app.core.grading Recipe.to_dict()
    content_hash: Mapped[str]
    created_at: Mapped[str]
    author: Mapped[str]
    note: Mapped[str] = mapped_column(default="")  # why this version was saved (v4)


class InspectionRun(Base):
    __tablename__ = "inspection_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    model_id: Mapped[int | None] = mapped_column(ForeignKey("models.id"))
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id"))
    status: Mapped[str] = mapped_column(default="running")
    created_at: Mapped[str]
    author: Mapped[str]


class InspectionResult(Base):
    __tablename__ = "inspection_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("inspection_runs.id", ondelete="CASCADE"))
    image_path: Mapped[str]
    sha256: Mapped[str]
    grade: Mapped[str | None]
    reasons: Mapped[str] = mapped_column(default="[]")
    components: Mapped[str] = mapped_column(default="[]")
    risk: Mapped[float] = mapped_column(default=0.0)
    flagged: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None]
    created_at: Mapped[str]
    record_version: Mapped[int] = mapped_column(default=0)  # app.core.inspection_record


class ReviewDecision(Base):
    __tablename__ = "review_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("inspection_results.id", ondelete="CASCADE"))
    decision: Mapped[str]
    grade: Mapped[str]
    reason: Mapped[str] = mapped_column(default="")
    seconds: Mapped[float | None]
    author: Mapped[str]
    created_at: Mapped[str]


class StorageRoot(Base):
    """A named folder images live under; each workstation maps the name to a path (v7)."""

    __tablename__ = "storage_roots"
    name: Mapped[str] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(default="")
    created_at: Mapped[str]


class ImageLease(Base):
    """Who has an image open for editing, until when; renewed by a heartbeat (v7)."""

    __tablename__ = "image_leases"
    image_id: Mapped[int] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    holder: Mapped[str]
    client: Mapped[str]
    acquired_at: Mapped[str]
    expires_at: Mapped[str]


class Job(Base):
    """A heavy job (train, predict, inspect) queued for a worker (v7)."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    params: Mapped[str] = mapped_column(default="{}")  # JSON
    status: Mapped[str] = mapped_column(default="queued")
    priority: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str]
    created_at: Mapped[str]
    worker: Mapped[str | None]
    started_at: Mapped[str | None]
    heartbeat_at: Mapped[str | None]
    lease_expires_at: Mapped[str | None]
    finished_at: Mapped[str | None]
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(default="")
    result: Mapped[str] = mapped_column(default="{}")  # JSON
    error: Mapped[str | None]


class JobEvent(Base):
    """Progress, curve points and log lines of a job, in order (v7)."""

    __tablename__ = "job_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    at: Mapped[str]
    kind: Mapped[str]
    payload: Mapped[str] = mapped_column(default="{}")  # JSON


class ModelFile(Base):
    """One file of a model's checkpoint folder, kept in the database (v7)."""

    __tablename__ = "model_files"
    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str]
