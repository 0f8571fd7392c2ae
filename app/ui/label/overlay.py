"""MaskOverlay: the mask drawn in class colours, as 512 x 512 premultiplied ARGB32 tiles.

Why tiles: a full RGBA copy of a 50 MP mask is 200 MB and 60-100 ms to colour on every image
switch. Tiles are allocated only where the mask holds labels (defects are small), so memory
and colouring time follow the labelled area; an empty mask costs nothing. Edits recolour only
the dirty rectangle (one LUT lookup), never the whole overlay.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

TILE = 512
_FORMAT = QImage.Format.Format_ARGB32_Premultiplied  # the raster engine's fastest source


class _Tile:
    __slots__ = ("x0", "y0", "pixels", "image")

    def __init__(self, x0: int, y0: int, w: int, h: int):
        self.x0, self.y0 = x0, y0
        self.pixels = np.zeros((h, w), np.uint32)
        self.image = QImage(self.pixels.data, w, h, 4 * w, _FORMAT)  # shares the buffer


class MaskOverlay:
    def __init__(self, mask: np.ndarray, table: np.ndarray):
        self.mask = mask
        self.table = table
        self.height, self.width = mask.shape
        self._tiles: dict[tuple[int, int], _Tile] = {}
        self.update((0, 0, self.width, self.height))

    def set_table(self, table: np.ndarray) -> None:
        """New class colours: recolour the allocated tiles."""
        self.table = table
        for t in self._tiles.values():
            h, w = t.pixels.shape
            np.take(table, self.mask[t.y0:t.y0 + h, t.x0:t.x0 + w], out=t.pixels)

    def update(self, rect) -> None:
        """Recolour mask rectangle (x0, y0, x1, y1) after an edit."""
        x0, y0 = max(rect[0], 0), max(rect[1], 0)
        x1, y1 = min(rect[2], self.width), min(rect[3], self.height)
        if x0 >= x1 or y0 >= y1:
            return
        for ty in range(y0 // TILE, (y1 - 1) // TILE + 1):
            for tx in range(x0 // TILE, (x1 - 1) // TILE + 1):
                tx0, ty0 = tx * TILE, ty * TILE
                ax0, ay0 = max(x0, tx0), max(y0, ty0)
                ax1, ay1 = min(x1, tx0 + TILE), min(y1, ty0 + TILE)
                values = self.mask[ay0:ay1, ax0:ax1]
                tile = self._tiles.get((ty, tx))
                if tile is None:
                    if not values.any():  # still empty: keep it unallocated
                        continue
                    tile = self._tiles[ty, tx] = _Tile(
                        tx0, ty0, min(TILE, self.width - tx0), min(TILE, self.height - ty0))
                out = tile.pixels[ay0 - ty0:ay1 - ty0, ax0 - tx0:ax1 - tx0]
                np.take(self.table, values, out=out, mode="clip")  # the (256, 4) palette as uint32

    def paint(self, painter: QPainter, rect) -> None:
        """Draw the tiles inside image rectangle ``rect``; the painter maps image coords."""
        x0, y0, x1, y1 = rect
        for ty in range(y0 // TILE, (y1 - 1) // TILE + 1):
            for tx in range(x0 // TILE, (x1 - 1) // TILE + 1):
                tile = self._tiles.get((ty, tx))
                if tile is None:
                    continue
                h, w = tile.pixels.shape
                ax0, ay0 = max(x0, tile.x0), max(y0, tile.y0)
                ax1, ay1 = min(x1, tile.x0 + w), min(y1, tile.y0 + h)
                if ax0 < ax1 and ay0 < ay1:
                    painter.drawImage(QRectF(ax0, ay0, ax1 - ax0, ay1 - ay0), tile.image,
                                      QRectF(ax0 - tile.x0, ay0 - tile.y0, ax1 - ax0, ay1 - ay0))

    @property
    def tile_count(self) -> int:
        return len(self._tiles)

    @property
    def nbytes(self) -> int:
        return sum(t.pixels.nbytes for t in self._tiles.values())
