"""The Label workspace's actions, declared once: text, keys, tooltip, and the handler called.

Keys (tooltips show them): B brush, E eraser, P polygon, F fill, K accept pre-labels (a click
accepts the one under the cursor), X subtract (cut holes), H hide the mask, Shift+H hide the
pre-labels, Shift+A accept all pre-labels, Shift+Del clear pre-labels, Shift+L live model,
[ and ] brush size, 1-9 defect class, Ctrl+Enter mark labeled and go on, Ctrl+G mark a good
part and go on, Page Down / D next image, Page Up / A previous image, Ctrl+0 fit,
Ctrl+Alt+0 100 %, Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo. In the canvas: Backspace drops
the last polygon vertex, Enter (or a double-click) closes it, Escape cancels it, Space+drag or
middle-drag pans.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from app.core.editing import ToolMode
from app.ui.actions import decorate_tooltip


@dataclass(frozen=True)
class Spec:
    id: str
    text: str
    keys: tuple[str, ...]
    tip: str
    handler: str  # LabelWorkspace method, or a dotted path from it ("class_editor.add")
    arg: object = None  # passed to the handler when set
    checkable: bool = False


def class_key_tip(n: int, name: str | None) -> str:
    """Tooltip of key n: 'Select class 2: pore' (the workspace renames it as classes change)."""
    return f"Select class {n}: {name}" if name else f"Select class {n} (no class {n} yet)"


TOOL_SPECS = (
    Spec("label.tool.brush", "&Brush", ("B",), "Paint the defect class; Shift+click draws a "
         "straight line from the last stroke", "set_tool", ToolMode.BRUSH, True),
    Spec("label.tool.eraser", "&Eraser", ("E",), "Erase to background", "set_tool",
         ToolMode.ERASER, True),
    Spec("label.tool.polygon", "&Polygon", ("P",), "Click vertices; Enter or double-click "
         "closes, Backspace removes the last; Alt on the first vertex cuts a hole",
         "set_tool", ToolMode.POLYGON, True),
    Spec("label.tool.fill", "&Fill", ("F",), "Fill the enclosed region or hole under the "
         "cursor", "set_tool", ToolMode.FILL, True),
    Spec("label.tool.accept", "Ac&cept", ("K",), "Click a pre-label (outline) to add it to "
         "the mask; labels already there are kept", "set_tool", ToolMode.ACCEPT, True),
)

PRELABEL_SPECS = (
    Spec("label.prelabels.accept_all", "Accept &all pre-labels", ("Shift+A",),
         "Add every pre-label to the mask (one undo step); labels already there are kept",
         "accept_all_prelabels"),
    Spec("label.prelabels.clear", "C&lear pre-labels", ("Shift+Del",),
         "Delete this image's stored prediction of the model shown (predict again in Train "
         "to get it back)", "clear_prelabels"),
    Spec("label.prelabels.hide", "Hide &pre-labels", ("Shift+H",),
         "Hide the model's pre-label outlines", "set_prelabels_hidden", checkable=True),
    Spec("label.live_model", "&Live model", ("Shift+L",),
         "Retrain a fast pixel classifier after each stroke and show its pre-labels for this "
         "image; turning it off saves it as a project model", "set_live_model",
         checkable=True),
)

CLASS_EDIT_SPECS = (
    Spec("label.class.new", "&Add defect class…", (), "Add a defect class to the class list",
         "class_editor.add"),
    Spec("label.class.rename", "Re&name defect class…", (), "Rename the selected defect class "
         "(masks keep their pixels)", "class_editor.rename"),
    Spec("label.class.recolor", "Defect class &colour…", (), "Change the selected defect "
         "class's colour", "class_editor.recolor"),
    Spec("label.class.earlier", "Move class &up", (), "Move the selected defect class up the "
         "list (keys 1-9 follow the list)", "class_editor.move", -1),
    Spec("label.class.later", "Move class do&wn", (), "Move the selected defect class down the "
         "list (keys 1-9 follow the list)", "class_editor.move", +1),
    Spec("label.class.delete", "&Delete defect class…", (), "Delete the selected defect class; "
         "asks what its pixels become", "class_editor.delete"),
)

MARK_SPECS = (
    Spec("label.mark.labeled", "Mark &labeled, next image", ("Ctrl+Return", "Ctrl+Enter"),
         "This image is done: status labeled (it trains), then the next image",
         "marker.labeled"),
    Spec("label.mark.good", "Mark &good part, next image", ("Ctrl+G",),
         "No defect on this part: labeled as a good part, then the next image", "marker.good"),
)

SPECS = TOOL_SPECS + PRELABEL_SPECS + CLASS_EDIT_SPECS + MARK_SPECS + (
    Spec("label.subtract", "&Subtract", ("X",), "Polygons cut holes instead of adding",
         "set_subtract", checkable=True),
    Spec("label.hide_mask", "&Hide mask", ("H",), "Hide the mask overlay", "set_mask_hidden",
         checkable=True),
    Spec("label.brush.smaller", "Smaller brush", ("[",), "Brush size down", "step_brush", -1),
    Spec("label.brush.larger", "Larger brush", ("]",), "Brush size up", "step_brush", +1),
    Spec("label.next", "&Next image", ("PgDown", "D"), "Save and open the next image",
         "next_image"),
    Spec("label.prev", "P&revious image", ("PgUp", "A"), "Save and open the previous image",
         "prev_image"),
    Spec("label.fit", "&Fit", ("Ctrl+0",), "Show the whole image", "fit"),
    Spec("label.actual", "&100 %", ("Ctrl+Alt+0",), "One image pixel per screen pixel",
         "actual_size"),
) + tuple(
    Spec(f"label.class.{n}", f"Class {n}", (str(n),), class_key_tip(n, None),
         "select_class_index", n - 1)
    for n in range(1, 10)
)


def build_actions(workspace) -> dict[str, QAction]:
    """QActions owned by the workspace, active while focus is inside it."""
    actions: dict[str, QAction] = {}
    tools = QActionGroup(workspace)
    tools.setExclusive(True)
    for spec in SPECS:
        action = QAction(spec.text, workspace)
        action.setObjectName(spec.id)
        action.setShortcuts([QKeySequence(k) for k in spec.keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(spec.tip)
        action.setStatusTip(spec.tip)
        action.setCheckable(spec.checkable)
        _connect(action, attrgetter(spec.handler)(workspace), spec)
        if spec in TOOL_SPECS:
            tools.addAction(action)
            action.setToolTip(f"{spec.text.replace('&', '')}: {action.toolTip()}")
        decorate_tooltip(action)
        actions[spec.id] = action
    return actions


PAINT_ACTIONS = ("label.tool.brush", "label.tool.polygon", "label.tool.fill")


def sync_class_actions(actions: dict[str, QAction], classes, writable: bool) -> None:
    """Follow the project's classes: painting needs one, keys 1-9 name theirs in tooltips."""
    for key in PAINT_ACTIONS:
        actions[key].setEnabled(bool(classes))
    actions["label.class.new"].setEnabled(writable)
    for spec in CLASS_EDIT_SPECS[1:]:
        actions[spec.id].setEnabled(writable and bool(classes))
    for n in range(1, 10):
        action = actions[f"label.class.{n}"]
        action.setToolTip(class_key_tip(n, classes[n - 1].name if n <= len(classes) else None))
        decorate_tooltip(action)


