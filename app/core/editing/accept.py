"""AcceptTool: a click accepts the pre-label component under the cursor."""

from __future__ import annotations

from .base import NOTHING, Modifiers, Point, Tool, ToolMode, ToolResult


class AcceptTool(Tool):
    """Reads ``doc.prelabels`` (app.core.prelabel.PreLabels, or None): a press on a component
    gives its pixels that are background in the mask its class, as one undo step; the labels
    already there are kept. A press off every component does nothing."""

    mode = ToolMode.ACCEPT

    def press(self, pt: Point, modifiers: Modifiers = Modifiers.NONE) -> ToolResult:
        prelabels = self.doc.prelabels
        component = prelabels.component_at(*pt) if prelabels is not None else None
        edit = prelabels.accept(self.doc.mask, component) if component is not None else None
        return ToolResult(edit.bbox, edit) if edit is not None else NOTHING
