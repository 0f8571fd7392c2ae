"""File > Storage roots: the team project's storage roots, each with the folder it is mapped to
on this workstation (or "not mapped here"); map or remap one to a folder, add one.

The names are the team's (in the database; adding one is an admin's right); the folders are
this workstation's (app/store/storage_roots.py). `map_root` and `add_root` are the plain methods
the buttons call (tests call them too); a refusal is said in the dialog, nothing changes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.store import ProjectError

NOT_MAPPED = "not mapped here"


class StorageRootsDialog(QDialog):
    changed = Signal()  # a root was added or mapped: images may load now

    def __init__(self, project, parent=None):
        super().__init__(parent)
        self.project = project
        self.setWindowTitle("Storage roots")
        self.resize(640, 320)
        intro = QLabel("Where the team's images live. Each root is named once for the team and "
                       "mapped to a folder on each workstation (a network share, a mounted "
                       "drive).")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 2, objectName="roots-table")
        self.table.setHorizontalHeaderLabels(["Root", "Folder on this workstation"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()  # row numbers mean nothing here
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.map_button = QPushButton("Map to folder…", objectName="roots-map")
        self.map_button.setToolTip("Choose the folder this root is on this workstation")
        self.add_button = QPushButton("Add root…", objectName="roots-add")
        self.message = QLabel(objectName="roots-message")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.map_button)
        buttons.addWidget(self.add_button)
        buttons.addStretch()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.map_button.clicked.connect(self._pick_folder)
        self.add_button.clicked.connect(self._ask_name)
        self.table.itemSelectionChanged.connect(self._sync)
        self.table.itemDoubleClicked.connect(lambda _item: self._pick_folder())
        why = project.why_not("roots.add")
        self.add_button.setEnabled(not why and not project.readonly)
        self.add_button.setToolTip(why or "Add a root the team's images live under")
        self.refresh()

    # plain methods ------------------------------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        roots = self.project.roots
        mapping = roots.mapping()
        names = roots.names()
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            folder = mapping.get(name)
            name_item = QTableWidgetItem(name)
            folder_item = QTableWidgetItem(folder or NOT_MAPPED)
            if folder is None:
                folder_item.setForeground(Qt.GlobalColor.darkRed)
            self.table.setItem(row, 0, name_item)
            self.table.setItem(row, 1, folder_item)
            if name == select:
                self.table.selectRow(row)
        if self.table.currentRow() < 0 and names:
            self.table.selectRow(0)
        self._sync()

    def rows(self) -> list[tuple[str, str]]:
        """(root, folder or NOT_MAPPED) as shown, top first."""
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text())
                for r in range(self.table.rowCount())]

    def selected_root(self) -> str | None:
        row = self.table.currentRow()
        return self.table.item(row, 0).text() if row >= 0 else None

    def map_root(self, name: str, folder: str) -> bool:
        try:
            self.project.roots.map(name, folder)
        except (ProjectError, OSError) as e:
            self.show_message(str(e))
            return False
        self.show_message(f"{name} is {self.project.roots.folder(name)} on this workstation.")
        self.refresh(select=name)
        self.changed.emit()
        return True

    def add_root(self, name: str) -> bool:
        try:
            self.project.roots.add(name.strip())
        except ProjectError as e:
            self.show_message(str(e))
            return False
        self.show_message(f"Added {name.strip()}: map it to its folder here.")
        self.refresh(select=name.strip())
        self.changed.emit()
        return True

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    # dialogs ------------------------------------------------------------------------------
    def _pick_folder(self) -> None:
        name = self.selected_root()
        if name is None:
            return
        start = self.project.roots.mapping().get(name, "")
        folder = QFileDialog.getExistingDirectory(self, f"Folder of storage root {name}", start)
        if folder:
            self.map_root(name, folder)

    def _ask_name(self) -> None:
        name, ok = QInputDialog.getText(self, "Add storage root",
                                        "Name (letters, digits, '.', '_', '-'):")
        if ok and name.strip():
            self.add_root(name)

    def _sync(self) -> None:
        self.map_button.setEnabled(self.selected_root() is not None)
