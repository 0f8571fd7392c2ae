"""Polygon tool: click vertices, close to fill them with the class, or to cut a hole."""

from __future__ import annotations

import math

import cv2
import numpy as np

from .base import NOTHING, Modifiers, Point, Tool, ToolMode, ToolResult
from .mask_edit import MaskEdit, paint_selection


def fill_polygon(mask: np.ndarray, vertices, value: int) -> MaskEdit | None:
    """Set ``value`` on exactly the pixels ``cv2.fillPoly(mask, [vertices], value)`` sets.

    Rasterized on the vertices' bounding box only: integer vertices make fillPoly
    translation-exact, so the result equals a full-mask fillPoly pixel for pixel.
    """
    pts = np.asarray(vertices, np.int32).reshape(-1, 2)
    h, w = mask.shape
    x0, y0 = max(int(pts[:, 0].min()), 0), max(int(pts[:, 1].min()), 0)
    x1, y1 = min(int(pts[:, 0].max()) + 1, w), min(int(pts[:, 1].max()) + 1, h)
    if x0 >= x1 or y0 >= y1:
        return None
    selection = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(selection, [pts - np.array([x0, y0], np.int32)], 1)
    return paint_selection(mask, (x0, y0, x1, y1), selection.view(bool), value)


class PolygonTool(Tool):
    """Each press adds a vertex; ``close()`` (Enter or double-click) fills the polygon.

    Subtract mode (``subtract = True``, or Alt held on the first vertex) paints 0 inside
    instead, cutting a hole in any class. Vertices are pixel indices: a point in image
    coordinates falls on the pixel that contains it.
    """

    mode = ToolMode.POLYGON
    paints_class = True

    def __init__(self, doc):
        super().__init__(doc)
        self.subtract = False
        self._subtract_now = False
        self._vertices: list[tuple[int, int]] = []

    @property
    def busy(self) -> bool:
        return bool(self._vertices)

    @property
    def vertices(self) -> list[tuple[int, int]]:
        """The polygon so far, for the UI to draw as a preview."""
        return list(self._vertices)

    @property
    def subtracting(self) -> bool:
        """Whether the polygon in progress will cut a hole."""
        return self._subtract_now if self._vertices else self.subtract

    def press(self, pt: Point, modifiers: Modifiers = Modifiers.NONE) -> ToolResult:
        if not self._vertices:
            self._subtract_now = self.subtract or Modifiers.ALT in modifiers
        self.add_vertex(pt)
        return NOTHING

    def add_vertex(self, pt: Point) -> None:
        vertex = (math.floor(pt[0]), math.floor(pt[1]))
        if not self._vertices or self._vertices[-1] != vertex:  # double-click presses twice
            self._vertices.append(vertex)

    def remove_last(self) -> None:
        """Backspace: drop the last vertex."""
        if self._vertices:
            self._vertices.pop()

    def close(self) -> ToolResult:
        """Fill (or cut) the polygon and end it; fewer than 3 vertices just end it."""
        vertices, self._vertices = self._vertices, []
        if len(vertices) < 3:
            return NOTHING
        value = 0 if self._subtract_now else self.doc.class_value
        edit = fill_polygon(self.doc.mask, vertices, value)
        return ToolResult(edit.bbox if edit else None, edit)

    def cancel(self) -> ToolResult:
        self._vertices = []
        return NOTHING
