"""Label masks: every write is a new revision (who, when, why); the annotation points at the latest.

A mask is committed in its own short transaction, so a killed process loses at most the write in
flight. Restoring an old revision is itself a new revision, so history only grows.

Concurrent edits (a team project): every save names the revision it started from
(`base_revision`, stored as mask_revisions.base_revision_id). The write locks the image's row
first (SELECT ... FOR UPDATE on PostgreSQL; SQLite writers already take turns), then compares
the base with the current revision: a newer one refuses the save with RevisionConflict and
nothing is written. "Keep mine" is a save on top of the newer revision (`supersedes` it; the
audit row says so). Who passes which base:
- the Label workspace (strokes, undo/redo, accepted pre-labels): the revision it loaded, then
  each revision it wrote itself;
- the review's box pre-label: None (only an image without a mask gets one);
- class delete: the revision it rewrites, read under the same lock, so it never conflicts and
  never writes over a revision it did not see;
- restore (an old revision made current again): the current revision, read under the lock;
- import (import_repo.py): no base, a new image's first mask (only new images get one);
- the demo, building its own project: UNCHECKED (on top of whatever is current, recorded).
"""

from __future__ import annotations

import enum
import json

import numpy as np
from sqlalchemy import Integer, LargeBinary, String, insert, literal, select, update
from sqlalchemy.orm import Session

from app.core.imageio import decode_mask_png, encode_mask_png

from .audit_repo import record
from .database import Database, author_of, utcnow
from .errors import RevisionConflict
from .rows import RevisionRow
from .schema import Annotation, Image, MaskRevision


class MaskShapeError(ValueError):
    pass


def class_values_in(mask: np.ndarray) -> tuple[int, int, list[int]]:
    """(defect pixel count, present class values) cheaply: a bincount over the defect pixels
    alone (a mask is mostly background: 5x faster than over all of a 1 MP mask)."""
    defects = mask[mask != 0]
    counts = np.bincount(defects, minlength=256)
    present = [int(v) for v in np.flatnonzero(counts[1:]) + 1]
    return int(defects.size), len(present), present


class _Unchecked(enum.Enum):
    UNCHECKED = "unchecked"


UNCHECKED = _Unchecked.UNCHECKED  # save on top of whatever is current (the demo)
Base = int | None | _Unchecked


def lock_images(s: Session, image_ids) -> dict[int, Image]:
    """The images' rows, locked until the transaction ends (in id order, so two lockers never
    deadlock). Every mask write of an image passes here first: its current revision, read
    after this, cannot change under the writer."""
    ids = sorted(set(image_ids))
    if not ids:
        return {}
    rows = s.scalars(select(Image).where(Image.id.in_(ids)).order_by(Image.id)
                     .with_for_update().execution_options(populate_existing=True))
    return {i.id: i for i in rows}


def current_revision(s: Session, image_id: int) -> int | None:
    """The image's current revision id, read now (never a cached object)."""
    return s.execute(select(Annotation.revision_id).where(Annotation.image_id == image_id)
                     ).scalar_one_or_none()


def check_base(s: Session, image_id: int, base: Base) -> int | None:
    """The current revision, or RevisionConflict when it is not `base` (call under the lock)."""
    current = current_revision(s, image_id)
    if base is UNCHECKED or base == current:
        return current
    if current is None:  # an image only gains revisions: the base was never one of its
        raise ValueError(f"revision {base} is not a revision of image {image_id}")
    author, at = s.execute(select(MaskRevision.author, MaskRevision.created_at)
                           .where(MaskRevision.id == current)).one()
    raise RevisionConflict(image_id, base, current, author, at)


def write_revision(s: Session, image: Image, png: bytes, mask: np.ndarray, source: str,
                   base: Base, supersedes: int | None = None,
                   stats: tuple[int, int, list[int]] | None = None) -> int:
    """Adds the revision and makes it current, if the image's current revision is `base`
    (UNCHECKED: whatever it is); else RevisionConflict (check_base) and nothing is written.
    The caller holds the image's lock (lock_images). The check is part of the insert (one
    statement, run after the lock is granted, so it sees the latest commit): a save is the
    lock, this insert and the pointer. `stats`: class_values_in(mask), when the caller
    computed it before taking the lock."""
    defect_pixels, _, present = stats or class_values_in(mask)
    now = utcnow()
    current = (select(Annotation.revision_id).where(Annotation.image_id == image.id)
               .scalar_subquery())
    values = select(
        literal(image.id, Integer), literal(png, LargeBinary), literal(defect_pixels, Integer),
        literal(json.dumps(present), String), literal(source, String),
        literal(author_of(s), String), literal(now, String), current)
    if base is not UNCHECKED:
        values = values.where(current.is_(None) if base is None else current == base)
    row = s.execute(
        insert(MaskRevision).from_select(
            ["image_id", "mask_png", "defect_pixels", "class_values", "source", "author",
             "created_at", "base_revision_id"], values)
        .returning(MaskRevision.id, MaskRevision.base_revision_id)).first()
    if row is None:  # another revision is current: say which (raises)
        check_base(s, image.id, base)
        raise AssertionError("unreachable: the base check refused the insert")
    rev_id, base = row
    if base is None:  # the image's first mask
        s.add(Annotation(image_id=image.id, revision_id=rev_id, updated_at=now))
    else:
        s.execute(update(Annotation).where(Annotation.image_id == image.id)
                  .values(revision_id=rev_id, updated_at=now))
    if image.status == "unlabeled" and source != "class-delete":
        image.status = "in_progress"
    extra = {} if supersedes is None else {"superseded": supersedes}
    record(s, "mask.revision", "image", image.id, revision=rev_id, source=source,
           defect_pixels=defect_pixels, base=base, **extra)
    return rev_id