def undo_actions(workspace, histories) -> dict[str, QAction]:
    """Undo/Redo calling the workspace (which ends a stroke in progress first), with text and
    enabled state following the core UndoHistories (the shown image's history): the actions
    are a view, the history itself lives in app.core.editing."""
    out, views = {}, []
    for key, text, keys, slot, can, step_text in (
        ("label.undo", "&Undo", ("Ctrl+Z",), workspace.undo, "can_undo", "undo_text"),
        ("label.redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), workspace.redo, "can_redo",
         "redo_text"),
    ):
        action = QAction(text, workspace)
        action.setObjectName(key)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setEnabled(False)
        action.setToolTip(f"{text.replace('&', '')} the last stroke, polygon or fill")
        decorate_tooltip(action)
        action.triggered.connect(lambda _checked=False, s=slot: s())
        out[key] = action
        views.append((action, text, can, step_text))

    def follow() -> None:
        for action, text, can, step_text in views:
            action.setEnabled(getattr(histories, can))
            action.setText(f"{text} {getattr(histories, step_text)}".strip())

    histories.subscribe(follow)
    return out


def _connect(action: QAction, handler, spec: Spec) -> None:
    if spec.checkable and spec.arg is None:
        action.toggled.connect(handler)
    elif spec.arg is not None:
        action.triggered.connect(lambda _checked=False, h=handler, a=spec.arg: h(a))
    else:
        action.triggered.connect(lambda _checked=False, h=handler: h())
