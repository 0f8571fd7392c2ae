"""ClassEditor: add, rename, recolour, reorder and delete defect classes from the class list.

The project holds the truth (app.store ClassesRepo); this asks the user (QInputDialog,
QColorDialog, QMessageBox), writes the store, and says what changed: ``classes_changed`` after
any edit, ``masks_changed(image ids)`` after a delete rewrote masks. ``about_to_change_masks``
comes first, so the workspace writes pending strokes before the delete reads the masks.

Deleting a class with pixels asks what they become (merged into another class or erased);
the store writes a new mask revision for each touched image and an audit row, in one
transaction. It runs on the UI thread with a busy cursor: a delete is rare, and no stroke may
be committed while it rewrites masks.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QColorDialog, QInputDialog, QMessageBox, QWidget

from app.store.classes_repo import ClassError

from .settings import LabelSettings

ERASE = "Erase them (background)"


def merge_item(name: str) -> str:
    return f"Merge into \u201c{name}\u201d"


class ClassEditor(QObject):
    classes_changed = Signal()
    about_to_change_masks = Signal()
    masks_changed = Signal(list)  # ids of the images whose mask a delete rewrote
    status_message = Signal(str)

    def __init__(self, settings: LabelSettings, parent: QWidget):
        super().__init__(parent)
        self.settings = settings
        self.project = None
        self._parent = parent

    # what the actions call ------------------------------------------------------------------
    def add(self) -> None:
        if not self._writable():
            return
        name, ok = QInputDialog.getText(self._parent, "Add defect class",
                                        "Name of the new defect class:")
        if not ok or not self._apply(lambda: self.project.classes.add(name)):
            return
        row = self.project.classes.by_name(name.strip())
        self.classes_changed.emit()
        self.settings.class_value = row.value
        self.status_message.emit(f"Added defect class {row.name!r}: key "
                                 f"{self._key_of(row.value)} selects it")

    def rename(self) -> None:
        row = self._selected()
        if row is None:
            return
        name, ok = QInputDialog.getText(self._parent, "Rename defect class",
                                        f"New name of \u201c{row.name}\u201d:", text=row.name)
        if ok and name.strip() != row.name and self._apply(
                lambda: self.project.classes.update(row.value, name=name)):
            self.classes_changed.emit()

    def recolor(self) -> None:
        row = self._selected()
        if row is None:
            return
        color = QColorDialog.getColor(QColor(row.color), self._parent,
                                      f"Colour of \u201c{row.name}\u201d")
        if color.isValid() and color.name() != row.color and self._apply(
                lambda: self.project.classes.update(row.value, color=color.name())):
            self.classes_changed.emit()

    def move(self, delta: int) -> None:
        """Earlier (-1) or later (+1) in the list: keys 1-9 follow the order."""
        row = self._selected()
        if row is None:
            return
        order = [c.value for c in self.project.classes.list()]
        to = order.index(row.value) + delta
        if not 0 <= to < len(order):
            return
        if self._apply(lambda: self.project.classes.move(row.value, to)):
            self.classes_changed.emit()
            self.status_message.emit(f"Key {self._key_of(row.value)} now selects {row.name!r}")

    def delete(self) -> None:
        row = self._selected()
        if row is None:
            return
        used = self.project.classes.images_using(row.value)
        others = [c for c in self.project.classes.list() if c.value != row.value]
        if not used:
            answer = QMessageBox.question(
                self._parent, "Delete defect class",
                f"Delete the defect class \u201c{row.name}\u201d? No image has its pixels.")
            if answer != QMessageBox.StandardButton.Yes:
                return
            target = None
        else:
            items = [merge_item(c.name) for c in others] + [ERASE]
            item, ok = QInputDialog.getItem(
                self._parent, "Delete defect class",
                f"\u201c{row.name}\u201d is painted in {len(used)} image(s). What should its "
                "pixels become?\nEach of these images gets a new mask revision.",
                items, 0, False)
            if not ok or item not in items:
                return
            target = None if item == ERASE else others[items.index(item)]
        self.about_to_change_masks.emit()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            done = self._apply(lambda: self.project.classes.delete(
                row.value, target.value if target else None))
        finally:
            QGuiApplication.restoreOverrideCursor()
        if not done:
            return
        self.classes_changed.emit()
        if used:
            self.masks_changed.emit(used)
        where = (f"; its pixels in {len(used)} image(s) are now "
                 f"{target.name if target else 'background'}") if used else ""
        self.status_message.emit(f"Deleted defect class {row.name!r}{where}")

    # helpers ----------------------------------------------------------------------------------
    def _writable(self) -> bool:
        if self.project is None:
            return False
        if self.project.readonly:
            self.status_message.emit("The project is read-only")
            return False
        return True

    def _selected(self):
        if not self._writable():
            return None
        row = self.project.classes.by_value().get(self.settings.class_value)
        if row is None:
            self.status_message.emit("No defect class selected")
        return row

    def _key_of(self, value: int) -> str:
        order = [c.value for c in self.project.classes.list()]
        i = order.index(value) + 1
        return str(i) if i <= 9 else "(none: only the first nine have keys)"

    def _apply(self, write) -> bool:
        """Run a store write; a refused edit (bad name, ...) is said in a box, nothing changed."""
        try:
            write()
        except ClassError as e:
            QMessageBox.warning(self._parent, "Defect classes", str(e))
            return False
        return True
