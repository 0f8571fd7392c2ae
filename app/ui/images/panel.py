"""ImageListPanel: the project's images with thumbnails, filters, next/prev and relinking.

The project is the source of truth: the panel reads rows from it on `refresh()` and never
keeps edits of its own. Workspaces embed it and listen to `image_selected(id)`.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.ui import errors
from app.ui.workers import JobRunner

from .assign_menu import add_assign_menu
from .delegate import ImageRowDelegate
from .filters import FilterBar
from .model import IdRole, ImageEntry, ImageFilter, ImageListModel
from .status_menu import build_menu
from .thumbnails import ThumbnailLoader

EDITORS_MS = 10_000  # how often a team project's list asks who edits which image


class ImageListPanel(QWidget):
    image_selected = Signal(int)  # the current image changed (by the user or select_*)
    import_requested = Signal()  # "Import images…" on the empty list
    status_message = Signal(str)
    images_changed = Signal(list)  # ids whose status or split the user set here

    def __init__(self, parent=None):
        super().__init__(parent)
        self._project = None
        self._current: int | None = None
        self._editors: dict[int, str] = {}  # image id -> who else edits it (team projects)
        self.editors_timer = QTimer(self, interval=EDITORS_MS)
        self.editors_timer.timeout.connect(self.refresh_editors)
        self.loader = ThumbnailLoader(self._resolve, parent=self)
        self.model = ImageListModel(self.loader, self)
        self.loader.ready.connect(self.model.thumbnail_changed)
        self.loader.failed.connect(self.model.mark_error)
        self.relink_runner = JobRunner(self)
        self.relink_runner.succeeded.connect(self._relinked)
        self.relink_runner.failed.connect(self._relink_failed)

        self.filters = FilterBar()
        self.filters.changed.connect(self.set_filter)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(ImageRowDelegate(self.view))
        self.view.setUniformItemSizes(True)  # fast scrolling over thousands of rows
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        # Ctrl/Shift+click select several; right-click sets their status or split
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.empty = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.empty.setEnabled(False)
        self.import_button = QPushButton("Import images…")
        self.import_button.clicked.connect(self.import_requested)
        self.footer = QLabel()
        self.footer.setEnabled(False)

        self.missing_bar = QFrame()
        self.missing_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.missing_label = QLabel(wordWrap=True)
        self.relink_button = QPushButton("Relink folder…")
        self.relink_button.setToolTip("Find moved image files in a folder (matched by content)")
        self.relink_button.clicked.connect(self.relink_dialog)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(20, 20))
        bar = QHBoxLayout(self.missing_bar)
        bar.setContentsMargins(6, 4, 6, 4)
        bar.addWidget(icon)
        bar.addWidget(self.missing_label, 1)
        bar.addWidget(self.relink_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filters)
        layout.addWidget(self.missing_bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.footer)
        self._update_chrome()

    # -- project ----------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.loader.cancel_pending()
        self._project = project
        self._current = None
        self._editors = {}
        self.refresh()
        if project is not None and project.is_team:
            self.editors_timer.start()
            self.refresh_editors()
        else:
            self.editors_timer.stop()

    def editors(self) -> dict[int, str]:
        """image id -> who else has it open in Label, as last read."""
        return dict(self._editors)

    def refresh_editors(self) -> None:
        """Read the live leases of other clients (every EDITORS_MS on a team project)."""
        if self._project is None or not self._project.is_team:
            return
        try:
            self._editors = self._project.leases.held_by_others()
        except Exception as e:  # noqa: BLE001 - a lost connection: say so, keep the list
            self.status_message.emit(f"Cannot read who edits which image: {e}")
            return
        self.model.set_editors(self._editors)

    def refresh(self, image_id: int | None = None) -> None:
        """Re-read from the project: everything, or one image after it changed."""
        if self._project is None:
            self.model.set_entries([])
        elif image_id is not None:
            p = self._project
            self.model.update_entry(self._entry(p.images.get(image_id), p.masks.defect_summary(),
                                                _class_names(p)))
        else:
            self._reload()
        self._update_chrome()

    def _reload(self) -> None:
        p = self._project
        summary = p.masks.defect_summary()
        # stat()s every file: fast on local disks (about 50 ms for 10k images)
        missing = {r.id for r in p.images.missing()}
        rows = p.images.list()
        names_by_value = _class_names(p)
        entries = [self._entry(r, summary, names_by_value, r.id in missing) for r in rows]
        names = [c.name for c in p.classes.list()]
        names += sorted({r.source_class for r in rows if r.source_class} - set(names))
        self.filters.set_class_names(names)
        current = self._current
        self.model.set_entries(entries)
        if current is not None and not self.select_image(current):
            self._current = None

    def _entry(self, row, summary, by_value, missing: bool | None = None) -> ImageEntry:
        values = summary.get(row.id, (0, ()))[1]
        if missing is None:
            old = self.model.entry(row.id)
            missing = bool(old and old.missing)
        return ImageEntry(row, tuple(by_value.get(v, f"class {v}") for v in values), missing,
                          editor=self._editors.get(row.id, ""))

    def _resolve(self, row):
        return self._project.images.abspath(row)

    # -- selection --------------------------------------------------------------------------
    def current_image_id(self) -> int | None:
        return self._current

    def visible_ids(self) -> list[int]:
        return self.model.visible_ids()

    def select_image(self, image_id: int) -> bool:
        """Make `image_id` current; False when it is not in the (filtered) list."""
        row = self.model.row_of(image_id)
        if row is None:
            return False
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)
        return True

    def select_next(self) -> bool:
        return self._step(+1)

    def select_prev(self) -> bool:
        return self._step(-1)

    def _step(self, delta: int) -> bool:
        ids = self.visible_ids()
        if not ids:
            return False
        row = self.model.row_of(self._current) if self._current is not None else None
        if row is None:
            target = 0 if delta > 0 else len(ids) - 1
        else:
            target = row + delta
            if not 0 <= target < len(ids):
                return False  # no wrap: stopping at the end is the signal that you are done
        return self.select_image(ids[target])

    def _current_changed(self, current: QModelIndex, _previous) -> None:
        image_id = current.data(IdRole) if current.isValid() else None
        if image_id is not None and image_id != self._current:
            self._current = image_id
            self.image_selected.emit(image_id)

    def selected_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.index(r).data(IdRole) for r in rows]

    def context_menu(self):
        """The status/split menu for the selected images (what a right-click shows)."""
        menu = build_menu(self, self._project, self.selected_ids(), self._images_set)
        add_assign_menu(menu, self, self._project, self.selected_ids(), self._images_set)
        return menu

    def _context_menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if index.isValid() and not self.view.selectionModel().isSelected(index):
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if self.selected_ids():
            self.context_menu().exec(self.view.viewport().mapToGlobal(pos))

    def _images_set(self, ids: list[int], message: str) -> None:
        p = self._project
        summary, names = p.masks.defect_summary(), _class_names(p)  # read once for all rows
        for image_id in ids:  # in place: the selection stays for the next choice
            self.model.update_entry(self._entry(p.images.get(image_id), summary, names))
        self._update_chrome()
        self.status_message.emit(message)
        self.images_changed.emit(ids)

    # -- filters ----------------------------------------------------------------------------
    def set_filter(self, spec: ImageFilter) -> None:
        if spec != self.filters.value():
            self.filters.set_value(spec)  # emits changed, which lands back here
            return
        self.loader.cancel_pending()  # rows scrolled away need no thumbnails now
        self.model.set_filter(spec)
        if self._current is not None:
            self.select_image(self._current)
        self._update_chrome()

    # -- missing files ----------------------------------------------------------------------
    def missing_ids(self) -> list[int]:
        return [e.id for e in self.model.entries() if e.missing]

    def relink_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to search for the moved images")
        if folder:
            self.relink(folder)

    def relink(self, folder: str) -> None:
        """Search `folder` for the missing files (hashing candidates: off the UI thread)."""
        if self._project is None or self.relink_runner.running:
            return
        project = self._project
        self.relink_button.setEnabled(False)
        self.missing_label.setText("Searching…")
        self.relink_runner.start(lambda ctx: project.images.relink(folder))

    def _relinked(self, found: dict) -> None:
        self.relink_button.setEnabled(True)
        if self._project is None:  # shut down meanwhile
            return
        before = len(self.missing_ids())
        self.refresh()
        self.status_message.emit(f"Relinked {len(found)} of {before} missing images")

    def _relink_failed(self, message: str, details: str) -> None:
        self.relink_button.setEnabled(True)
        self._update_chrome()
        errors.report_job_failure(message, details)

    # -- lifecycle --------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Join the thumbnail threads and any relink job (call before the project closes)."""
        if self._project is not None:
            self.set_project(None)  # empty the list first: no row may ask for a thumbnail after
        self.loader.shutdown()
        self.relink_runner.cancel()
        self.relink_runner.wait()
        self._project = None

    def _update_chrome(self) -> None:
        total, shown = self.model.total(), self.model.rowCount()
        missing = len(self.missing_ids())
        self.missing_bar.setVisible(missing > 0)
        self.missing_label.setText(f"{missing} image file{'s' * (missing != 1)} missing")
        self.view.setVisible(shown > 0)
        self.empty.setVisible(shown == 0)
        no_images = self._project is not None and total == 0
        self.import_button.setVisible(no_images)
        if self._project is None:
            self.empty.setText("No project open")
        elif no_images:
            self.empty.setText("No images yet. Import images to start labeling.")
        else:
            self.empty.setText("No images match these filters.")
        # the window's status bar counts the project; the footer only counts a filtered view
        self.footer.setText(f"{shown} of {total} images shown")
        self.footer.setVisible(shown != total and shown > 0)


def _class_names(project) -> dict[int, str]:
    return {c.value: c.name for c in project.classes.list()}
