"""Mask editing without a window: tools, undo atoms and history (numpy + OpenCV only).

A UI drives a stroke like this::

    doc = MaskDocument(mask, class_value=3, brush_size=64)
    history = UndoHistory(max_bytes=256 * 2**20)  # UndoHistories: one per image, one budget
    tool = make_tool(ToolMode.BRUSH, doc)        # or TOOLS[ToolMode.BRUSH](doc)
    r = tool.press((120.5, 80.2), Modifiers.NONE)  # image coordinates
    r = tool.move((140.0, 95.0))                 # r.dirty: (x0, y0, x1, y1) to redraw
    r = tool.release((141.0, 96.0))              # r.edit: the stroke's MaskEdit
    history.push(r.edit)
    history.undo(doc.mask)                       # returns the rect to redraw
"""

from .accept import AcceptTool
from .base import Modifiers, Point, Tool, ToolMode, ToolResult
from .brush import BrushTool, EraserTool
from .document import MAX_BRUSH_SIZE, MaskDocument
from .fill import FillTool, flood_fill
from .geometry import Rect
from .history import DEFAULT_MAX_BYTES, UndoHistories, UndoHistory
from .mask_edit import MaskEdit, paint_selection
from .polygon import PolygonTool, fill_polygon
from .recorder import StrokeRecorder
from .tools import TOOLS, make_tool

__all__ = [
    "DEFAULT_MAX_BYTES", "MAX_BRUSH_SIZE", "TOOLS", "AcceptTool", "BrushTool", "EraserTool",
    "FillTool", "MaskDocument", "MaskEdit", "Modifiers", "Point", "PolygonTool", "Rect",
    "StrokeRecorder", "Tool", "ToolMode", "ToolResult", "UndoHistories", "UndoHistory",
    "fill_polygon",
    "flood_fill", "make_tool", "paint_selection",
]
