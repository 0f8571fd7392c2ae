"""Undo history: MaskEdits to undo and redo, bounded in bytes (oldest dropped first).

``UndoHistory`` is one mask's; ``UndoHistories`` is the one the Label workspace runs: a history
per image, one byte budget over all of them, and listeners told after every change (the Qt
Undo/Redo actions are a view that follows them).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable

import numpy as np

from .geometry import Rect
from .mask_edit import MaskEdit

DEFAULT_MAX_BYTES = 256 * 1024 * 1024


class UndoHistory:
    """Undo/redo of MaskEdits on one mask; a new edit clears redo.

    The bound counts undo and redo entries together; an edit larger than the whole
    budget is not kept (it simply cannot be undone). Each step has a text ("stroke", "fill").
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self._undo: deque[tuple[MaskEdit, str]] = deque()
        self._redo: list[tuple[MaskEdit, str]] = []
        self._bytes = 0

    def push(self, edit: MaskEdit | None, text: str = "") -> None:
        """Record an edit that is already applied to the mask (None is ignored)."""
        if edit is None:
            return
        self._bytes -= sum(e.nbytes for e, _ in self._redo)
        self._redo.clear()
        self._undo.append((edit, text))
        self._bytes += edit.nbytes
        self.trim(self.max_bytes)

    def trim(self, max_bytes: int) -> None:
        """Drop the oldest undo steps (then redo steps) until at most ``max_bytes`` are held."""
        while self._bytes > max_bytes and self._undo:
            self._bytes -= self._undo.popleft()[0].nbytes
        while self._bytes > max_bytes and self._redo:
            self._bytes -= self._redo.pop(0)[0].nbytes

    def undo(self, mask: np.ndarray) -> Rect | None:
        """Revert the last edit; returns the rectangle to redraw (None: nothing to undo)."""
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(step)
        return step[0].revert(mask)

    def redo(self, mask: np.ndarray) -> Rect | None:
        """Re-apply the last undone edit; returns the rectangle to redraw."""
        if not self._redo:
            return None
        step = self._redo.pop()
        self._undo.append(step)
        return step[0].apply(mask)

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
    def undo_text(self) -> str:
        return self._undo[-1][1] if self._undo else ""

    @property
    def redo_text(self) -> str:
        return self._redo[-1][1] if self._redo else ""

    @property
    def nbytes(self) -> int:
        """Memory held by the recorded edits."""
        return self._bytes

    def __len__(self) -> int:
        """Number of steps that can be undone."""
        return len(self._undo)


class UndoHistories:
    """One UndoHistory per image; undo and redo act on the active (shown) image's.

    All histories share ``max_bytes``: after a push, while they hold more, the histories of
    other images go first (least recently active first), then the oldest steps of the image
    pushed to. Listeners (no arguments) are called after every change of what Undo/Redo would do.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self._histories: OrderedDict[int, UndoHistory] = OrderedDict()
        self._listeners: list[Callable[[], None]] = []
        self.active: int | None = None

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def activate(self, image_id: int | None) -> None:
        """Make ``image_id``'s history the one undo/redo act on (None: no image)."""
        self.active = image_id
        if image_id is not None and image_id in self._histories:
            self._histories.move_to_end(image_id)
        self._changed()

    def history(self, image_id: int) -> UndoHistory | None:
        return self._histories.get(image_id)

    def push(self, image_id: int, edit: MaskEdit | None, text: str) -> None:
        """Record an edit already applied to ``image_id``'s mask."""
        if edit is None:
            return
        history = self._histories.get(image_id)
        if history is None:
            # unbounded alone: the shared budget below is what bounds it
            history = self._histories[image_id] = UndoHistory(max_bytes=2**63)
        history.push(edit, text)
        self._enforce_budget(image_id)
        self._changed()

    def undo(self, mask: np.ndarray) -> Rect | None:
        """Revert the active image's last edit in ``mask``; the rectangle to redraw or None."""
        return self._step(mask, UndoHistory.undo)

    def redo(self, mask: np.ndarray) -> Rect | None:
        return self._step(mask, UndoHistory.redo)

    def _step(self, mask: np.ndarray, step) -> Rect | None:
        history = self._active_history()
        if history is None:
            return None
        rect = step(history, mask)
        if rect is not None:
            self._changed()
        return rect

    def _active_history(self) -> UndoHistory | None:
        return self._histories.get(self.active) if self.active is not None else None

    @property
    def can_undo(self) -> bool:
        history = self._active_history()
        return history is not None and history.can_undo

    @property
    def can_redo(self) -> bool:
        history = self._active_history()
        return history is not None and history.can_redo

    @property
    def undo_text(self) -> str:
        history = self._active_history()
        return history.undo_text if history is not None else ""

    @property
    def redo_text(self) -> str:
        history = self._active_history()
        return history.redo_text if history is not None else ""

    def forget(self, image_id: int) -> None:
        """Drop an image's history (its mask changed elsewhere: old diffs do not apply)."""
        if self._histories.pop(image_id, None) is not None:
            self._changed()

    def clear(self) -> None:
        self._histories.clear()
        self.active = None
        self._changed()

    def nbytes(self, image_id: int | None = None) -> int:
        ids = [image_id] if image_id is not None else list(self._histories)
        return sum(self._histories[i].nbytes for i in ids if i in self._histories)

    def _enforce_budget(self, image_id: int) -> None:
        for other in list(self._histories):  # least recently active first
            if self.nbytes() <= self.max_bytes:
                return
            if other not in (image_id, self.active):
                del self._histories[other]
        if self.nbytes() > self.max_bytes:
            self._histories[image_id].trim(self.max_bytes)
