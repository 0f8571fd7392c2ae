"""Class colours as a lookup table: mask value -> premultiplied ARGB32 pixel.

The table is (256,) uint32 holding 0xAARRGGBB, the native pixel of QImage ARGB32 formats;
``table.view(np.uint8).reshape(256, 4)`` is the (256, 4) byte palette. Colours are opaque:
the canvas applies the user's opacity when it draws, so changing it recolours nothing.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

UNKNOWN_COLOR = "#ffffff"  # pixels of a value with no class (deleted class): still visible


def palette_table(classes) -> np.ndarray:
    """(256,) uint32 from rows with ``value`` and ``color``; 0 (background) is transparent."""
    table = np.full(256, _argb(UNKNOWN_COLOR), np.uint32)
    table[0] = 0
    for c in classes:
        table[int(c.value)] = _argb(c.color)
    return table


def _argb(color: str) -> int:
    c = QColor(color)
    if not c.isValid():
        c = QColor(UNKNOWN_COLOR)
    return (255 << 24) | (c.red() << 16) | (c.green() << 8) | c.blue()