class MasksRepo:
    def __init__(self, db: Database):
        self._db = db

    def load(self, image_id: int) -> np.ndarray | None:
        """The current mask, or None when the image has never been labeled."""
        with self._db.session() as s:
            png = s.execute(
                select(MaskRevision.mask_png)
                .join(Annotation, Annotation.revision_id == MaskRevision.id)
                .where(Annotation.image_id == image_id)
            ).scalar_one_or_none()
        return None if png is None else decode_mask_png(png)

    def load_or_empty(self, image_id: int) -> np.ndarray:
        mask = self.load(image_id)
        if mask is not None:
            return mask
        with self._db.session() as s:
            img = s.get(Image, image_id)
            if img is None:
                raise KeyError(f"no image {image_id}")
            return np.zeros((int(img.height), int(img.width)), np.uint8)

    def load_current(self, image_id: int) -> tuple[np.ndarray | None, int | None]:
        """(current mask, its revision id), read together; (None, None) when never labeled.
        The revision is the base an editor of this mask saves with."""
        with self._db.session() as s:
            row = s.execute(
                select(MaskRevision.mask_png, MaskRevision.id)
                .join(Annotation, Annotation.revision_id == MaskRevision.id)
                .where(Annotation.image_id == image_id)
            ).one_or_none()
        return (None, None) if row is None else (decode_mask_png(row[0]), int(row[1]))

    def save(self, image_id: int, mask: np.ndarray, source: str = "edit",
             png: bytes | None = None, base_revision: Base = UNCHECKED) -> int:
        """Commits `mask` as the image's new revision; returns the revision id.

        `base_revision`: the revision the edit started from (None: from no mask). When the
        image's current revision is another one, RevisionConflict names who saved it and
        when, and nothing is written. UNCHECKED writes on top of whatever is current."""
        return self._save(image_id, mask, source, png, base_revision, None)

    def keep_mine(self, image_id: int, mask: np.ndarray, conflict: RevisionConflict,
                  source: str = "edit", png: bytes | None = None) -> int:
        """After a conflict, the user's mask as a new revision on top of the newer one (which
        stays in the history). A third save meanwhile is again a RevisionConflict."""
        return self._save(image_id, mask, source, png, conflict.revision_id,
                          conflict.revision_id)

    def _save(self, image_id: int, mask: np.ndarray, source: str, png: bytes | None,
              base: Base, supersedes: int | None) -> int:
        if mask.dtype != np.uint8 or mask.ndim != 2:
            raise MaskShapeError(f"a mask is a 2-D uint8 array, not {mask.dtype} {mask.shape}")
        png = encode_mask_png(mask) if png is None else png  # encode outside the write lock
        stats = class_values_in(mask)  # likewise: 1 MP takes milliseconds
        with self._db.session() as s:
            image = lock_images(s, [image_id]).get(image_id)
            if image is None:
                raise KeyError(f"no image {image_id} in this project")
            if mask.shape != (image.height, image.width):
                raise MaskShapeError(
                    f"mask is {mask.shape[1]}x{mask.shape[0]} but the image is "
                    f"{image.width}x{image.height}"
                )
            return write_revision(s, image, png, mask, source, base, supersedes, stats)

    def revisions(self, image_id: int) -> list[RevisionRow]:
        with self._db.session() as s:
            revs = s.scalars(
                select(MaskRevision).where(MaskRevision.image_id == image_id)
                .order_by(MaskRevision.id)
            )
            return [
                RevisionRow(r.id, r.image_id, r.defect_pixels, tuple(json.loads(r.class_values)),
                            r.source, r.author, r.created_at, r.base_revision_id)
                for r in revs
            ]

    def load_revision(self, revision_id: int) -> np.ndarray:
        with self._db.session() as s:
            rev = s.get(MaskRevision, revision_id)
            if rev is None:
                raise KeyError(f"no mask revision {revision_id}")
            return decode_mask_png(rev.mask_png)

    def restore(self, revision_id: int) -> int:
        """Makes an older revision current again (as a new revision); returns its id."""
        with self._db.session() as s:
            old = s.get(MaskRevision, revision_id)
            if old is None:
                raise KeyError(f"no mask revision {revision_id}")
            image = lock_images(s, [old.image_id])[old.image_id]  # a revision's image stays
            mask = decode_mask_png(old.mask_png)
            return write_revision(s, image, old.mask_png, mask, "restore",
                                  current_revision(s, image.id))

    def current_revisions(self) -> dict[int, int]:
        """image id -> id of its current mask revision (changes whenever the mask does)."""
        with self._db.session() as s:
            return dict(s.execute(select(Annotation.image_id, Annotation.revision_id)).all())

    def labeled_image_ids(self) -> list[int]:
        with self._db.session() as s:
            return list(s.scalars(select(Annotation.image_id).order_by(Annotation.image_id)))

    def defect_summary(self) -> dict[int, tuple[int, tuple[int, ...]]]:
        """image id -> (defect pixels, class values present) of the current masks, no decoding."""
        with self._db.session() as s:
            rows = s.execute(
                select(Annotation.image_id, MaskRevision.defect_pixels, MaskRevision.class_values)
                .join(MaskRevision, Annotation.revision_id == MaskRevision.id)
            )
            return {i: (n, tuple(json.loads(cv))) for i, n, cv in rows}
