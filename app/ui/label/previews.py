"""What each tool draws over the canvas, in widget coordinates: a dispatch table by ToolMode.

A preview says which widget region it covers (so moving the cursor repaints only that) and
paints itself. The brush ring is drawn at the exact stamp the core brush will paint.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF, QRegion

from app.core.editing import ToolMode
from app.core.editing.raster import stamp_center

_PAD = 3  # pen width plus anti-aliasing
_SMOOTH_RADIUS = 64  # widget px


def _cosmetic(color: QColor, style=Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(color, 0, style)  # width 0: one device pixel at any transform
    pen.setCosmetic(True)
    return pen


class Preview:
    def region(self, ctx) -> QRegion:
        return QRegion()

    def paint(self, p: QPainter, ctx) -> None:
        pass


class BrushPreview(Preview):
    """A ring of the brush diameter at the stamp under the cursor (true size at any zoom)."""

    color = QColor(255, 255, 255)

    def _circle(self, ctx) -> tuple[float, float, float]:
        size = ctx.settings.brush_size
        cx, cy = stamp_center(ctx.view.to_image(ctx.cursor.x(), ctx.cursor.y()), size)
        wx, wy = ctx.view.to_widget(cx + 0.5, cy + 0.5)  # stamp centres are pixel indices
        return wx, wy, max(size * ctx.view.zoom / 2, 1.0)

    def region(self, ctx) -> QRegion:
        return ring_region(*self._circle(ctx), _PAD)

    def paint(self, p: QPainter, ctx) -> None:
        wx, wy, r = self._circle(ctx)
        # Cosmetic 1 px pens skip the stroker; antialiasing a big circle costs ~0.5 ms a paint
        # and buys nothing visible, so only small rings get it.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, r < _SMOOTH_RADIUS)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(_cosmetic(QColor(0, 0, 0, 160)))
        p.drawEllipse(QPointF(wx, wy), r + 1, r + 1)
        p.setPen(_cosmetic(self.color))
        p.drawEllipse(QPointF(wx, wy), r, r)


class EraserPreview(BrushPreview):
    color = QColor(255, 120, 120)


class PolygonPreview(Preview):
    """The vertices so far and a rubber band to the cursor; red and dashed when cutting."""

    def _points(self, ctx) -> list[QPointF]:
        pts = [QPointF(*ctx.view.to_widget(x + 0.5, y + 0.5)) for x, y in ctx.tool.vertices]
        if pts:
            pts.append(ctx.cursor)
        return pts

    def region(self, ctx) -> QRegion:
        pts = self._points(ctx)
        if not pts:
            return QRegion()
        rect = QPolygonF(pts).boundingRect().toAlignedRect()
        return QRegion(rect.adjusted(-_PAD - 3, -_PAD - 3, _PAD + 3, _PAD + 3))

    def paint(self, p: QPainter, ctx) -> None:
        pts = self._points(ctx)
        if not pts:
            return
        cut = ctx.tool.subtracting
        color = QColor(255, 60, 60) if cut else ctx.color
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(color, 1.5, Qt.PenStyle.DashLine if cut else Qt.PenStyle.SolidLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(QPolygonF(pts))
        if len(pts) > 2:  # the closing edge, faint
            p.setPen(QPen(color.lighter(), 1.0, Qt.PenStyle.DotLine))
            p.drawLine(pts[-1], pts[0])
        p.setPen(QPen(QColor(0, 0, 0), 1.0))
        p.setBrush(color)
        for pt in pts[:-1]:
            p.drawRect(QRectF(pt.x() - 2.5, pt.y() - 2.5, 5, 5))


class AcceptPreview(Preview):
    """A dashed frame around the pre-label a click would accept (nothing off pre-labels)."""

    def _frame(self, ctx) -> QRect | None:
        prelabels = ctx.tool.doc.prelabels
        if prelabels is None:
            return None
        comp = prelabels.component_at(*ctx.view.to_image(ctx.cursor.x(), ctx.cursor.y()))
        if comp is None or not prelabels.pending(ctx.tool.doc.mask, comp):
            return None  # accepted already: a click would add nothing
        x0, y0, x1, y1 = ctx.view.image_rect_to_widget(comp.bbox, margin=2)
        return QRect(x0, y0, x1 - x0, y1 - y0)

    def region(self, ctx) -> QRegion:
        frame = self._frame(ctx)
        return QRegion(frame.adjusted(-1, -1, 2, 2)) if frame is not None else QRegion()

    def paint(self, p: QPainter, ctx) -> None:
        frame = self._frame(ctx)
        if frame is None:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(_cosmetic(QColor(0, 0, 0)))
        p.drawRect(frame)
        p.setPen(_cosmetic(QColor(255, 255, 255), Qt.PenStyle.DashLine))
        p.drawRect(frame)


PREVIEWS: dict[ToolMode, Preview] = {
    ToolMode.BRUSH: BrushPreview(),
    ToolMode.ERASER: EraserPreview(),
    ToolMode.POLYGON: PolygonPreview(),
    ToolMode.FILL: Preview(),  # the cross cursor says enough
    ToolMode.ACCEPT: AcceptPreview(),
}


def ring_region(cx: float, cy: float, r: float, pad: int) -> QRegion:
    """Widget pixels of a ring of radius r (+- pad) as a few rectangles, not its bounding box:
    a 2000 px brush ring must not repaint the whole view on every hover move."""
    outer = r + pad
    if outer <= 24:
        return QRegion(_rect(cx - outer, cy - outer, cx + outer, cy + outer))
    inner = max(r - pad, 0.0)
    slab = max(4.0, outer / 12)  # about 24 slabs around the ring
    region = QRegion()
    y = cy - outer
    while y < cy + outer:
        y1 = min(y + slab, cy + outer)
        near = 0.0 if y <= cy <= y1 else min(abs(y - cy), abs(y1 - cy))
        far = max(abs(y - cy), abs(y1 - cy))
        half_out = math.sqrt(max(outer * outer - near * near, 0.0))
        half_in = math.sqrt(inner * inner - far * far) if far < inner else 0.0
        if half_in > 0:
            region |= _rect(cx - half_out, y, cx - half_in, y1)
            region |= _rect(cx + half_in, y, cx + half_out, y1)
        else:
            region |= _rect(cx - half_out, y, cx + half_out, y1)
        y = y1
    return region


def _rect(x0: float, y0: float, x1: float, y1: float) -> QRect:
    ix0, iy0 = math.floor(x0) - 1, math.floor(y0) - 1
    return QRect(ix0, iy0, math.ceil(x1) + 1 - ix0, math.ceil(y1) + 1 - iy0)
