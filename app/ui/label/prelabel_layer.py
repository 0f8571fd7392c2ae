"""PreLabelLayer: the model's pre-labels drawn as class-coloured outlines over the mask.

Why outlines and not a second colour fill: the annotation is drawn as translucent solid
colour, so a pre-label must never look like it. Each component's borders (outer and holes,
from cv2.findContours) are drawn as 1-device-pixel lines through the centres of its border
pixels, at full opacity, with a cosmetic pen: as thin and as visible at 2 % as at 6400 %, where
a raster layer sampled nearest would drop thin lines when zoomed out. The inside stays
unpainted, so the image and the annotation show through.

A component whose every pixel is labelled already (accepted, or painted by hand) is not drawn:
accepting it would add nothing. ``refresh(mask, rect)`` re-checks the components an edit
touched, so accepting hides the outline and Undo brings it back.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from app.core.editing import Rect
from app.core.editing.geometry import union
from app.core.prelabel import PreLabels

UNKNOWN = QColor(255, 255, 255)
_DOT = 0.3  # half side, in image pixels, of the square marking a one-pixel pre-label


class PreLabelLayer:
    def __init__(self, prelabels: PreLabels, colors: dict[int, QColor], mask: np.ndarray):
        self.prelabels = prelabels
        self.colors = colors
        self._covered = np.zeros(len(prelabels), bool)
        self._polygons: dict[int, list[QPolygonF]] = {}  # built on first paint
        self.refresh(mask, (0, 0, mask.shape[1], mask.shape[0]))

    @property
    def shown_count(self) -> int:
        """Components drawn: those that accepting would still add pixels from."""
        return int(len(self.prelabels) - self._covered.sum())

    def refresh(self, mask: np.ndarray, rect: Rect) -> Rect | None:
        """The mask changed inside ``rect``: the image rectangle to repaint, or None."""
        changed = None
        for i in self.prelabels.indices_in(rect).tolist():
            comp = self.prelabels[i]
            covered = not self.prelabels.pending(mask, comp)
            if covered != self._covered[i]:
                self._covered[i] = covered
                changed = union(changed, comp.bbox)
        return changed

    def paint(self, painter: QPainter, rect: Rect, zoom: float) -> None:
        """Draw the outlines meeting image rectangle ``rect``; the painter maps image coords."""
        m = math.ceil(1 / zoom) + 1  # lines may round one device pixel outwards
        pen = QPen(UNKNOWN, 0)  # width 0: cosmetic, one device pixel at any zoom
        pen.setCosmetic(True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        indices = self.prelabels.indices_in((rect[0] - m, rect[1] - m, rect[2] + m, rect[3] + m))
        for i in indices.tolist():
            if self._covered[i]:
                continue
            comp = self.prelabels[i]
            pen.setColor(self.colors.get(comp.class_value, UNKNOWN))
            painter.setPen(pen)
            for poly in self._outline(i):
                if poly.size() == 1:  # a lone pixel: a small square, not a dot lost at zoom
                    c = poly[0]
                    painter.drawRect(QRectF(c.x() - _DOT, c.y() - _DOT, 2 * _DOT, 2 * _DOT))
                else:
                    painter.drawPolygon(poly)

    def _outline(self, i: int) -> list[QPolygonF]:
        polys = self._polygons.get(i)
        if polys is None:
            polys = self._polygons[i] = [
                QPolygonF([QPointF(x + 0.5, y + 0.5) for x, y in c.tolist()])
                for c in self.prelabels[i].contours
            ]
        return polys
