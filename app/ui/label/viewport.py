"""ViewTransform: the zoom/pan mapping between widget and image coordinates (no Qt).

widget = image * zoom + offset. Image coordinates follow docs/ARCHITECTURE.md: pixel (i, j)
spans i..i+1, so the centre of pixel i is i + 0.5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_ZOOM = 1 / 128
MAX_ZOOM = 64.0

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 half-open


@dataclass
class ViewTransform:
    zoom: float = 1.0
    ox: float = 0.0
    oy: float = 0.0

    def to_image(self, wx: float, wy: float) -> tuple[float, float]:
        return (wx - self.ox) / self.zoom, (wy - self.oy) / self.zoom

    def to_widget(self, x: float, y: float) -> tuple[float, float]:
        return x * self.zoom + self.ox, y * self.zoom + self.oy

    def image_rect_to_widget(self, rect: Rect, margin: int = 1) -> Rect:
        """Widget pixels covering an image rectangle (rounded outwards, plus a margin)."""
        x0, y0 = self.to_widget(rect[0], rect[1])
        x1, y1 = self.to_widget(rect[2], rect[3])
        return (math.floor(x0) - margin, math.floor(y0) - margin,
                math.ceil(x1) + margin, math.ceil(y1) + margin)

    def widget_rect_to_image(self, rect: Rect, width: int, height: int) -> Rect | None:
        """Image pixels (clipped to width x height) that touch a widget rectangle."""
        x0, y0 = self.to_image(rect[0], rect[1])
        x1, y1 = self.to_image(rect[2], rect[3])
        x0, y0 = max(math.floor(x0), 0), max(math.floor(y0), 0)
        x1, y1 = min(math.ceil(x1), width), min(math.ceil(y1), height)
        return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None

    def fit(self, width: int, height: int, view_w: int, view_h: int) -> None:
        """Whole image visible and centred."""
        if width <= 0 or height <= 0 or view_w <= 0 or view_h <= 0:
            return
        self.zoom = _clamp(min(view_w / width, view_h / height))
        self.ox = round((view_w - width * self.zoom) / 2)
        self.oy = round((view_h - height * self.zoom) / 2)

    def set_zoom_about(self, zoom: float, wx: float, wy: float) -> None:
        """New zoom keeping the image point under widget point (wx, wy) in place."""
        x, y = self.to_image(wx, wy)
        self.zoom = _clamp(zoom)
        # Whole-pixel offsets keep pixel edges on the same screen columns while zooming.
        self.ox = round(wx - x * self.zoom)
        self.oy = round(wy - y * self.zoom)

    def pan(self, dx: float, dy: float) -> None:
        self.ox += dx
        self.oy += dy


def _clamp(zoom: float) -> float:
    return min(max(zoom, MIN_ZOOM), MAX_ZOOM)
