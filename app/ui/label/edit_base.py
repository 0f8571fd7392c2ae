"""EditBases: the revision each image's edits start from, and the save the committer calls.

A save names its base (masks_repo.py): the revision the workspace loaded, then each revision
this workspace wrote itself. After a conflict, "keep mine" marks the image: its next save goes
on top of the newer revision (MasksRepo.keep_mine). Called on the committer's thread; the
committer never writes one image twice at once, and the workspace sets a base only after a
flush, so one image's entries are never written from two threads at a time.
"""

from __future__ import annotations

import numpy as np

from app.store import RevisionConflict


class EditBases:
    def __init__(self, masks, source: str = "edit"):
        self._masks = masks  # bound now: a later project must not get these writes
        self._source = source
        self._base: dict[int, int | None] = {}
        self._keep: dict[int, RevisionConflict] = {}

    def loaded(self, image_id: int, revision: int | None) -> None:
        """The workspace shows this revision of the image's mask (None: no mask yet)."""
        self._base[image_id] = revision
        self._keep.pop(image_id, None)

    def base(self, image_id: int) -> int | None:
        return self._base[image_id]

    def keep_mine(self, conflict: RevisionConflict) -> None:
        """The next save of the image goes on top of the conflicting revision."""
        self._keep[conflict.image_id] = conflict

    def save(self, image_id: int, mask: np.ndarray, png: bytes) -> int:
        keep = self._keep.pop(image_id, None)
        if keep is not None:
            revision = self._masks.keep_mine(image_id, mask, keep, source=self._source, png=png)
        else:
            revision = self._masks.save(image_id, mask, source=self._source, png=png,
                                        base_revision=self._base[image_id])
        self._base[image_id] = revision
        return revision
