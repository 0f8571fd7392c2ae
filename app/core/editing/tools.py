"""The dispatch table from tool mode to tool class."""

from __future__ import annotations

from .accept import AcceptTool
from .base import Tool, ToolMode
from .brush import BrushTool, EraserTool
from .document import MaskDocument
from .fill import FillTool
from .polygon import PolygonTool

TOOLS: dict[ToolMode, type[Tool]] = {
    ToolMode.BRUSH: BrushTool,
    ToolMode.ERASER: EraserTool,
    ToolMode.POLYGON: PolygonTool,
    ToolMode.FILL: FillTool,
    ToolMode.ACCEPT: AcceptTool,
}


def make_tool(mode: ToolMode | str, doc: MaskDocument) -> Tool:
    """The tool for ``mode`` (a ToolMode or its name, e.g. "brush") acting on ``doc``."""
    if not isinstance(mode, ToolMode):
        mode = next((m for m in ToolMode if m.value == mode), mode)
    if mode not in TOOLS:
        valid = ", ".join(m.value for m in TOOLS)
        raise ValueError(f"unknown tool {mode!r}; valid tools: {valid}")
    return TOOLS[mode](doc)
