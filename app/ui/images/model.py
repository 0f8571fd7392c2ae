"""The image list as a Qt model: the project's ImageRows, filtered, with their thumbnails."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QImage

from app.store import ImageRow

IdRole = Qt.ItemDataRole.UserRole + 1
EntryRole = Qt.ItemDataRole.UserRole + 2
ThumbnailRole = Qt.ItemDataRole.UserRole + 3

UNASSIGNED = "unassigned"  # the split filter value for images in no split
STATUS_TEXT = {"unlabeled": "unlabeled", "in_progress": "in progress", "labeled": "labeled"}


@dataclass(frozen=True)
class ImageEntry:
    """One row of the list: the store's row plus what the list shows about it."""

    row: ImageRow
    classes: tuple[str, ...] = ()  # defect classes present in the current mask
    missing: bool = False
    error: str = ""  # why the thumbnail could not be made
    editor: str = ""  # who else has it open in Label now (a team project's lease)

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def class_text(self) -> str:
        names = list(self.classes)
        if self.row.source_class and self.row.source_class not in names:
            names.insert(0, self.row.source_class)
        return ", ".join(names)

    @property
    def team_text(self) -> str:
        """Who else edits it and whom it is assigned to: "✎ anna · for ben"."""
        parts = [f"✎ {self.editor}" if self.editor else "",
                 f"for {self.row.assignee}" if self.row.assignee else ""]
        return " · ".join(p for p in parts if p)

    @property
    def status_text(self) -> str:
        return "good" if self.row.is_good else STATUS_TEXT.get(self.row.status, self.row.status)


@dataclass(frozen=True)
class ImageFilter:
    """None / "" means "any"."""

    status: str | None = None
    class_name: str | None = None
    split: str | None = None  # "train", "val", "test" or UNASSIGNED
    text: str = ""

    def matches(self, e: ImageEntry) -> bool:
        if self.status and e.row.status != self.status:
            return False
        if self.class_name and not (self.class_name == e.row.source_class
                                    or self.class_name in e.classes):
            return False
        if self.split and (e.row.split or UNASSIGNED) != self.split:
            return False
        return not self.text or self.text.casefold() in e.row.rel_path.casefold()


class ImageListModel(QAbstractListModel):
    """Holds every entry; exposes the ones passing the filter. Thumbnails come from `loader`."""

    def __init__(self, loader=None, parent=None):
        super().__init__(parent)
        self._all: list[ImageEntry] = []
        self._visible: list[ImageEntry] = []
        self._row_of: dict[int, int] = {}
        self._filter = ImageFilter()
        self.loader = loader  # ThumbnailLoader-like: thumbnail(entry) -> QImage | None

    # -- content ----------------------------------------------------------------------------
    def set_entries(self, entries: list[ImageEntry]) -> None:
        self._all = list(entries)
        self._rebuild()

    def set_filter(self, spec: ImageFilter) -> None:
        self._filter = spec
        self._rebuild()

    def filter(self) -> ImageFilter:
        return self._filter

    def update_entry(self, entry: ImageEntry) -> None:
        """Replace one entry in place. It stays visible even if it no longer passes the
        filter: an image must not vanish under the cursor when the user labels it."""
        self._all = [entry if e.id == entry.id else e for e in self._all]
        row = self._row_of.get(entry.id)
        if row is not None:
            self._visible[row] = entry
            self.dataChanged.emit(self.index(row), self.index(row))

    def set_editors(self, editors: dict[int, str]) -> None:
        """Who else edits which image now; rows whose editor changed are repainted."""
        for e in list(self._all):
            name = editors.get(e.id, "")
            if e.editor != name:
                self.update_entry(replace(e, editor=name))

    def mark_error(self, image_id: int, reason: str) -> None:
        entry = self.entry(image_id)
        if entry is not None:
            self.update_entry(replace(entry, error=reason))

    def thumbnail_changed(self, image_id: int) -> None:
        row = self._row_of.get(image_id)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [ThumbnailRole, Qt.ItemDataRole.DecorationRole])

    def _rebuild(self) -> None:
        self.beginResetModel()
        self._visible = [e for e in self._all if self._filter.matches(e)]
        self._row_of = {e.id: i for i, e in enumerate(self._visible)}
        self.endResetModel()

    # -- queries ----------------------------------------------------------------------------
    def entry(self, image_id: int) -> ImageEntry | None:
        return next((e for e in self._all if e.id == image_id), None)

    def entries(self) -> list[ImageEntry]:
        return list(self._all)

    def visible_ids(self) -> list[int]:
        return [e.id for e in self._visible]

    def row_of(self, image_id: int) -> int | None:
        return self._row_of.get(image_id)

    def total(self) -> int:
        return len(self._all)

    # -- Qt model ---------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._visible)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._visible):
            return None
        e = self._visible[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return e.row.name
        if role == IdRole:
            return e.id
        if role == EntryRole:
            return e
        if role in (ThumbnailRole, Qt.ItemDataRole.DecorationRole):
            return self._thumbnail(e)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(e)
        return None

    def _thumbnail(self, e: ImageEntry) -> QImage | None:
        if self.loader is None or e.missing or e.error:
            return None
        return self.loader.thumbnail(e.row)


def _tooltip(e: ImageEntry) -> str:
    r = e.row
    lines = [r.rel_path, f"{r.width} x {r.height}, {r.bit_depth}-bit, {r.channels} channel(s)"]
    if e.missing:
        lines.append("The file is missing or changed: use Relink folder… to find it.")
    elif e.error:
        lines.append(f"Cannot show: {e.error}")
    if e.editor:
        lines.append(f"{e.editor} has it open in Label now")
    if r.assignee:
        lines.append(f"Assigned to {r.assignee}")
    return "\n".join(lines)
