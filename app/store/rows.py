"""Plain, frozen rows the repositories return: safe to pass between threads and to the UI."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.inspection_record import (
    RECORD_VERSION,
    InspectionRecord,
    StoredComponent,
    StoredReason,
)


@dataclass(frozen=True)
class DefectClassRow:
    id: int
    value: int
    name: str
    color: str
    sort_order: int


@dataclass(frozen=True)
class ImageRow:
    id: int
    rel_path: str
    sha256: str
    size_bytes: int
    width: int
    height: int
    bit_depth: int
    channels: int
    split: str | None
    status: str
    is_good: bool
    source_class: str | None
    imported_at: str
    root: str | None = None  # a team project's storage root of rel_path (None: beside the file)
    assignee: str | None = None  # who a lead assigned the image to (None: anyone)

    @property
    def name(self) -> str:
        return self.rel_path.rsplit("/", 1)[-1]

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


@dataclass(frozen=True)
class NewImage:
    """What an importer hands the store for one image (path is absolute)."""

    path: str
    sha256: str
    size_bytes: int
    width: int
    height: int
    bit_depth: int
    channels: int
    is_good: bool = False
    source_class: str | None = None


@dataclass(frozen=True)
class RevisionRow:
    id: int
    image_id: int
    defect_pixels: int
    class_values: tuple[int, ...]
    source: str
    author: str
    created_at: str
    base_revision: int | None = None  # the revision the edit started from (None: none)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    author: str
    action: str
    entity: str
    entity_id: int | None
    detail: dict


@dataclass(frozen=True)
class ModelRow:
    id: int
    name: str
    rel_dir: str
    config: dict
    metrics: dict
    weights_sha256: str
    train_images: int
    created_at: str
    author: str

    @property
    def verdict(self):
        """app.core.model_quality.ModelVerdict: stored with the model, else assessed now."""
        from app.core.model_quality import verdict_of

        return verdict_of(self.metrics)


@dataclass(frozen=True)
class RecipeRow:
    id: int
    name: str
    version: int
    body: dict
    content_hash: str
    created_at: str
    author: str
    note: str = ""

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class RunRow:
    id: int
    name: str
    model_id: int | None
    recipe_id: int
    status: str
    created_at: str
    author: str


@dataclass(frozen=True)
class ResultRow:
    """One part graded in an inspection run; `decision` is the latest review decision, if any.
    Its stored record's fields, typed (app.core.inspection_record), whatever build wrote it."""

    id: int
    run_id: int
    image_path: str
    sha256: str
    grade: str | None
    reasons: list[StoredReason]
    components: list[StoredComponent]
    risk: float
    flagged: bool
    error: str | None
    created_at: str
    decision: DecisionRow | None = None
    record_version: int = RECORD_VERSION

    @property
    def record(self) -> InspectionRecord:
        return InspectionRecord(self.grade, tuple(self.reasons), tuple(self.components),
                                self.risk, self.flagged, self.error, self.sha256,
                                self.record_version)

    @property
    def final_grade(self) -> str | None:
        """The reviewer's grade when reviewed, else the model's."""
        return self.decision.grade if self.decision else self.grade


@dataclass(frozen=True)
class DecisionRow:
    id: int
    result_id: int
    decision: str  # confirm, override, to_labeling
    grade: str
    reason: str
    seconds: float | None
    author: str
    created_at: str
