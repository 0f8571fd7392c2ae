"""Label masks: every write is a new revision (who, when, why); the annotation points at the latest.

A mask is committed in its own short transaction, so a killed process loses at most the write in
flight. Restoring an old revision is itself a new revision, so history only grows.
"""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.imageio import decode_mask_png, encode_mask_png

from .audit_repo import record
from .database import Database, author_of, utcnow
from .rows import RevisionRow
from .schema import Annotation, Image, MaskRevision


class MaskShapeError(ValueError):
    pass


def class_values_in(mask: np.ndarray) -> tuple[int, int, list[int]]:
    """(defect pixel count, present class values) cheaply: bincount over the uint8 mask."""
    counts = np.bincount(mask.ravel(), minlength=256)
    present = [int(v) for v in np.flatnonzero(counts[1:]) + 1]
    return int(counts[1:].sum()), len(present), present


def write_revision(s: Session, image: Image, png: bytes, mask: np.ndarray, source: str) -> int:
    defect_pixels, _, present = class_values_in(mask)
    now = utcnow()
    rev = MaskRevision(
        image_id=image.id, mask_png=png, defect_pixels=defect_pixels,
        class_values=json.dumps(present), source=source, author=author_of(s), created_at=now,
    )
    s.add(rev)
    s.flush()
    ann = s.get(Annotation, image.id)
    if ann is None:
        s.add(Annotation(image_id=image.id, revision_id=rev.id, updated_at=now))
    else:
        ann.revision_id = rev.id
        ann.updated_at = now
    if image.status == "unlabeled" and source != "class-delete":
        image.status = "in_progress"
    record(s, "mask.revision", "image", image.id, revision=rev.id, source=source,
           defect_pixels=defect_pixels)
    return rev.id


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

    def save(self, image_id: int, mask: np.ndarray, source: str = "edit",
             png: bytes | None = None) -> int:
        """Commits `mask` as the image's new revision; returns the revision id."""
        if mask.dtype != np.uint8 or mask.ndim != 2:
            raise MaskShapeError(f"a mask is a 2-D uint8 array, not {mask.dtype} {mask.shape}")
        png = encode_mask_png(mask) if png is None else png  # encode outside the write lock
        with self._db.session() as s:
            image = s.get(Image, image_id)
            if image is None:
                raise KeyError(f"no image {image_id} in this project")
            if mask.shape != (image.height, image.width):
                raise MaskShapeError(
                    f"mask is {mask.shape[1]}x{mask.shape[0]} but the image is "
                    f"{image.width}x{image.height}"
                )
            return write_revision(s, image, png, mask, source)

    def revisions(self, image_id: int) -> list[RevisionRow]:
        with self._db.session() as s:
            revs = s.scalars(
                select(MaskRevision).where(MaskRevision.image_id == image_id)
                .order_by(MaskRevision.id)
            )
            return [
                RevisionRow(r.id, r.image_id, r.defect_pixels, tuple(json.loads(r.class_values)),
                            r.source, r.author, r.created_at)
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
            image = s.get(Image, old.image_id)
            assert image is not None  # a revision's image is never deleted (foreign key)
            mask = decode_mask_png(old.mask_png)
            return write_revision(s, image, old.mask_png, mask, "restore")

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
