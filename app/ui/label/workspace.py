"""LabelWorkspace: the image list, the canvas and the tool bar, wired to the project.

Flow: a finished stroke (or undo/redo) -> its undo command -> MaskCommitter.schedule (written
in the background within a second). Switching images flushes the committer first, then shows
the next image from the loader's prefetch cache.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from app.core.editing import MaskDocument, MaskEdit, ToolMode
from app.ui.workspace import Workspace

from .actions import build_actions, undo_actions
from .canvas import LabelCanvas
from .committer import MaskCommitter
from .controller import ToolController
from .image_layer import ImageLayer
from .loader import ImageLoader, LoadedImage
from .overlay import MaskOverlay
from .palette import palette_table
from .settings import LabelSettings
from .toolbar import LabelToolBar
from .undo import UndoHistories

try:  # the image list is the shell's; work without it if it is not there
    from app.ui.images.panel import ImageListPanel
except ImportError:  # pragma: no cover - depends on the build
    ImageListPanel = None

EDIT_NAMES = {ToolMode.BRUSH: "brush stroke", ToolMode.ERASER: "eraser stroke",
              ToolMode.POLYGON: "polygon", ToolMode.FILL: "fill"}


class LabelWorkspace(Workspace):
    title = "Label"
    image_shown = Signal(int)  # the image is on the canvas and editable

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = None
        self.committer: MaskCommitter | None = None
        self.loader: ImageLoader | None = None
        self.current: LoadedImage | None = None
        self.doc: MaskDocument | None = None
        self.layer: ImageLayer | None = None
        self.overlay: MaskOverlay | None = None
        self._wanted: int | None = None  # the image asked for (maybe still loading)
        self._classes: list = []
        self._class_names: dict[int, str] = {}
        self._table = palette_table([])
        self._ids: list[int] = []  # image order when there is no panel

        self.settings = LabelSettings(self)
        self.canvas = LabelCanvas()
        self.controller = ToolController(self.settings, self)
        self.canvas.controller = self.controller
        self.histories = UndoHistories(self._apply_history_edit, parent=self)
        self._actions = build_actions(self)
        self._actions.update(undo_actions(self, self.histories.group))
        self.addActions(list(self._actions.values()))
        self.toolbar = LabelToolBar(self.settings, self._actions, self)
        self.panel = ImageListPanel() if ImageListPanel is not None else None
        self._window_timer = QTimer(self, singleShot=True, interval=0)
        self._window_timer.timeout.connect(self._apply_window)
        # The list's row (status, classes) follows commits at most twice a second: refreshing
        # it reads every image's summary, too much for every stroke on a big project.
        self._list_stale: set[int] = set()
        self._list_timer = QTimer(self, singleShot=True, interval=500)
        self._list_timer.timeout.connect(self._refresh_list)
        self._layout()

        self.controller.dirty.connect(self._on_dirty)
        self.controller.edit_finished.connect(self._on_edit)
        self.controller.preview_changed.connect(self.canvas.refresh_preview)
        self.canvas.hovered.connect(self._show_pixel_info)
        self.canvas.view_changed.connect(lambda: self.toolbar.show_zoom(self.canvas.view.zoom))
        self.settings.changed.connect(self._on_setting)
        self.toolbar.auto.clicked.connect(self.auto_window)
        if self.panel is not None:
            self.panel.image_selected.connect(self.show_image)
            self.panel.status_message.connect(self.status_message)
        self._sync_actions("mode")

    def _layout(self) -> None:
        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.toolbar.edit_bar)
        col.addWidget(self.canvas, 1)
        col.addWidget(self.toolbar.view_bar)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        if self.panel is not None:
            splitter.addWidget(self.panel)
        splitter.addWidget(right)
        splitter.setStretchFactor(splitter.count() - 1, 1)
        if self.panel is not None:
            splitter.setSizes([260, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # Workspace API ----------------------------------------------------------------------------
    def workspace_actions(self) -> list[QAction]:
        return list(self._actions.values())

    def action(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def set_project(self, project) -> None:
        if self.project is not None:
            self._close_project()
        self.project = project
        if project is None:
            if self.panel is not None:
                self.panel.set_project(None)
            return
        save_to = project.masks.save  # bound now: a later project must not get these writes
        self.committer = MaskCommitter(
            lambda image_id, mask, png: save_to(image_id, mask, source="edit", png=png), self)
        self.committer.pending_changed.connect(self.dirty_changed)
        self.committer.committed.connect(self._on_committed)
        self.committer.failed.connect(self._on_commit_failed)
        self.loader = ImageLoader(project, parent=self)
        self.loader.loaded.connect(self._install)
        self.loader.failed.connect(self._load_failed)
        self.controller.editable = not project.readonly
        self.reload_classes()
        self._ids = [r.id for r in project.images.list()] if self.panel is None else []
        if self.panel is not None:
            self.panel.set_project(project)
        ids = self._order()
        if ids:
            self.show_image(ids[0])
        else:
            self.canvas.set_placeholder("No images in this project yet")

    def activated(self) -> None:
        """Classes or masks may have changed in another workspace."""
        self.canvas.setFocus()
        if self.project is None:
            return
        self.reload_classes()
        if self.current is not None and self._changed_elsewhere(self.current_id):
            self.reload_image()
        if self.loader is not None:  # cached neighbours may hold masks changed elsewhere
            for image_id in self._order():
                if image_id != self.current_id:
                    self.loader.invalidate(image_id)
        if self._wanted is None and self._order():  # images were imported since
            self.show_image(self._order()[0])

    def flush(self) -> None:
        """End a stroke in progress and block until every mask is written."""
        self.controller.finish()
        if self.committer is not None:
            self.committer.flush()

    def shutdown(self) -> None:
        self._close_project()
        if self.panel is not None:
            self.panel.set_project(None)  # empty the list: no row paints without a project
            self.panel.shutdown()

    # images -----------------------------------------------------------------------------------
    @property
    def current_id(self) -> int | None:
        return self.current.row.id if self.current is not None else None

    def show_image(self, image_id: int) -> None:
        """Show an image: commits the current one first; loads (or takes from the cache)."""
        if self.loader is None or image_id == self._wanted:
            return
        self._leave_current()
        self._wanted = image_id
        if self.panel is not None and self.panel.current_image_id() != image_id:
            self.panel.select_image(image_id)  # its image_selected comes back here: ignored
        entry = self.loader.request(image_id)
        if entry is not None:
            self._install(entry)
        else:
            self.canvas.set_placeholder("Loading…")

    def reload_image(self) -> None:
        """Show the current image again as the project holds it (its mask changed elsewhere);
        its undo history is kept only if the mask is still the one it was built on."""
        image_id = self.current_id
        if image_id is None:
            return
        self._leave_current()
        self.loader.invalidate(image_id)
        self._wanted = None
        self.show_image(image_id)

    def _changed_elsewhere(self, image_id: int) -> bool:
        revisions = self.project.masks.revisions(image_id)
        latest = revisions[-1].id if revisions else None
        ours = {self.current.revision, self.committer.saved_revision.get(image_id)}
        return latest not in ours

    def next_image(self) -> None:
        self._step(+1)

    def prev_image(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        if self.panel is not None:
            moved = (self.panel.select_next if delta > 0 else self.panel.select_prev)()
        else:
            ids = self._order()
            moved = self._wanted in ids and 0 <= ids.index(self._wanted) + delta < len(ids)
            if moved:
                self.show_image(ids[ids.index(self._wanted) + delta])
        if not moved:
            self.status_message.emit("This is the last image" if delta > 0
                                     else "This is the first image")

    def _order(self) -> list[int]:
        if self.panel is not None:
            return self.panel.visible_ids()
        return self._ids

    def _leave_current(self) -> None:
        if self.current is None:
            return
        self.controller.set_document(None)  # ends a stroke (kept), drops a polygon
        self.committer.flush()
        self.loader.put_mask(self.current_id, self.doc.mask)
        self.current = self.doc = self.layer = self.overlay = None
        self.histories.activate(None)

    def _install(self, entry: LoadedImage) -> None:
        if entry.row.id != self._wanted:
            return
        self.current = entry
        self.doc = MaskDocument(entry.mask, self.settings.class_value, self.settings.brush_size)
        self.layer = ImageLayer(entry.pixels, entry.display, entry.window)
        self.overlay = MaskOverlay(entry.mask, self._table)
        self.settings.levels = self.layer.levels
        self.settings.window = self.layer.window
        self.controller.set_document(self.doc)
        self.canvas.set_layers(self.layer, self.overlay)
        if entry.mask_crc is not None and entry.mask_crc != self.committer.saved_crc.get(
                entry.row.id, entry.mask_crc):
            self.histories.forget(entry.row.id)  # changed elsewhere: old diffs do not apply
        self.histories.activate(entry.row.id)
        ids = self._order()
        if entry.row.id in ids:
            i = ids.index(entry.row.id)
            self.loader.prefetch([ids[j] for j in (i + 1, i - 1) if 0 <= j < len(ids)])
        self.status_message.emit(f"{entry.row.name}  {entry.row.width} x {entry.row.height}")
        self.image_shown.emit(entry.row.id)

    def _load_failed(self, image_id: int, message: str) -> None:
        if image_id == self._wanted:
            self._wanted = None  # asking again tries again
            self.canvas.set_placeholder(f"Cannot open this image:\n{message}")
            self.status_message.emit(f"Cannot open image {image_id}: {message}")

    def _close_project(self) -> None:
        self.flush()
        self._leave_current()
        self._wanted = None
        if self.committer is not None:
            self.committer.shutdown()
            self.committer.deleteLater()
        if self.loader is not None:
            self.loader.shutdown()
            self.loader.deleteLater()
        self.committer = self.loader = None
        self._refresh_list()
        self._list_timer.stop()
        self.histories.clear()
        self.canvas.set_placeholder("No project open")
        self.project = None

    # classes ----------------------------------------------------------------------------------
    def reload_classes(self) -> None:
        self._classes = self.project.classes.list() if self.project is not None else []
        self._table = palette_table(self._classes)
        self.controller.class_colors = {c.value: QColor(c.color) for c in self._classes}
        self.toolbar.set_classes(self._classes)
        self._class_names = {c.value: c.name for c in self._classes}
        values = [c.value for c in self._classes]
        if values and self.settings.class_value not in values:
            self.settings.class_value = values[0]
        if self.overlay is not None:
            self.overlay.set_table(self._table)
            self.canvas.update()

    def select_class_index(self, index: int) -> None:
        """Keys 1-9: the n-th defect class in project order."""
        if 0 <= index < len(self._classes):
            self.settings.class_value = self._classes[index].value

    # editing ----------------------------------------------------------------------------------
    def set_tool(self, mode) -> None:
        self.settings.mode = mode

    def set_subtract(self, on: bool) -> None:
        self.settings.subtract = on

    def set_mask_hidden(self, hidden: bool) -> None:
        self.settings.overlay_visible = not hidden

    def step_brush(self, direction: int) -> None:
        s = self.settings.brush_size
        self.settings.brush_size = (max(s + 1, round(s * 1.25)) if direction > 0
                                    else min(s - 1, round(s / 1.25)))

    def undo(self) -> None:
        self.controller.cancel()  # a stroke in progress is kept first, then undone
        self.histories.group.undo()

    def redo(self) -> None:
        self.controller.cancel()
        self.histories.group.redo()

    def fit(self) -> None:
        self.canvas.fit()

    def actual_size(self) -> None:
        self.canvas.actual_size()

    def auto_window(self) -> None:
        if self.layer is not None:
            self.settings.window = self.layer.auto_window()

    def _on_dirty(self, rect) -> None:
        self.overlay.update(rect)
        self.canvas.update_image_rect(rect)

    def _on_edit(self, edit: MaskEdit) -> None:
        image_id = self.current_id
        self.histories.push(image_id, edit, EDIT_NAMES.get(self.settings.mode, "edit"))
        self.committer.schedule(image_id, self.doc.mask)

    def _apply_history_edit(self, image_id: int, edit: MaskEdit, forward: bool) -> None:
        if image_id != self.current_id:  # only the shown image's stack is active
            return
        rect = edit.apply(self.doc.mask) if forward else edit.revert(self.doc.mask)
        self._on_dirty(rect)
        self.committer.schedule(image_id, self.doc.mask)

    def _on_committed(self, image_id: int) -> None:
        self._list_stale.add(image_id)
        if not self._list_timer.isActive():
            self._list_timer.start()

    def _refresh_list(self) -> None:
        stale, self._list_stale = self._list_stale, set()
        if self.panel is not None and self.project is not None:
            for image_id in stale:
                self.panel.refresh(image_id)

    def _on_commit_failed(self, image_id: int, message: str) -> None:
        self.status_message.emit(f"Could not save the mask of image {image_id}: {message}")

    # settings ---------------------------------------------------------------------------------
    def _on_setting(self, name: str) -> None:
        if name in ("opacity", "overlay_visible"):
            self.canvas.set_overlay_style(self.settings.opacity, self.settings.overlay_visible)
        elif name == "window":
            self._window_timer.start()  # coalesce spin-box bursts: only the latest is drawn
        self._sync_actions(name)

    def _apply_window(self) -> None:
        if self.layer is not None and self.layer.set_window(*self.settings.window):
            self.current.window = self.layer.window  # the cached display holds it now
            self.canvas.update()

    def _sync_actions(self, name: str) -> None:
        s = self.settings
        if name == "mode":
            self._actions[f"label.tool.{s.mode.value}"].setChecked(True)
        elif name == "subtract":
            self._actions["label.subtract"].setChecked(s.subtract)
        elif name == "overlay_visible":
            self._actions["label.hide_mask"].setChecked(not s.overlay_visible)

    def _show_pixel_info(self, pt) -> None:
        if pt is None or self.layer is None:
            return
        x, y = math.floor(pt[0]), math.floor(pt[1])
        if not (0 <= x < self.layer.width and 0 <= y < self.layer.height):
            self.status_message.emit(f"zoom {self.canvas.view.zoom:.0%}")
            return
        value = int(self.doc.mask[y, x])
        cls = "background" if value == 0 else self._class_names.get(value, f"value {value}")
        self.status_message.emit(f"x {x}  y {y}   {self.layer.value_text(x, y)}   {cls}"
                                 f"   zoom {self.canvas.view.zoom:.0%}")
