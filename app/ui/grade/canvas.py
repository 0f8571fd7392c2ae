"""GradeCanvas: the part with each defect component filled in its class's colour and framed
in its grade's colour, the recipe's zones outlined over it, and the tool previews (zone rings,
the measure line).

Built on the Label canvas (zoom about the cursor, middle-drag / Space+drag pan, crisp pixels,
only the exposed region painted), read-only: the fill is app.core.grading.class_image through
the same tiled overlay and the class palette. The grade is a frame a few screen pixels outside
each component's box, least severe grade first: defects are often 2-3 px thin, and a line on
their contour would hide the class colour at any zoom below 100 %, a frame never does.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF

from app.core.grading import ZoneSet, class_image
from app.ui.label.canvas import LabelCanvas
from app.ui.label.image_layer import ImageLayer
from app.ui.label.overlay import MaskOverlay
from app.ui.label.palette import palette_table

from .colors import grade_color

ZONE_PEN = QColor("#40c4ff")
SELECTED_FILL = QColor(64, 196, 255, 50)
LABEL_PLATE = QColor(0, 0, 0, 160)
OPACITY = 0.6
OUTLINE_PX = 2
FRAME_MARGIN = 3  # screen pixels between a component's box and its grade frame


class GradeCanvas(LabelCanvas):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.opacity = OPACITY
        self.classes: list = []  # DefectClassRow: the fill colours
        self.zones = ZoneSet()
        self.selected_zone: str | None = None
        self.selected_bbox: tuple[int, int, int, int] | None = None
        self.zones_visible = True
        self.frames: list[tuple[QColor, list[tuple]]] = []  # bboxes by grade, least severe first

    # content ------------------------------------------------------------------------------------
    def show_part(self, part) -> None:
        self.selected_bbox = None
        self.frames = []
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
            self.overlay, self.frames = None, []
        else:
            values = class_image(verdict, (self.layer.height, self.layer.width))
            self.overlay = MaskOverlay(values, palette_table(self.classes))
            self.frames = _frames(verdict)
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
            self._paint_frames(p)
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

    def _paint_frames(self, p: QPainter) -> None:
        if not self.frames:
            return
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # crisp 2 px lines
        p.setBrush(Qt.BrushStyle.NoBrush)
        v, m = self.view, FRAME_MARGIN
        shown = QRectF(self.rect())
        for color, boxes in self.frames:
            p.setPen(QPen(color, OUTLINE_PX))
            for x, y, w, h in boxes:
                x0, y0 = v.to_widget(x, y)
                x1, y1 = v.to_widget(x + w, y + h)
                r = QRectF(round(x0) - m, round(y0) - m, round(x1 - x0) + 2 * m,
                           round(y1 - y0) + 2 * m)
                if r.intersects(shown):
                    p.drawRect(r)
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
            if zone.polygons:  # the name on a dark plate: readable over the part and the lines
                first = self._ring(zone.polygons[0].outer, scale).boundingRect()
                text = p.fontMetrics().boundingRect(zone.name).adjusted(-3, -1, 3, 1)
                text.moveTopLeft(first.topLeft().toPoint() + QPoint(2, 2))
                p.fillRect(text, LABEL_PLATE)
                p.setPen(ZONE_PEN)
                p.drawText(text, Qt.AlignmentFlag.AlignCenter, zone.name)

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


def _frames(verdict) -> list[tuple[QColor, list[tuple]]]:
    """Component boxes grouped by grade, least severe first (the most severe on top)."""
    out = []
    for grade in verdict.scale.levels:
        boxes = [c.bbox for c in verdict.components if c.grade == grade]
        if boxes:
            out.append((grade_color(grade, verdict.scale), boxes))
    return out
