"""LabelSettings: the observable state the tool bar edits and the canvas/controller read.

Widgets never hold the truth: they write here and follow ``changed(name)``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.editing import MAX_BRUSH_SIZE, ToolMode


class _Field:
    """A property that emits ``changed(name)`` when its (coerced) value really changes."""

    def __init__(self, default: Any, coerce=lambda v: v):
        self.default, self.coerce = default, coerce

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return obj._values.get(self.name, self.default)

    def __set__(self, obj, value) -> None:
        value = self.coerce(value)
        if self.__get__(obj) != value:
            obj._values[self.name] = value
            obj.changed.emit(self.name)


def _brush(v) -> int:
    return min(max(int(v), 1), MAX_BRUSH_SIZE)


def _window(v) -> tuple[int, int]:
    lo, hi = int(v[0]), int(v[1])
    return (lo, max(hi, lo + 1))


class LabelSettings(QObject):
    changed = Signal(str)  # the name of the field that changed

    mode = _Field(ToolMode.BRUSH, lambda v: v if isinstance(v, ToolMode) else ToolMode(v))
    class_value = _Field(1, int)
    brush_size = _Field(16, _brush)
    opacity = _Field(0.5, lambda v: min(max(float(v), 0.0), 1.0))
    overlay_visible = _Field(True, bool)
    prelabels_visible = _Field(True, bool)  # the model's pre-label outlines
    subtract = _Field(False, bool)  # polygon cuts holes (Alt on the first vertex does it once)
    window = _Field((0, 255), _window)  # window/level of the image shown: lo -> 0, hi -> 255
    levels = _Field(256, int)  # 256 for 8-bit images, 65536 for 16-bit

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._values: dict[str, Any] = {}
