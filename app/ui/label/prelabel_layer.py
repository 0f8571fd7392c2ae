"""PreLabelLayer: the model's pre-labels drawn as class-coloured outlines over the mask.

Why outlines and not a second colour fill: the annotation is drawn as translucent solid
colour, so a pre-label must never look like it. Each component's borders (outer and holes,
from cv2.findContours) are drawn as 1-device-pixel lines through the centres of its border
pixels, at full opacity, with a cosmetic pen: as thin and as visible at 2 % as at 6400 %, where
a raster layer sampled nearest would drop thin lines when zoomed out. The inside stays
unpainted, so the image and the annotation show through. A one-pixel component is a small
square; a component under two device pixels (zoomed far out) is a single point.

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


def build_outlines(prelabels: PreLabels) -> list[list[QPolygonF]]:
    """Per component, its borders as polygons through border-pixel centres. Plain values, no
    QObject: the loader builds them on its worker thread (30 000 points cost ~70 ms)."""
    return [[QPolygonF([QPointF(x + 0.5, y + 0.5) for x, y in c.tolist()]) for c in comp.contours]
            for comp in prelabels]


class PreLabelLayer:
    def __init__(self, prelabels: PreLabels, colors: dict[int, QColor], mask: np.ndarray,
                 outlines: list[list[QPolygonF]] | None = None):
        self.prelabels = prelabels
        self.colors = colors
        self._outlines = outlines if outlines is not None else build_outlines(prelabels)
        boxes = np.array([c.bbox for c in prelabels], np.float64).reshape(-1, 4)
        self._values = np.array([c.class_value for c in prelabels], np.int64)
        self._extent = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        self._centres = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        self._covered = np.zeros(len(prelabels), bool)
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
        idx = self.prelabels.indices_in((rect[0] - m, rect[1] - m, rect[2] + m, rect[3] + m))
        idx = idx[~self._covered[idx]]
        if idx.size == 0:
            return
        pen = QPen(UNKNOWN, 0)  # width 0: cosmetic, one device pixel at any zoom
        pen.setCosmetic(True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        # Components under two device pixels (noise seen from afar) are one point each, in
        # one call per class: outlines would only draw the same pixel slower.
        tiny = self._extent[idx] * zoom < 2
        values = self._values[idx]
        for value in np.unique(values).tolist():
            pen.setColor(self.colors.get(value, UNKNOWN))
            painter.setPen(pen)
            of_class = values == value
            dots = idx[of_class & tiny]
            if dots.size:
                painter.drawPointsNp(self._centres[0][dots], self._centres[1][dots])
            for i in idx[of_class & ~tiny].tolist():
                for poly in self._outlines[i]:
                    if poly.size() == 1:  # a lone pixel: a small square, not a lost dot
                        c = poly[0]
                        painter.drawRect(QRectF(c.x() - _DOT, c.y() - _DOT, 2 * _DOT, 2 * _DOT))
                    else:
                        painter.drawPolygon(poly)
