"""Writes a whole import, images and their first mask revisions, in ONE transaction.

Either every image of the batch is in the project afterwards or none is. Masks arrive already
encoded with their pixel counts, so the write lock is held only for inserts, never for
decoding or encoding. Revisions mirror masks_repo.write_revision (source "import").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from . import audit_chain
from .audit_repo import record
from .database import Database, author_of, utcnow
from .images_repo import STATUSES, AddResult, ImagesRepo
from .rows import NewImage
from .schema import Annotation, Image, MaskRevision

CHUNK = 500  # rows per INSERT batch: bounded statement size, few round trips


@dataclass(frozen=True)
class ImportItem:
    """One image and, optionally, its first mask (PNG of class values, as masks_repo stores)."""

    image: NewImage
    status: str = "unlabeled"
    mask_png: bytes | None = None
    defect_pixels: int = 0
    class_values: tuple[int, ...] = ()


class ImportRepo:
    def __init__(self, db: Database, images: ImagesRepo):
        self._db = db
        self._images = images

    def write(self, items: Sequence[ImportItem],
              before_commit: Callable[[], None] | None = None,
              before_insert: Callable[[], None] | None = None) -> AddResult:
        """Adds the new images (known paths are skipped) and their masks, all or nothing.

        ``before_insert`` runs first inside the transaction (the import's new classes are
        created there, so a failed or killed import leaves none); ``before_commit`` runs after
        the last insert; raising in either (a cancel, say) rolls everything back.
        """
        bad = {it.status for it in items} - set(STATUSES)
        if bad:
            raise ValueError(f"status must be one of {STATUSES}, not {sorted(bad)}")
        with self._db.session() as s:
            now, author = utcnow(), author_of(s)
            if before_insert:
                before_insert()
            known = set(s.scalars(select(Image.rel_path)))
            new: list[tuple[str, ImportItem]] = []
            present: list[tuple[str, ImportItem]] = []
            copied = self._images.copied_files(s)
            for it in items:
                rel = copied.get(str(Path(it.image.path).resolve())) or self._images.rel(
                    it.image.path)
                (present if rel in known else new).append((rel, it))
                known.add(rel)
            added = []
            for start in range(0, len(new), CHUNK):
                added += self._insert(s, new[start:start + CHUNK], now, author,
                                      self._images.root_of)
            if added:
                record(s, "image.import", "image", None, count=len(added),
                       masks=sum(it.mask_png is not None for _, it in new))
            if before_commit:
                before_commit()
        return AddResult(added, [rel for rel, _ in present])

    @staticmethod
    def _insert(s: Session, batch: list[tuple[str, ImportItem]], now: str,
                author: str, root_of: Callable[[str], str | None]) -> list[int]:
        # Core executemany with RETURNING: one round trip per chunk instead of a flush per row.
        ids = list(s.scalars(insert(Image).returning(Image.id, sort_by_parameter_order=True), [
            dict(rel_path=rel, sha256=n.sha256, size_bytes=n.size_bytes, width=n.width,
                 height=n.height, bit_depth=n.bit_depth, channels=n.channels,
                 is_good=n.is_good, source_class=n.source_class, imported_at=now,
                 status=it.status, root=root_of(rel))
            for rel, it in batch for n in (it.image,)
        ]))
        masked = [(i, it) for i, (_, it) in zip(ids, batch, strict=True)
                  if it.mask_png is not None]
        if masked:
            revs = list(s.scalars(
                insert(MaskRevision).returning(MaskRevision.id, sort_by_parameter_order=True),
                [dict(image_id=i, mask_png=it.mask_png, defect_pixels=it.defect_pixels,
                      class_values=json.dumps(sorted(it.class_values)), source="import",
                      author=author, created_at=now) for i, it in masked]))
            s.execute(insert(Annotation), [dict(image_id=i, revision_id=r, updated_at=now)
                                           for (i, _), r in zip(masked, revs, strict=True)])
            audit_chain.append(s, [
                dict(at=now, author=author, action="mask.revision", entity="image", entity_id=i,
                     detail=json.dumps({"revision": r, "source": "import",
                                        "defect_pixels": it.defect_pixels}))
                for (i, it), r in zip(masked, revs, strict=True)])
        return ids
