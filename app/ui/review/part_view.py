"""PartView: the Label canvas, read-only, with each defect component outlined in its grade's
colour (OK green, REWORK amber, SCRAP red) and a caption.

Reuses LabelCanvas for zoom/pan and window/level drawing (no controller: nothing edits);
outlines are painted over it in widget coordinates, so they stay 2 px wide at any zoom.
A component is drawn from its stored outline when the result kept one, else as its bounding
box.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from app.core.grading import GradeScale
from app.ui.grade.colors import grade_color  # one grade palette for Grade and Review
from app.ui.label.canvas import LabelCanvas
from app.ui.label.image_layer import ImageLayer
from app.ui.theme import is_dark

from .caption_layout import place_captions

TITLE_HEIGHT = 24  # the part's name, top-left; captions stay below it


def text_color(color: QColor) -> QColor:
    """A grade colour made readable as text on the window's own background: the outline
    colours (bright, for dark images) are darkened on a light palette."""
    return QColor(color).lighter(130) if is_dark() else QColor(color).darker(185)


@dataclass(frozen=True)
class Outline:
    bbox: tuple[int, int, int, int]
    points: tuple[tuple[float, float], ...]  # empty: draw the box
    color: QColor
    caption: str


def outlines_for(components, scale: GradeScale, caption) -> list[Outline]:
    """Outline per StoredComponent; `caption(c)` gives its label text."""
    return [Outline(c.bbox, tuple((float(x), float(y)) for x, y in c.outline),
                    grade_color(c.grade, scale), caption(c)) for c in components]


class PartView(LabelCanvas):
    """A read-only part image with outlines; `selected` outline drawn thicker."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.outlines: list[Outline] = []
        self.selected: int | None = None
        self.title = ""  # drawn top-left ("Reference: part-04.png")

    def show_part(self, pixels, display, window, outlines=()) -> None:
        self.outlines = list(outlines)
        self.selected = None
        self.set_layers(ImageLayer(pixels, display, window), None)

    def follow(self, other: LabelCanvas) -> None:
        """Take `other`'s zoom and pan (a reference part of the same size moves along)."""
        if self.layer is None or other.layer is None or (self.layer.width, self.layer.height) \
                != (other.layer.width, other.layer.height):
            return
        self.view.zoom, self.view.ox, self.view.oy = other.view.zoom, other.view.ox, other.view.oy
        self._fitted = False
        self.update()

    def set_selected(self, index: int | None) -> None:
        self.selected = index
        self.update()

    def clear(self, text: str) -> None:
        self.outlines = []
        self.set_placeholder(text)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.layer is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for i, o in enumerate(self.outlines):
            self._paint_outline(p, o, i == self.selected)
        self._paint_captions(p, [self.widget_box(o) for o in self.outlines])
        if self.title:  # light on a dark label: readable over bright and dark parts alike
            text = self.fontMetrics().elidedText(self.title, Qt.TextElideMode.ElideMiddle,
                                                 max(self.width() - 24, 0))
            label = QRectF(4, 2, self.fontMetrics().horizontalAdvance(text) + 10,
                           TITLE_HEIGHT - 4)
            p.fillRect(label, QColor(0, 0, 0, 190))
            p.setPen(QColor(240, 240, 240))
            p.drawText(label, Qt.AlignmentFlag.AlignCenter, text)

    def widget_box(self, o: Outline) -> QRectF:
        """The outline's box in widget pixels, a few pixels out from the defect, so the
        defect itself stays visible."""
        x, y, w, h = o.bbox
        x0, y0 = self.view.to_widget(x, y)
        x1, y1 = self.view.to_widget(x + w, y + h)
        return QRectF(QPointF(x0, y0), QPointF(x1, y1)).adjusted(-3, -3, 3, 3)

    def _paint_outline(self, p: QPainter, o: Outline, selected: bool) -> None:
        v = self.view
        pen = QPen(o.color, 3.5 if selected else 2.0)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if o.points:
            # contour points are pixel indices: the pixel centre is index + 0.5
            p.drawPolygon(QPolygonF([QPointF(*v.to_widget(px + 0.5, py + 0.5))
                                     for px, py in o.points]))
        else:
            p.drawRect(self.widget_box(o))

    def caption_rects(self, boxes: list[QRectF]) -> list[QRectF | None]:
        """Where each caption goes: no two overlap (caption_layout); the selected outline's
        caption, then the list order (most severe first), get the nearest spots."""
        metrics = self.fontMetrics()
        order = sorted(range(len(self.outlines)), key=lambda i: i != self.selected)
        order = [i for i in order if self.outlines[i].caption]
        sizes = [(metrics.horizontalAdvance(self.outlines[i].caption) + 8.0,
                  float(metrics.height() + 2)) for i in order]
        spots = place_captions([(b.x() - 1.5, b.y(), b.width(), b.height())
                                for b in (boxes[i] for i in order)], sizes,
                               (float(self.width()), float(self.height())),
                               top=TITLE_HEIGHT if self.title else 0.0)
        out: list[QRectF | None] = [None] * len(self.outlines)
        for i, spot in zip(order, spots, strict=True):
            out[i] = None if spot is None else QRectF(*spot)
        return out

    def _paint_captions(self, p: QPainter, boxes: list[QRectF]) -> None:
        for o, label in zip(self.outlines, self.caption_rects(boxes), strict=True):
            if label is None:
                continue
            p.fillRect(label, QColor(0, 0, 0, 190))  # a dark label: readable over any texture
            p.setPen(o.color)
            p.drawText(label, Qt.AlignmentFlag.AlignCenter, o.caption)
