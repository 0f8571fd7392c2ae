"""What every tool shares: the mode enum, modifiers, the result of a mouse event, Tool."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from .document import MaskDocument
from .geometry import Rect
from .mask_edit import MaskEdit

Point = tuple[float, float]  # image coordinates: x right, y down, pixel i spans i..i+1


class ToolMode(enum.Enum):
    BRUSH = "brush"
    ERASER = "eraser"
    POLYGON = "polygon"
    FILL = "fill"
    ACCEPT = "accept"  # accept the pre-label under the cursor (app.core.prelabel)


class Modifiers(enum.Flag):
    """Keyboard modifiers held during a press, mirrored from the UI toolkit."""

    NONE = 0
    SHIFT = enum.auto()
    CTRL = enum.auto()
    ALT = enum.auto()


@dataclass(frozen=True)
class ToolResult:
    """What one tool call did.

    ``dirty``: the mask rectangle to redraw (x0, y0, x1, y1, half-open), None if nothing.
    ``edit``: set when a stroke, polygon or fill is finished: push it to the undo history.
    """

    dirty: Rect | None = None
    edit: MaskEdit | None = None


NOTHING = ToolResult()


class Tool:
    """Mouse logic on a MaskDocument, driven without a window.

    The UI forwards press/move/release in image coordinates, redraws ``result.dirty`` and
    pushes ``result.edit`` whenever one comes back (from any call).
    """

    mode: ClassVar[ToolMode]
    paints_class: ClassVar[bool] = False  # writes the document's class value (brush, ...)

    def __init__(self, doc: MaskDocument):
        self.doc = doc

    @property
    def busy(self) -> bool:
        """True while a stroke or polygon is in progress."""
        return False

    def press(self, pt: Point, modifiers: Modifiers = Modifiers.NONE) -> ToolResult:
        return NOTHING

    def move(self, pt: Point) -> ToolResult:
        return NOTHING

    def release(self, pt: Point | None = None) -> ToolResult:
        return NOTHING

    def cancel(self) -> ToolResult:
        """Drop the work in progress (Escape), restoring the mask."""
        return NOTHING
