"""Undo/redo: one QUndoStack per image in a QUndoGroup, bounded by a byte budget.

Each stroke, polygon or fill is one MaskEditCommand wrapping the core MaskEdit atom (only the
changed pixels inside its bbox). QUndoStack limits history by count only, so the budget is
ours: after a push, while the stacks hold more than ``budget`` bytes, the histories of other
images go first (least recently shown first), then the oldest steps of the current image
(the stack is cleared and the newest steps pushed back without re-applying them).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from app.core.editing import MaskEdit

DEFAULT_BUDGET = 256 * 1024 * 1024

# apply(image_id, edit, forward): write the edit (or its inverse) into that image's mask
ApplyFn = Callable[[int, MaskEdit, bool], None]


class MaskEditCommand(QUndoCommand):
    def __init__(self, image_id: int, edit: MaskEdit, apply: ApplyFn, text: str):
        super().__init__(text)
        self.image_id, self.edit, self._apply = image_id, edit, apply
        self._done = True  # pushed after the tool painted: the first redo() has nothing to do

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self._apply(self.image_id, self.edit, True)

    def undo(self) -> None:
        self._apply(self.image_id, self.edit, False)


class UndoHistories(QObject):
    def __init__(self, apply: ApplyFn, budget: int = DEFAULT_BUDGET,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.group = QUndoGroup(self)
        self.budget = budget
        self._apply = apply
        # image id -> (stack, its edits in stack order, mirroring the stack's commands)
        self._stacks: OrderedDict[int, tuple[QUndoStack, list[tuple[MaskEdit, str]]]] = OrderedDict()
        self._active: int | None = None

    def activate(self, image_id: int | None) -> None:
        """Make ``image_id``'s history the one Undo/Redo act on (None: no image)."""
        self._active = image_id
        if image_id is None:
            self.group.setActiveStack(None)
            return
        self.group.setActiveStack(self._entry(image_id)[0])
        self._stacks.move_to_end(image_id)

    def push(self, image_id: int, edit: MaskEdit, text: str) -> None:
        stack, edits = self._entry(image_id)
        del edits[stack.index():]  # push() drops the redo steps; so do we
        edits.append((edit, text))
        stack.push(MaskEditCommand(image_id, edit, self._apply, text))
        self._enforce_budget(image_id)

    def stack(self, image_id: int) -> QUndoStack | None:
        entry = self._stacks.get(image_id)
        return entry[0] if entry else None

    def forget(self, image_id: int) -> None:
        """Drop an image's history (its mask changed elsewhere)."""
        entry = self._stacks.pop(image_id, None)
        if entry is not None:
            if self._active == image_id:
                entry[0].clear()
                self._stacks[image_id] = (entry[0], [])
                return
            self.group.removeStack(entry[0])
            entry[0].deleteLater()

    def clear(self) -> None:
        self.group.setActiveStack(None)
        self._active = None
        for stack, _ in self._stacks.values():
            self.group.removeStack(stack)
            stack.deleteLater()
        self._stacks.clear()

    def nbytes(self, image_id: int | None = None) -> int:
        ids = [image_id] if image_id is not None else list(self._stacks)
        return sum(e.nbytes for i in ids if i in self._stacks for e, _ in self._stacks[i][1])

    def _entry(self, image_id: int):
        if image_id not in self._stacks:
            stack = QUndoStack(self.group)
            self.group.addStack(stack)
            self._stacks[image_id] = (stack, [])
        return self._stacks[image_id]

    def _enforce_budget(self, image_id: int) -> None:
        for other in list(self._stacks):  # oldest first
            if self.nbytes() <= self.budget:
                return
            if other != image_id and other != self._active:
                self.forget(other)
        if self.nbytes() > self.budget:
            self._trim(image_id)

    def _trim(self, image_id: int) -> None:
        stack, edits = self._stacks[image_id]
        keep, total = [], 0
        for edit, text in reversed(edits[:stack.index()]):
            if keep and total + edit.nbytes > self.budget:
                break
            keep.append((edit, text))
            total += edit.nbytes
        keep.reverse()
        stack.clear()  # deletes the commands; the edits live on in `keep`
        for edit, text in keep:
            stack.push(MaskEditCommand(image_id, edit, self._apply, text))
        self._stacks[image_id] = (stack, keep)
