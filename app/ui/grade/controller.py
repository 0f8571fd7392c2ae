"""GradeToolController: canvas input -> the tool of the current mode -> signals.

Speaks the canvas's controller protocol (press, move, release, double_click, key,
preview_region, paint_preview); no handler branches on the mode.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF, QRegion

from .tools import TOOLS, Line, Mode, Picked, PolygonTool, Ring

KEYS = {
    Qt.Key.Key_Return: "close",
    Qt.Key.Key_Enter: "close",
    Qt.Key.Key_Backspace: "back",
    Qt.Key.Key_Escape: "cancel",
}
CLOSE_PX = 8  # a click this near the first vertex (screen pixels) closes the ring
DRAFT = QColor("#40c4ff")


class GradeToolController(QObject):
    picked = Signal(float, float)  # image point clicked in select mode
    ring_closed = Signal(object)  # tools.Ring
    line_drawn = Signal(object)  # tools.Line
    preview_changed = Signal()
    mode_changed = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.mode = Mode.SELECT
        self.tool = TOOLS[self.mode]()
        self.zoom = 1.0  # the canvas's, for the close tolerance

    def set_mode(self, mode: Mode) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        self.tool = TOOLS[mode]()
        self.preview_changed.emit()
        self.mode_changed.emit(mode)

    # the canvas protocol -------------------------------------------------------------------------
    def press(self, pt, modifiers=None) -> None:
        self._emit(self.tool.press(tuple(pt), CLOSE_PX / max(self.zoom, 1e-6)))

    def move(self, pt) -> None:
        self._emit(self.tool.move(tuple(pt)))
        if self.mode != Mode.SELECT:
            self.preview_changed.emit()

    def release(self, pt) -> None:
        self._emit(self.tool.release(tuple(pt)))

    def double_click(self, pt) -> None:
        self._emit(self.tool.double_click(tuple(pt)))

    def key(self, qt_key) -> bool:
        name = KEYS.get(qt_key)
        if name is None or self.mode == Mode.SELECT:
            return False
        self._emit(self.tool.key(name))
        self.preview_changed.emit()
        return True

    def _emit(self, outcome) -> None:
        if isinstance(outcome, Picked):
            self.picked.emit(*outcome.point)
        elif isinstance(outcome, Ring):
            self.ring_closed.emit(outcome)
            self.preview_changed.emit()
        elif isinstance(outcome, Line):
            self.line_drawn.emit(outcome)
            self.preview_changed.emit()

    # previews (widget coordinates) ---------------------------------------------------------------
    def preview_region(self, view, cursor: QPointF) -> QRegion:
        pts = self._preview_points(view, cursor)
        if not pts:
            return QRegion()
        xs, ys = [p.x() for p in pts], [p.y() for p in pts]
        x0, y0 = int(min(xs)) - 4, int(min(ys)) - 4
        return QRegion(QRect(x0, y0, int(max(xs)) - x0 + 5, int(max(ys)) - y0 + 5))

    def paint_preview(self, p: QPainter, view, cursor: QPointF | None) -> None:
        pts = self._preview_points(view, cursor)
        if len(pts) < 2:
            return
        pen = QPen(DRAFT, 2, Qt.PenStyle.DashLine if self.mode == Mode.HOLE else
                   Qt.PenStyle.SolidLine)
        p.setPen(pen)
        p.drawPolyline(QPolygonF(pts))

    def _preview_points(self, view, cursor: QPointF | None) -> list[QPointF]:
        tool = self.tool
        if isinstance(tool, PolygonTool) and tool.points:
            pts = [QPointF(*view.to_widget(*pt)) for pt in tool.points]
            return pts if cursor is None else [*pts, cursor]
        p0, p1 = getattr(tool, "p0", None), getattr(tool, "p1", None)
        if p0 is not None and p1 is not None:
            return [QPointF(*view.to_widget(*p0)), QPointF(*view.to_widget(*p1))]
        return []
