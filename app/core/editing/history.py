"""UndoHistory: MaskEdits to undo and redo, bounded in bytes (oldest dropped first)."""

from __future__ import annotations

from collections import deque

import numpy as np

from .geometry import Rect
from .mask_edit import MaskEdit

DEFAULT_MAX_BYTES = 256 * 1024 * 1024


class UndoHistory:
    """Undo/redo of MaskEdits on one mask; a new edit clears redo.

    The bound counts undo and redo entries together; an edit larger than the whole
    budget is not kept (it simply cannot be undone).
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self._undo: deque[MaskEdit] = deque()
        self._redo: list[MaskEdit] = []
        self._bytes = 0

    def push(self, edit: MaskEdit | None) -> None:
        """Record an edit that is already applied to the mask (None is ignored)."""
        if edit is None:
            return
        self._bytes -= sum(e.nbytes for e in self._redo)
        self._redo.clear()
        self._undo.append(edit)
        self._bytes += edit.nbytes
        while self._bytes > self.max_bytes and self._undo:
            self._bytes -= self._undo.popleft().nbytes

    def undo(self, mask: np.ndarray) -> Rect | None:
        """Revert the last edit; returns the rectangle to redraw (None: nothing to undo)."""
        if not self._undo:
            return None
        edit = self._undo.pop()
        self._redo.append(edit)
        return edit.revert(mask)

    def redo(self, mask: np.ndarray) -> Rect | None:
        """Re-apply the last undone edit; returns the rectangle to redraw."""
        if not self._redo:
            return None
        edit = self._redo.pop()
        self._undo.append(edit)
        return edit.apply(mask)

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._bytes = 0

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def nbytes(self) -> int:
        """Memory held by the recorded edits."""
        return self._bytes

    def __len__(self) -> int:
        """Number of steps that can be undone."""
        return len(self._undo)
