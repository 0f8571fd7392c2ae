"""StrokeRecorder: remembers a stroke's original pixels lazily, one tile on first touch."""

from __future__ import annotations

import numpy as np

from .geometry import Rect, slices, union
from .mask_edit import MaskEdit

TILE = 256  # 64 KiB copies: cheap on first touch, few dict lookups for a 512 px brush


class StrokeRecorder:
    """Call ``touch(rect)`` before writing inside rect; ``finish()`` gives the undo atom.

    Never copies the whole mask: a stroke costs one tile copy per tile it reaches,
    and ``finish`` works on the stroke's bounding box only.
    """

    def __init__(self, mask: np.ndarray):
        self._mask = mask
        self._saved: dict[tuple[int, int], np.ndarray] = {}
        self.bbox: Rect | None = None

    def touch(self, rect: Rect) -> None:
        x0, y0, x1, y1 = rect
        for ty in range(y0 // TILE, (y1 - 1) // TILE + 1):
            for tx in range(x0 // TILE, (x1 - 1) // TILE + 1):
                if (ty, tx) not in self._saved:
                    tile = (tx * TILE, ty * TILE, (tx + 1) * TILE, (ty + 1) * TILE)
                    self._saved[ty, tx] = self._mask[slices(tile)].copy()
        self.bbox = union(self.bbox, rect)

    def before(self) -> np.ndarray | None:
        """The original values over ``bbox`` (None if nothing was touched)."""
        if self.bbox is None:
            return None
        x0, y0, x1, y1 = self.bbox
        out = self._mask[y0:y1, x0:x1].copy()
        for (ty, tx), tile in self._saved.items():
            tx0, ty0 = tx * TILE, ty * TILE
            ix0, iy0 = max(x0, tx0), max(y0, ty0)
            ix1, iy1 = min(x1, tx0 + tile.shape[1]), min(y1, ty0 + tile.shape[0])
            if ix0 < ix1 and iy0 < iy1:
                out[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = tile[iy0 - ty0:iy1 - ty0,
                                                                 ix0 - tx0:ix1 - tx0]
        return out

    def finish(self) -> MaskEdit | None:
        """The stroke as one MaskEdit (None when no pixel changed)."""
        before = self.before()
        if before is None:
            return None
        return MaskEdit.diff(self.bbox, before, self._mask[slices(self.bbox)])  # type: ignore[arg-type, index]  # before() returned a crop, so bbox is set; numpy stubs reject a tuple of slices

    def restore(self) -> Rect | None:
        """Undo everything written since the start (cancel); returns the rect to redraw."""
        for (ty, tx), tile in self._saved.items():
            self._mask[ty * TILE:ty * TILE + tile.shape[0],
                       tx * TILE:tx * TILE + tile.shape[1]] = tile
        self._saved.clear()
        bbox, self.bbox = self.bbox, None
        return bbox
