"""ImageLayer: the raw image (for pixel values) and its window/level uint8 copy (drawn)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from app.core.display import apply_window, auto_window

_LEVELS = {np.dtype(np.uint8): 256, np.dtype(np.uint16): 65536}


def prepare_display(pixels: np.ndarray, window: tuple[int, int] | None = None):
    """(display uint8, window): the auto-stretched copy, computed off the UI thread on load."""
    window = window or auto_window(pixels)
    return apply_window(pixels, *window), window


class ImageLayer:
    """Drawn through ``qimage``, which shares ``display``'s buffer: a new window rewrites
    the buffer in place, so nothing else needs to know."""

    def __init__(self, pixels: np.ndarray, display: np.ndarray | None = None,
                 window: tuple[int, int] | None = None):
        if display is None or window is None:
            display, window = prepare_display(pixels, window)
        self.pixels = pixels
        self.display = np.ascontiguousarray(display)
        self.window = tuple(window)
        self.levels = _LEVELS[pixels.dtype]
        self.height, self.width = pixels.shape[:2]
        if self.display.ndim == 2:
            fmt, bpl = QImage.Format.Format_Grayscale8, self.width
        else:
            fmt, bpl = QImage.Format.Format_RGB888, 3 * self.width
        self.qimage = QImage(self.display.data, self.width, self.height, bpl, fmt)

    def set_window(self, lo: int, hi: int) -> bool:
        """Re-window the whole image in place; False when (lo, hi) is already shown."""
        lo, hi = int(lo), int(hi)
        if (lo, hi) == self.window or hi <= lo:
            return False
        apply_window(self.pixels, lo, hi, out=self.display)
        self.window = (lo, hi)
        return True

    def auto_window(self) -> tuple[int, int]:
        return auto_window(self.pixels)

    def value_text(self, x: int, y: int) -> str:
        """The raw value under pixel (x, y): '1234' for gray, 'RGB 12, 34, 56' for colour."""
        v = self.pixels[y, x]
        if np.ndim(v) == 0:
            return f"value {int(v)}"
        return "RGB " + ", ".join(str(int(c)) for c in v)
