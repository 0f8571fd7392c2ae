"""Brush and eraser: round stamps joined by thick lines, one undo step per stroke."""

from __future__ import annotations

from .base import NOTHING, Modifiers, Point, Tool, ToolMode, ToolResult
from .geometry import union
from .raster import capsule, stamp_center
from .recorder import StrokeRecorder


class BrushTool(Tool):
    """Paints the current class, over background and over other classes alike.

    Press starts a stroke (shift-press: a straight line from the end of the previous
    stroke), each move joins the last point with a thick round-capped line, release
    returns the stroke's MaskEdit.
    """

    mode = ToolMode.BRUSH
    paints_class = True

    def __init__(self, doc):
        super().__init__(doc)
        self._recorder: StrokeRecorder | None = None
        self._last: Point | None = None  # stamp centre of the last event
        self._last_pt: Point | None = None
        self._size = 1

    @property
    def busy(self) -> bool:
        return self._recorder is not None

    def value(self) -> int:
        return self.doc.class_value

    def press(self, pt: Point, modifiers: Modifiers = Modifiers.NONE) -> ToolResult:
        # A lost release (focus change mid-stroke): close that stroke, hand its edit on.
        pending = self.release() if self._recorder is not None else NOTHING
        self._size = self.doc.brush_size  # fixed for the whole stroke
        self._recorder = StrokeRecorder(self.doc.mask)
        center = stamp_center(pt, self._size)
        start = center
        if Modifiers.SHIFT in modifiers and self.doc.last_point is not None:
            start = stamp_center(self.doc.last_point, self._size)
        self._last, self._last_pt = center, pt
        return ToolResult(union(pending.dirty, self._paint(start, center)), pending.edit)

    def move(self, pt: Point) -> ToolResult:
        if self._recorder is None:  # hovering
            return NOTHING
        self._last_pt = pt
        center = stamp_center(pt, self._size)
        if center == self._last:  # same stamp: nothing new to paint
            return NOTHING
        dirty = self._paint(self._last, center)  # type: ignore[arg-type]  # set by press() before move() can reach this
        self._last = center
        return ToolResult(dirty)

    def release(self, pt: Point | None = None) -> ToolResult:
        if self._recorder is None:
            return NOTHING
        dirty = self.move(pt).dirty if pt is not None else None
        edit = self._recorder.finish()
        self._recorder = None
        self.doc.last_point = self._last_pt
        return ToolResult(dirty, edit)

    def cancel(self) -> ToolResult:
        if self._recorder is None:
            return NOTHING
        dirty = self._recorder.restore()
        self._recorder = None
        return ToolResult(dirty)

    def _paint(self, c0: Point, c1: Point):
        spans = capsule(c0, c1, self._size, self.doc.mask.shape)
        if spans is None:  # entirely outside the image
            return None
        self._recorder.touch(spans.rect)  # type: ignore[union-attr]  # set by press() before move() can reach this
        spans.fill(self.doc.mask, self.value())
        return spans.rect


class EraserTool(BrushTool):
    """The brush writing 0: erases every class, not only the current one."""

    mode = ToolMode.ERASER
    paints_class = False

    def value(self) -> int:
        return 0
