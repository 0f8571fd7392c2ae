"""LabelWorkspace: the image list, the canvas and the tool bar, wired to the project.

Flow: a finished stroke (or undo/redo) -> its step in the core UndoHistories ->
MaskCommitter.schedule (written in the background within a second). Switching images flushes the
committer first, then shows the next image from the loader's prefetch cache.

Pre-labels: the shown image's stored prediction (PreLabelLoader, on a worker) is drawn as
outlines (PreLabelLayer). Accepting one (the Accept tool, K, then a click) or all (Shift+A) is
an ordinary edit: a MaskEdit through the same undo history and committer as a stroke, so Ctrl+Z
reverts it. Pre-labels fill background pixels only, never the engineer's labels. Clear
(Shift+Del) deletes the stored prediction without asking: predicting again restores it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from app.core.editing import MaskDocument, MaskEdit, ToolMode, UndoHistories
from app.store.assignment import next_image
from app.ui.images.panel import ImageListPanel
from app.ui.roles import explain, why_not
from app.ui.roots_notice import RootsNotice
from app.ui.workspace import Workspace

from .actions import CLASS_EDIT_SPECS, build_actions, sync_class_actions, undo_actions
from .canvas import LabelCanvas
from .class_editor import ClassEditor
from .committer import MaskCommitter
from .conflict_dialog import KEEP, ConflictDialog
from .controller import ToolController
from .edit_base import EditBases
from .image_layer import ImageLayer
from .lease import LeaseKeeper
from .live import LiveModel
from .loader import ImageLoader, LoadedImage
from .marking import ImageMarker
from .overlay import MaskOverlay
from .palette import palette_table
from .prelabel_layer import PreLabelLayer
from .prelabels import PreLabelLoader, ShownPreLabels
from .settings import LabelSettings
from .toolbar import LabelToolBar

EDIT_NAMES = {ToolMode.BRUSH: "brush stroke", ToolMode.ERASER: "eraser stroke",
              ToolMode.POLYGON: "polygon", ToolMode.FILL: "fill",
              ToolMode.ACCEPT: "accept pre-label"}


class LabelWorkspace(Workspace):
    title = "Label"
    image_shown = Signal(int)  # the image is on the canvas and editable
    prelabels_shown = Signal(int, int)  # image id, pre-labels drawn (0: none) after a (re)load

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = None
        self.committer: MaskCommitter | None = None
        self.bases: EditBases | None = None  # the revision each image's edits start from
        self.conflict_dialog: ConflictDialog | None = None  # shown while the user chooses
        self._conflicts: list = []  # RevisionConflicts waiting for the dialog
        self.loader: ImageLoader | None = None
        self.prelabel_loader: PreLabelLoader | None = None
        self.prelabels: ShownPreLabels | None = None  # the shown image's, when it has some
        self.prelabel_layer: PreLabelLayer | None = None
        self.current: LoadedImage | None = None
        self.doc: MaskDocument | None = None
        self.layer: ImageLayer | None = None
        self.overlay: MaskOverlay | None = None
        self._wanted: int | None = None  # the image asked for (maybe still loading)
        self._classes: list = []
        self._class_names: dict[int, str] = {}
        self._table = palette_table([])

        self.settings = LabelSettings(self)
        self.canvas = LabelCanvas()
        self.controller = ToolController(self.settings, self)
        self.canvas.controller = self.controller
        self.histories = UndoHistories()
        self.class_editor = ClassEditor(self.settings, self)  # the actions call these two
        self.marker = ImageMarker(self)
        self._actions = build_actions(self)
        self._actions.update(undo_actions(self, self.histories))
        self.addActions(list(self._actions.values()))
        self.toolbar = LabelToolBar(self.settings, self._actions, self)
        self.toolbar.edit_bar.addAction(self._actions["label.live_model"])
        self.live = LiveModel(self._live_current, self)
        self.live.shown.connect(self._present_prelabels)
        self.live.message.connect(self.status_message)
        self.image_shown.connect(self.live.on_image_shown)
        self.panel = ImageListPanel()
        self.roots_notice = RootsNotice()  # an image whose storage root is not mapped here
        self.lease = LeaseKeeper(self)
        self.lease.message.connect(self.status_message)
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
        self.controller.refused.connect(self.status_message)
        self.class_editor.classes_changed.connect(self.reload_classes)
        self.class_editor.about_to_change_masks.connect(self.flush)
        self.class_editor.masks_changed.connect(self._masks_rewritten)
        self.class_editor.status_message.connect(self.status_message)
        self.canvas.hovered.connect(self._show_pixel_info)
        self.canvas.view_changed.connect(lambda: self.toolbar.show_zoom(self.canvas.view.zoom))
        self.settings.changed.connect(self._on_setting)
        self.toolbar.auto.clicked.connect(self.auto_window)
        self.panel.image_selected.connect(self.show_image)
        self.panel.status_message.connect(self.status_message)
        self.roots_notice.retry_requested.connect(
            lambda: self.show_image(self.panel.current_image_id()))
        self._sync_actions("mode")
        self._sync_prelabels()  # nothing to accept yet

    def _layout(self) -> None:
        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.toolbar.edit_bar)
        col.addWidget(self.toolbar.no_class_hint)
        col.addWidget(self.roots_notice)
        col.addWidget(self.canvas, 1)
        col.addWidget(self.toolbar.view_bar)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.panel)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
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
        self.class_editor.project = project
        if project is None:
            self.reload_classes()  # no class: nothing to paint
            self.panel.set_project(None)
            return
        self.bases = EditBases(project.masks)
        self.committer = MaskCommitter(self.bases.save, self)
        self.committer.conflicted.connect(self._on_conflict)
        self.lease.set_project(project)
        self.committer.pending_changed.connect(self.dirty_changed)
        self.committer.committed.connect(self._on_committed)
        self.committer.committed.connect(self.live.on_committed)
        self.live.set_project(project)
        self.committer.failed.connect(self._on_commit_failed)
        self.loader = ImageLoader(project, parent=self)
        self.loader.loaded.connect(self._install)
        self.loader.failed.connect(self._load_failed)
        self.prelabel_loader = PreLabelLoader(project, parent=self)
        self.prelabel_loader.loaded.connect(self._prelabels_loaded)
        self.prelabel_loader.failed.connect(self._prelabels_failed)
        self.controller.editable = not project.readonly
        self.reload_classes()
        if self._classes:  # a value left from the last project may name another class here
            self.settings.class_value = self._classes[0].value
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
        self.reload_prelabels()  # the Train workspace may have predicted or cleared
        if self.current is not None and self._stale(self.current):
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
        if self.panel.current_image_id() != image_id:
            self.panel.select_image(image_id)  # its image_selected comes back here: ignored
        entry = self.loader.request(image_id)
        if entry is not None and self.project.is_team and self._stale(entry):
            self.loader.invalidate(image_id)  # a teammate saved it since it was cached
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

    def _stale(self, entry: LoadedImage) -> bool:
        """Whether the project holds a newer mask revision than `entry` (read, or saved here)."""
        revisions = self.project.masks.revisions(entry.row.id)
        latest = revisions[-1].id if revisions else None
        return latest not in {entry.revision, self.committer.saved_revision.get(entry.row.id)}

    def next_image(self) -> None:
        """The next image assigned to me, else the next unclaimed one (app/store/assignment)."""
        if self.project is None:
            return
        entries = {e.id: e.row.assignee for e in self.panel.model.entries()}
        others = self.panel.editors()
        target = next_image(self._order(), self.panel.current_image_id(), entries,
                            self.project.db.identity, others)
        if target is None:
            self.status_message.emit("No image after this one is assigned to you or unclaimed"
                                     if any(entries.values()) or others
                                     else "This is the last image")
        else:
            self.panel.select_image(target)

    def prev_image(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        moved = (self.panel.select_next if delta > 0 else self.panel.select_prev)()
        if not moved:
            self.status_message.emit("This is the last image" if delta > 0
                                     else "This is the first image")

    def _order(self) -> list[int]:
        return self.panel.visible_ids()

    def _leave_current(self) -> None:
        if self.current is None:
            return
        self.controller.set_document(None)  # ends a stroke (kept), drops a polygon
        self.committer.flush()
        self.loader.put_mask(self.current_id, self.doc.mask)
        self._show_prelabels(None)
        self.current = self.doc = self.layer = self.overlay = None
        self.histories.activate(None)

    def _install(self, entry: LoadedImage) -> None:
        if entry.row.id != self._wanted:
            return
        self.roots_notice.hide()
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
        if entry.mask_crc is not None:  # read from the project: edits start from its revision
            self.bases.loaded(entry.row.id, entry.revision)
        self.lease.hold(entry.row.id)
        self.histories.activate(entry.row.id)
        ids = self._order()
        neighbours = []
        if entry.row.id in ids:
            i = ids.index(entry.row.id)
            neighbours = [ids[j] for j in (i + 1, i - 1) if 0 <= j < len(ids)]
            self.loader.prefetch(neighbours)
        self.status_message.emit(f"{entry.row.name}  {entry.row.width} x {entry.row.height}")
        self.image_shown.emit(entry.row.id)
        self.prelabel_loader.request(entry.row.id)  # drawn at once when cached
        self.prelabel_loader.prefetch(neighbours)

    def _load_failed(self, image_id: int, message: str) -> None:
        if image_id == self._wanted:
            self._wanted = None  # asking again tries again
            self.canvas.set_placeholder(f"Cannot open this image:\n{message}")
            self.roots_notice.show_problem(self.loader.last_error)
            self.status_message.emit(f"Cannot open image {image_id}: {message}")

    def _close_project(self) -> None:
        self.flush()
        self._keep_unresolved()
        self.lease.set_project(None)
        self.live.set_project(None)  # stops and waits for its work
        self._leave_current()
        self._wanted = None
        if self.committer is not None:
            self.committer.shutdown()
            self.committer.deleteLater()
        if self.loader is not None:
            self.loader.shutdown()
            self.loader.deleteLater()
        if self.prelabel_loader is not None:
            self.prelabel_loader.shutdown()
            self.prelabel_loader.deleteLater()
        self.committer = self.loader = self.prelabel_loader = None
        self.bases = None
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
        if self.prelabel_layer is not None:
            self.prelabel_layer.colors = self.controller.class_colors
        if self.prelabel_loader is not None:  # pre-labels of deleted classes are dropped
            self.prelabel_loader.set_classes(c.value for c in self._classes)
        self.toolbar.set_classes(self._classes)
        why = why_not(self.project, "classes.change")  # a team role that may not: greyed
        sync_class_actions(self._actions, self._classes,
                           self.project is not None and not self.project.readonly and not why)
        for spec in CLASS_EDIT_SPECS:
            explain(self._actions[spec.id], why)
        self._class_names = {c.value: c.name for c in self._classes}
        values = [c.value for c in self._classes]
        if values and self.settings.class_value not in values:
            self.settings.class_value = values[0]
        if self.overlay is not None:
            self.overlay.set_table(self._table)
            self.canvas.update()

    def _masks_rewritten(self, image_ids: list) -> None:
        """A class delete wrote new revisions: drop cached masks, show the new ones."""
        if self.loader is not None:
            self.loader.invalidate()
        for image_id in image_ids:
            self.histories.forget(image_id)  # its diffs were made on the old mask
            self._list_stale.add(image_id)
        self._refresh_list()
        if self.current_id in image_ids:
            self.reload_image()

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
        self._history_step(self.histories.undo)

    def redo(self) -> None:
        self.controller.cancel()
        self._history_step(self.histories.redo)

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
        if self.prelabel_layer is not None:  # outlines of pre-labels now labelled go, and back
            changed = self.prelabel_layer.refresh(self.doc.mask, rect)
            if changed is not None:
                self.canvas.update_image_rect(changed)

    def _on_edit(self, edit: MaskEdit) -> None:
        self._push_edit(edit, EDIT_NAMES.get(self.settings.mode, "edit"))

    def _push_edit(self, edit: MaskEdit, text: str) -> None:
        """An edit already in the mask: one undo step, committed in the background."""
        image_id = self.current_id
        self.histories.push(image_id, edit, text)
        self.committer.schedule(image_id, self.doc.mask)

    def _history_step(self, step) -> None:
        """Undo or redo in the shown image's mask (its history is the active one)."""
        if self.doc is None or self.histories.active != self.current_id:
            return
        rect = step(self.doc.mask)
        if rect is not None:
            self._on_dirty(rect)
            self.committer.schedule(self.current_id, self.doc.mask)

    def _on_committed(self, image_id: int) -> None:
        self._list_stale.add(image_id)
        if not self._list_timer.isActive():
            self._list_timer.start()

    def _refresh_list(self) -> None:
        stale, self._list_stale = self._list_stale, set()
        if self.project is not None:
            for image_id in stale:
                self.panel.refresh(image_id)

    def _on_commit_failed(self, image_id: int, message: str) -> None:
        self.status_message.emit(f"Could not save the mask of image {image_id}: {message}")

    # concurrent edits -------------------------------------------------------------------------
    def _on_conflict(self, image_id: int, conflict) -> None:
        """Someone saved this image after we loaded it: the user chooses (one dialog at a
        time); the unsaved mask waits in the committer meanwhile."""
        if self.committer is None:  # closing: _keep_unresolved kept the mask
            return
        self._conflicts.append(conflict)
        if self.conflict_dialog is None:
            self._next_conflict()

    def _next_conflict(self) -> None:
        if not self._conflicts:
            return
        conflict = self._conflicts.pop(0)
        entry = self.panel.model.entry(conflict.image_id)
        name = entry.row.name if entry is not None else f"image {conflict.image_id}"
        self.conflict_dialog = ConflictDialog(conflict, name, self)
        self.conflict_dialog.chosen.connect(self._resolve_conflict)
        self.conflict_dialog.open()

    def _resolve_conflict(self, image_id: int, conflict, choice: str) -> None:
        dialog, self.conflict_dialog = self.conflict_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if self.committer is None:  # the project closed meanwhile (it kept the mask)
            return
        if choice == KEEP:
            self.bases.keep_mine(conflict)
            self.committer.resolve(image_id, keep=True)
            self.status_message.emit(f"Your mask is saved as a new revision over "
                                     f"{conflict.author}'s (theirs stays in the history)")
        else:
            self.committer.resolve(image_id, keep=False)
            self.histories.forget(image_id)  # its diffs were made on the dropped mask
            self.loader.invalidate(image_id)
            self._list_stale.add(image_id)
            if image_id == self.current_id:
                self.reload_image()
            self.status_message.emit(f"Showing {conflict.author}'s mask")
        self._next_conflict()

    def _keep_unresolved(self) -> None:
        """Closing with a conflict still open: keep the user's mask (theirs stays in the
        history), the choice that loses nothing."""
        if self.committer is None:
            return
        if self.conflict_dialog is not None:
            self.conflict_dialog.chosen.disconnect(self._resolve_conflict)
            self.conflict_dialog.close()
            self.conflict_dialog.deleteLater()
            self.conflict_dialog = None
        self._conflicts = []
        for _ in range(5):  # keeping mine can meet a third save: keep it on top of that one
            waiting = self.committer.conflicts()
            if not waiting:
                return
            for conflict in waiting:
                self.bases.keep_mine(conflict)
                self.committer.resolve(conflict.image_id, keep=True)
            self.committer.flush()

    # pre-labels -------------------------------------------------------------------------------
    def data_changed(self) -> None:
        """Predictions may have landed (after training) while this image shows."""
        self.reload_prelabels()

    def reload_prelabels(self) -> None:
        """Read the shown image's pre-labels again: call after predictions were stored or
        deleted elsewhere (activated() does). The old ones stay drawn until the new arrive."""
        if self.prelabel_loader is None:
            return
        self.prelabel_loader.invalidate()
        if self.current is not None:
            self.prelabel_loader.request(self.current_id)

    def accept_all_prelabels(self) -> None:
        """Shift+A: every pre-label into the mask as one undo step (background pixels only)."""
        if self.doc is None or self.prelabels is None:
            self.status_message.emit("This image has no pre-labels")
            return
        if not self.controller.editable:
            self.status_message.emit("The project is read-only")
            return
        if not self.settings.prelabels_visible:
            self.status_message.emit("Pre-labels are hidden: Shift+H shows them")
            return
        self.controller.finish()  # a stroke in progress is its own step, first
        edit = self.prelabels.prelabels.accept_all(self.doc.mask)
        if edit is None:
            self.status_message.emit("Every pre-label pixel is labelled already")
            return
        self._on_dirty(edit.bbox)
        self._push_edit(edit, "accept all pre-labels")

    def clear_prelabels(self) -> None:
        """Shift+Del: delete the shown model's stored prediction of this image. No question
        asked: the mask is untouched, and predicting the image again brings it back."""
        shown = self.prelabels
        if shown is None or self.project is None:
            self.status_message.emit("This image has no pre-labels")
            return
        if self.project.readonly:
            self.status_message.emit("The project is read-only")
            return
        if self.live.showing:
            self.status_message.emit("These pre-labels are the live model's: Shift+L turns it "
                                     "off and brings the stored ones back")
            return
        self.project.models.clear_prediction(self.current_id, shown.model_id)
        self.status_message.emit(f"Cleared the pre-labels of model {shown.model_name}; "
                                 "predict the image again to get them back")
        self.reload_prelabels()

    def set_prelabels_hidden(self, hidden: bool) -> None:
        self.settings.prelabels_visible = not hidden

    def set_live_model(self, on: bool) -> None:
        """Shift+L: the live model (app/ui/label/live.py) retrains after each stroke and its
        pre-labels replace the stored ones; off, it is saved and the stored ones come back."""
        self.live.set_enabled(on)
        if not on:
            self.reload_prelabels()

    def _live_current(self):
        return None if self.doc is None else (self.current_id, self.doc.mask.copy())

    def _prelabels_loaded(self, image_id: int, shown: ShownPreLabels | None) -> None:
        if not self.live.showing:  # the live model's pre-labels replace the stored ones
            self._present_prelabels(image_id, shown)

    def _present_prelabels(self, image_id: int, shown: ShownPreLabels | None) -> None:
        if image_id != self.current_id:
            return
        self._show_prelabels(shown)
        count = self.prelabel_layer.shown_count if self.prelabel_layer is not None else 0
        if shown is not None:
            self.status_message.emit(
                f"{count} of {len(shown.prelabels)} pre-labels of model {shown.model_name} to "
                "accept: K then click one, Shift+A all, Shift+H hides them")
        self.prelabels_shown.emit(image_id, count)

    def _prelabels_failed(self, image_id: int, message: str) -> None:
        if image_id == self.current_id and not self.live.showing:
            self._show_prelabels(None)
            self.status_message.emit(f"Cannot show the pre-labels: {message}")
            self.prelabels_shown.emit(image_id, 0)

    def _show_prelabels(self, shown: ShownPreLabels | None) -> None:
        self.prelabels = shown
        self.prelabel_layer = None
        if shown is not None and self.doc is not None:
            self.prelabel_layer = PreLabelLayer(shown.prelabels, self.controller.class_colors,
                                                self.doc.mask, shown.outlines)
        self._sync_prelabels()
        self.canvas.set_prelabels(self.prelabel_layer)

    def _sync_prelabels(self) -> None:
        """The accept tool sees pre-labels only while they are drawn."""
        visible = self.settings.prelabels_visible
        if self.doc is not None:
            self.doc.prelabels = (self.prelabels.prelabels
                                  if self.prelabels is not None and visible else None)
        usable = self.prelabels is not None and self.controller.editable
        for key in ("label.prelabels.accept_all", "label.prelabels.clear"):
            self._actions[key].setEnabled(usable)
        self.canvas.set_prelabels_visible(visible)
        self.controller.preview_changed.emit()

    # settings ---------------------------------------------------------------------------------
    def _on_setting(self, name: str) -> None:
        if name in ("opacity", "overlay_visible"):
            self.canvas.set_overlay_style(self.settings.opacity, self.settings.overlay_visible)
        elif name == "prelabels_visible":
            self._sync_prelabels()
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
        elif name == "prelabels_visible":
            self._actions["label.prelabels.hide"].setChecked(not s.prelabels_visible)

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
