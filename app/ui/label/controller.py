"""ToolController: canvas input in image coordinates -> the core tool of the current mode.

Thin on purpose: tools come from the core TOOLS dispatch table, keys map to tool method names
(a tool without that method simply does not take the key), and previews come from PREVIEWS.
No handler branches on the mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QRegion

from app.core.editing import TOOLS, MaskDocument, Modifiers, Tool, ToolResult

from .previews import PREVIEWS
from .settings import LabelSettings

NO_CLASS_HINT = "Add a defect class to start labeling: + in the class list"

# key -> the tool method it calls (PolygonTool: Backspace drops a vertex, Enter closes)
KEY_CALLS = {
    Qt.Key.Key_Backspace: "remove_last",
    Qt.Key.Key_Return: "close",
    Qt.Key.Key_Enter: "close",
    Qt.Key.Key_Escape: "cancel",
}
_MODIFIERS = (
    (Qt.KeyboardModifier.ShiftModifier, Modifiers.SHIFT),
    (Qt.KeyboardModifier.ControlModifier, Modifiers.CTRL),
    (Qt.KeyboardModifier.AltModifier, Modifiers.ALT),
)


def core_modifiers(qt_modifiers) -> Modifiers:
    out = Modifiers.NONE
    for qt_flag, flag in _MODIFIERS:
        if qt_modifiers & qt_flag:
            out |= flag
    return out


@dataclass
class PreviewContext:
    view: object
    cursor: QPointF
    tool: Tool
    settings: LabelSettings
    color: QColor


class ToolController(QObject):
    dirty = Signal(tuple)  # a mask rectangle changed: overlay and canvas must follow
    edit_finished = Signal(object)  # the MaskEdit of a finished stroke, polygon or fill
    preview_changed = Signal()  # the preview changed without the cursor moving
    refused = Signal(str)  # a press the current tool cannot paint, and why

    def __init__(self, settings: LabelSettings, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        self.doc: MaskDocument | None = None
        self.editable = True  # False for read-only projects
        self.class_colors: dict[int, QColor] = {}
        self._tools: dict = {}
        self._mode = settings.mode
        settings.changed.connect(self._on_setting)

    def set_document(self, doc: MaskDocument | None) -> None:
        """Edit another mask (None: nothing); work in progress on the last one is dropped."""
        self.cancel()
        self.doc = doc
        self._tools = {mode: cls(doc) for mode, cls in TOOLS.items()} if doc is not None else {}
        for name in ("class_value", "brush_size", "subtract"):
            self._on_setting(name)

    @property
    def tool(self) -> Tool | None:
        """The current tool, or None: read-only, or a tool that paints a class while the
        selected one is not a class of this project (class_colors holds the project's)."""
        tool = self._tools.get(self.settings.mode) if self.editable else None
        if tool is not None and tool.paints_class and not self.class_ready:
            return None
        return tool

    @property
    def class_ready(self) -> bool:
        return self.settings.class_value in self.class_colors

    @property
    def busy(self) -> bool:
        return any(t.busy for t in self._tools.values())

    # input from the canvas ------------------------------------------------------------------
    def press(self, pt, qt_modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        if self.editable and self.doc is not None and self.tool is None:
            self.refused.emit(NO_CLASS_HINT)
        if self.tool is not None:
            self._handle(self.tool.press(pt, core_modifiers(qt_modifiers)))
            self.preview_changed.emit()

    def move(self, pt) -> None:
        if self.tool is not None:
            self._handle(self.tool.move(pt))

    def release(self, pt) -> None:
        if self.tool is not None:
            self._handle(self.tool.release(pt))

    def double_click(self, pt) -> None:
        self.call("close")

    def key(self, key) -> bool:
        name = KEY_CALLS.get(key)
        return name is not None and self.call(name)

    def call(self, name: str) -> bool:
        """Run tool method ``name`` if the current tool has it; True when it did."""
        fn = getattr(self.tool, name, None)
        if fn is None:
            return False
        result = fn()
        if isinstance(result, ToolResult):
            self._handle(result)
        self.preview_changed.emit()
        return True

    def finish(self) -> None:
        """End a brush stroke in progress so it is kept (flush, undo, image switch)."""
        for tool in self._tools.values():
            if tool.busy:
                self._handle(tool.release())

    def cancel(self) -> None:
        """Drop unfinished work: a polygon's vertices; a stroke in progress is kept."""
        self.finish()
        for tool in self._tools.values():
            if tool.busy:
                self._handle(tool.cancel())
        self.preview_changed.emit()

    # preview --------------------------------------------------------------------------------
    def _context(self, view, cursor) -> PreviewContext | None:
        tool = self.tool
        if tool is None:
            return None
        color = self.class_colors.get(self.settings.class_value, QColor(255, 255, 255))
        return PreviewContext(view, cursor, tool, self.settings, color)

    def preview_region(self, view, cursor):
        ctx = self._context(view, cursor)
        return PREVIEWS[self.settings.mode].region(ctx) if ctx else QRegion()

    def paint_preview(self, painter, view, cursor) -> None:
        ctx = self._context(view, cursor)
        if ctx is not None:
            PREVIEWS[self.settings.mode].paint(painter, ctx)

    # internals ------------------------------------------------------------------------------
    def _handle(self, result: ToolResult) -> None:
        if result.dirty is not None:
            self.dirty.emit(tuple(result.dirty))
        if result.edit is not None:
            self.edit_finished.emit(result.edit)

    def _on_setting(self, name: str) -> None:
        if name == "mode":
            old = self._tools.get(self._mode)
            self._mode = self.settings.mode
            if old is not None:  # switching tools ends the last one's work
                self._handle(old.release())
                self._handle(old.cancel())
            self.preview_changed.emit()
        elif self.doc is not None and name in ("class_value", "brush_size"):
            setattr(self.doc, name, getattr(self.settings, name))
            self.preview_changed.emit()
        elif name == "subtract":
            for tool in self._tools.values():
                if hasattr(tool, "subtract"):
                    tool.subtract = self.settings.subtract
            self.preview_changed.emit()
