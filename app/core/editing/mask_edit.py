"""MaskEdit: one undo step that stores only the changed pixels inside a bounding box."""

from __future__ import annotations

import numpy as np

from .geometry import Rect, slices

Values = np.ndarray | int


class MaskEdit:
    """Which pixels of ``bbox`` changed, with their old and new values.

    ``apply`` and ``revert`` are idempotent, so a wrapper (e.g. a QUndoCommand whose first
    redo() runs after the tool already painted) may call them freely. Changed pixels are
    kept as flat indices into the bbox when few and as packed bits when many; values that
    are all equal (a class colour, a fill) are kept as one int.
    """

    __slots__ = ("bbox", "count", "_index", "_bits", "_old", "_new")

    def __init__(self, bbox: Rect, changed: np.ndarray, old: Values, new: Values):
        """``changed``: bool (h, w) over bbox; old/new: the values there, row-major, or one int."""
        x0, y0, x1, y1 = (int(v) for v in bbox)
        self.bbox: Rect = (x0, y0, x1, y1)
        self.count = int(np.count_nonzero(changed))
        self._index: np.ndarray | None
        self._bits: np.ndarray | None
        if self.count * 4 <= changed.size // 8:  # uint32 indices beat one bit a pixel
            self._index, self._bits = np.flatnonzero(changed).astype(np.uint32), None
        else:
            self._index, self._bits = None, np.packbits(changed, axis=None)
        self._old, self._new = _compact(old), _compact(new)

    @classmethod
    def diff(cls, bbox: Rect, before: np.ndarray, after: np.ndarray) -> MaskEdit | None:
        """The edit turning ``before`` into ``after`` (two crops of bbox); None if equal."""
        changed = before != after
        if not changed.any():
            return None
        return cls(bbox, changed, before[changed], after[changed])

    def apply(self, mask: np.ndarray) -> Rect:
        """Write the new values; returns the rectangle to redraw."""
        self._write(mask, self._new)
        return self.bbox

    def revert(self, mask: np.ndarray) -> Rect:
        """Write the old values back; returns the rectangle to redraw."""
        self._write(mask, self._old)
        return self.bbox

    def changed_mask(self) -> np.ndarray:
        """bool (h, w) over bbox: True where this edit changes the mask."""
        x0, y0, x1, y1 = self.bbox
        shape = (y1 - y0, x1 - x0)
        if self._bits is not None:
            return np.unpackbits(self._bits, count=shape[0] * shape[1]).view(bool).reshape(shape)
        out = np.zeros(shape, bool)
        assert self._index is not None  # indices when there are no bits
        out.flat[self._index] = True
        return out

    @property
    def nbytes(self) -> int:
        """Memory held, for the history budget (arrays plus a fixed overhead)."""
        arrays = (self._index, self._bits, self._old, self._new)
        return 200 + sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))

    def _write(self, mask: np.ndarray, values: Values) -> None:
        region = mask[slices(self.bbox)]
        if self._index is not None:
            rows, cols = np.divmod(self._index, np.uint32(region.shape[1]))
            region[rows, cols] = values
        elif isinstance(values, int):
            np.copyto(region, np.uint8(values), where=self.changed_mask())
        else:
            region[self.changed_mask()] = values

    def __repr__(self) -> str:
        return f"MaskEdit(bbox={self.bbox}, count={self.count}, nbytes={self.nbytes})"


def paint_selection(
    mask: np.ndarray, bbox: Rect, selection: np.ndarray, value: int
) -> MaskEdit | None:
    """Set ``value`` where ``selection`` (bool over bbox) is True; returns the undo atom."""
    region = mask[slices(bbox)]
    changed = selection & (region != value)
    if not changed.any():
        return None
    edit = MaskEdit(bbox, changed, region[changed], value)
    np.copyto(region, np.uint8(value), where=changed)
    return edit


def _compact(values: Values) -> Values:
    if isinstance(values, (int, np.integer)):
        return int(values)
    values = np.asarray(values, np.uint8)
    if values.size and values.min() == values.max():
        return int(values[0])
    return values.copy() if values.base is not None else values
