"""Images are referenced, not copied: paths are stored relative to the project file, or, in a
team project, to a storage root (app/store/storage_roots.py) as `<root>/<path>`."""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.imageio import sha256_file

from .audit_repo import record
from .database import Database, utcnow
from .rows import ImageRow, NewImage
from .schema import Annotation, Image
from .storage_roots import StorageRootError, StorageRoots

SPLITS = ("train", "val", "test")
STATUSES = ("unlabeled", "in_progress", "labeled")


def _row(i: Image) -> ImageRow:
    return ImageRow(i.id, i.rel_path, i.sha256, i.size_bytes, i.width, i.height, i.bit_depth,
                    i.channels, i.split, i.status, bool(i.is_good), i.source_class, i.imported_at,
                    i.root, i.assignee)


@dataclass(frozen=True)
class AddResult:
    added: list[int]
    already_present: list[str]  # rel paths that were in the project before


class ImagesRepo:
    def __init__(self, db: Database, root: Path, roots: StorageRoots | None = None):
        self._db = db
        self.root = root
        self.roots = roots  # a team project's storage roots; None for a project file

    def rel(self, path: str | Path) -> str:
        if self.roots is not None:
            return self.roots.locate(path)
        return Path(os.path.relpath(Path(path).resolve(), self.root)).as_posix()

    def copied_files(self, s: Session) -> dict[str, str]:
        """A team project copied from a project file: absolute path -> stored path of each image
        without a storage root (StorageRoots.file_root), so importing one again finds it."""
        if self.roots is None or self.roots.file_root() is None:
            return {}
        rows = s.scalars(select(Image.rel_path).where(Image.root.is_(None)))
        try:
            return {str(self.roots.path_of(rel, None)): rel for rel in rows}
        except StorageRootError:  # the file root is not mapped here: nothing to compare with
            return {}

    def root_of(self, rel: str) -> str | None:
        """The storage root a stored path is under (None: the project file's folder)."""
        return rel.partition("/")[0] if self.roots is not None else None

    def abspath(self, row: ImageRow) -> Path:
        """Where the image is on this workstation. In a team project, its content is checked
        against the recorded sha256 (StorageRootError when the mapping points elsewhere)."""
        if self.roots is not None:
            return self.roots.verify(self.roots.path_of(row.rel_path, row.root), row.sha256,
                                     self.roots.stored_name(row.rel_path, row.root))
        return (self.root / row.rel_path).resolve()

    def add_many(self, items: Iterable[NewImage]) -> AddResult:
        """Adds all new images in one transaction (all or nothing); known paths are skipped."""
        added, present = [], []
        now = utcnow()
        with self._db.session() as s:
            known = set(s.scalars(select(Image.rel_path)))
            copied = self.copied_files(s)
            for it in items:
                rel = copied.get(str(Path(it.path).resolve())) or self.rel(it.path)
                if rel in known:
                    present.append(rel)
                    continue
                img = Image(
                    rel_path=rel, sha256=it.sha256, size_bytes=it.size_bytes, width=it.width,
                    height=it.height, bit_depth=it.bit_depth, channels=it.channels,
                    is_good=it.is_good, source_class=it.source_class, imported_at=now,
                    status="labeled" if it.is_good else "unlabeled", root=self.root_of(rel),
                )
                s.add(img)
                s.flush()
                known.add(rel)
                added.append(img.id)
            if added:
                record(s, "image.import", "image", None, count=len(added))
        return AddResult(added, present)

    def get(self, image_id: int) -> ImageRow:
        with self._db.session() as s:
            img = s.get(Image, image_id)
            if img is None:
                raise KeyError(f"no image {image_id} in this project")
            return _row(img)

    def by_rel_path(self, rel_path: str) -> ImageRow | None:
        with self._db.session() as s:
            img = s.scalar(select(Image).where(Image.rel_path == rel_path))
            return None if img is None else _row(img)

    def list(self, *, split: str | None = None, status: str | None = None,
             source_class: str | None = None, is_good: bool | None = None) -> list[ImageRow]:
        q = select(Image).order_by(Image.id)
        if split is not None:
            q = q.where(Image.split == split)
        if status is not None:
            q = q.where(Image.status == status)
        if source_class is not None:
            q = q.where(Image.source_class == source_class)
        if is_good is not None:
            q = q.where(Image.is_good == is_good)
        with self._db.session() as s:
            return [_row(i) for i in s.scalars(q)]

    def count(self) -> int:
        with self._db.session() as s:
            return s.query(Image).count()

    def has_annotation(self, image_id: int) -> bool:
        with self._db.session() as s:
            return s.get(Annotation, image_id) is not None

    def _update(self, ids: Iterable[int], action: str, **values) -> None:
        ids = list(ids)
        if not ids:
            return
        with self._db.session() as s:
            for img in s.scalars(select(Image).where(Image.id.in_(ids))):
                for k, v in values.items():
                    setattr(img, k, v)
            record(s, action, "image", ids[0] if len(ids) == 1 else None, ids=ids, **values)

    def set_split(self, ids: Iterable[int], split: str | None) -> None:
        if split is not None and split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
        self._update(ids, "image.split", split=split)

    def set_splits(self, assignment: dict[int, str]) -> None:
        """Persists a whole split in one transaction (image id -> train/val/test)."""
        bad = {v for v in assignment.values() if v not in SPLITS}
        if bad:
            raise ValueError(f"split must be one of {SPLITS}, not {sorted(bad)}")
        with self._db.session() as s:
            for img in s.scalars(select(Image).where(Image.id.in_(list(assignment)))):
                img.split = assignment[img.id]
            record(s, "image.split", "image", None, count=len(assignment))

    def set_status(self, ids: Iterable[int], status: str, is_good: bool | None = None) -> None:
        """Sets the status; `is_good` (when given) sets the good-part flag in the same write.
        A good part is a labeled image without defects: is_good=True needs status "labeled"."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        if is_good and status != "labeled":
            raise ValueError(f"a good part is labeled, not {status!r}")
        extra = {} if is_good is None else {"is_good": bool(is_good)}
        self._update(ids, "image.status", status=status, **extra)

    def assign(self, ids: Iterable[int], assignee: str | None) -> None:
        """A lead assigns images to a person (None or blank: to anyone again)."""
        name = (assignee or "").strip() or None
        self._update(ids, "image.assign", assignee=name)

    def set_good(self, ids: Iterable[int], is_good: bool) -> None:
        self._update(ids, "image.good", is_good=is_good)

    def missing(self, verify_hash: bool = False) -> builtins.list[ImageRow]:
        """Images whose file is gone, changed size, or (optionally) changed content."""
        out = []
        for row in self.list():
            try:
                p = self._where(row)
                if p.stat().st_size != row.size_bytes:
                    out.append(row)
                elif verify_hash and sha256_file(p) != row.sha256:
                    out.append(row)
            except (OSError, StorageRootError):
                out.append(row)
        return out

    def _where(self, row: ImageRow) -> Path:
        if self.roots is not None:
            return self.roots.path_of(row.rel_path, row.root)
        return (self.root / row.rel_path).resolve()

    def relink(self, folder: str | Path) -> dict[int, str]:
        """Finds missing images under `folder` by size then hash; returns id -> new rel path."""
        missing = self.missing()
        if not missing:
            return {}
        by_size: dict[int, list[ImageRow]] = {}
        for row in missing:
            by_size.setdefault(row.size_bytes, []).append(row)
        found: dict[int, str] = {}
        for dirpath, _, files in os.walk(folder):
            for fn in files:
                p = Path(dirpath) / fn
                try:
                    candidates = by_size.get(p.stat().st_size)
                except OSError:
                    continue
                if not candidates:
                    continue
                digest = sha256_file(p)
                for row in candidates:
                    if row.id not in found and row.sha256 == digest:
                        found[row.id] = self.rel(p)
                        break
        if found:
            with self._db.session() as s:
                for img in s.scalars(select(Image).where(Image.id.in_(list(found)))):
                    img.rel_path = found[img.id]
                    img.root = self.root_of(found[img.id])
                record(s, "image.relink", "image", None, count=len(found), folder=str(folder))
        return found
