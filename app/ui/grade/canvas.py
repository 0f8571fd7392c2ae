"""GradeCanvas: the part with each defect component filled in its class's colour and outlined
in its grade's colour, the recipe's zones outlined over it, and the tool previews (zone rings,
the measure line).

Built on the Label canvas (zoom about the cursor, middle-drag / Space+drag pan, crisp pixels,
only the exposed region painted), read-only: the fill is app.core.grading.class_image through
the same tiled overlay and the class palette; the outlines are each component's contour drawn
with a cosmetic pen (as visible at 5 % as at 1600 %), least severe grade first.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF

from app.core.grading import ZoneSet, class_image
from app.ui.label.canvas import LabelCanvas
from app.ui.label.image_layer import ImageLayer
from app.ui.label.overlay import MaskOverlay
from app.ui.label.palette import palette_table

from .colors import grade_color

ZONE_PEN = QColor("#40c4ff")
SELECTED_FILL = QColor(64, 196, 255, 50)
OPACITY = 0.6
OUTLINE_PX = 2


class GradeCanvas(LabelCanvas):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.opacity = OPACITY
        self.classes: list = []  # DefectClassRow: the fill colours
        self.zones = ZoneSet()
        self.selected_zone: str | None = None
        self.selected_bbox: tuple[int, int, int, int] | None = None
        self.zones_visible = True
        self.outlines: list[tuple[QColor, list[QPolygonF]]] = []  # by grade, least severe first

    # content ------------------------------------------------------------------------------------
    def show_part(self, part) -> None:
        self.selected_bbox = None
        self.outlines = []
        self.set_layers(ImageLayer(part.pixels, part.display, part.window), None)

    def set_classes(self, classes) -> None:
        self.classes = list(classes)
        if self.overlay is not None:
            self.overlay.set_table(palette_table(self.classes))
            self.update()

    def show_verdict(self, verdict) -> None:
        """Fill every component in its class's colour, outline it in its grade's (None: none)."""
        if self.layer is None:
            return
        if verdict is None:
            self.overlay, self.outlines = None, []
        else:
            values = class_image(verdict, (self.layer.height, self.layer.width))
            self.overlay = MaskOverlay(values, palette_table(self.classes))
            self.outlines = _outlines(verdict)
        self.update()

    def set_zones(self, zones: ZoneSet, selected: str | None = None) -> None:
        self.zones, self.selected_zone = zones, selected
        self.update()

    def select_bbox(self, bbox) -> None:
        self.selected_bbox = tuple(bbox) if bbox is not None else None
        self.update()

    def center_on(self, bbox, fraction: float = 0.3) -> None:
        """Zoom and pan so that `bbox` (x, y, w, h) fills about `fraction` of the view."""
        if self.layer is None:
            return
        x, y, w, h = bbox
        zoom = min(self.width() * fraction / max(w, 1), self.height() * fraction / max(h, 1))
        zoom = min(max(zoom, 1.0), 16.0)
        v = self.view
        v.zoom = zoom
        v.ox = round(self.width() / 2 - (x + w / 2) * zoom)
        v.oy = round(self.height() / 2 - (y + h / 2) * zoom)
        self._fitted = False
        self.select_bbox(bbox)
        self._view_moved()

    # painting -------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.layer is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.overlay_visible:
            self._paint_outlines(p)
        if self.zones_visible:
            self._paint_zones(p)
        if self.selected_bbox is not None:
            x, y, w, h = self.selected_bbox
            x0, y0 = self.view.to_widget(x, y)
            x1, y1 = self.view.to_widget(x + w, y + h)
            pen = QPen(QColor(255, 255, 255), 2, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(x0 - 3, y0 - 3, x1 - x0 + 6, y1 - y0 + 6))
        if self.controller is not None and self._cursor is None:
            self.controller.paint_preview(p, self.view, None)  # a draft, mouse away

    def _paint_outlines(self, p: QPainter) -> None:
        if not self.outlines:
            return
        v = self.view
        p.save()
        p.translate(v.ox, v.oy)
        p.scale(v.zoom, v.zoom)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for color, polygons in self.outlines:
            pen = QPen(color, OUTLINE_PX)
            pen.setCosmetic(True)  # OUTLINE_PX device pixels at any zoom
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            p.setPen(pen)
            for poly in polygons:
                p.drawPolygon(poly)
        p.restore()

    def _paint_zones(self, p: QPainter) -> None:
        scale = self._zone_scale()
        for zone in self.zones.zones:
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.OddEvenFill)
            for poly in zone.polygons:
                for ring in (poly.outer, *poly.holes):
                    path.addPolygon(self._ring(ring, scale))
                    path.closeSubpath()
            selected = zone.name == self.selected_zone
            p.setPen(QPen(ZONE_PEN, 3 if selected else 1.5))
            p.setBrush(QBrush(SELECTED_FILL) if selected else Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            if zone.polygons:
                first = self._ring(zone.polygons[0].outer, scale).boundingRect()
                p.setPen(ZONE_PEN)
                p.drawText(first.topLeft() + QPointF(4, 14), zone.name)

    def _zone_scale(self) -> tuple[float, float]:
        ref = self.zones.reference_size
        if ref is None or self.layer is None:
            return 1.0, 1.0
        return self.layer.width / ref[0], self.layer.height / ref[1]

    def _ring(self, ring, scale) -> QPolygonF:
        # zone vertices put pixel centres on integers; the canvas puts them on i + 0.5
        sx, sy = scale
        return QPolygonF([QPointF(*self.view.to_widget((x + 0.5) * sx, (y + 0.5) * sy))
                          for x, y in ring])


def _outlines(verdict) -> list[tuple[QColor, list[QPolygonF]]]:
    """Each component's outer border through its border pixels' centres (image coordinates),
    grouped by grade, least severe first so the most severe is drawn on top. A lone pixel is
    outlined by its square."""
    out = []
    for grade in verdict.scale.levels:
        polys = []
        for c in verdict.components:
            if c.grade != grade:
                continue
            pts = c.component.contour.reshape(-1, 2).tolist()
            if len(pts) < 3:  # a pixel or a straight run of pixels: its pixels' box
                xs, ys = [x for x, _ in pts], [y for _, y in pts]
                x0, y0, x1, y1 = min(xs), min(ys), max(xs) + 1, max(ys) + 1
                polys.append(QPolygonF([QPointF(x0, y0), QPointF(x1, y0), QPointF(x1, y1),
                                        QPointF(x0, y1)]))
                continue
            polys.append(QPolygonF([QPointF(x + 0.5, y + 0.5) for x, y in pts]))
        if polys:
            out.append((grade_color(grade, verdict.scale), polys))
    return out
