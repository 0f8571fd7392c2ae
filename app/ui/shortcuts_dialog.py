"""Keyboard shortcuts: a table generated from the live actions, so it is never out of date."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .actions import ShortcutRow

COLUMNS = ("Action", "Shortcut", "Where")


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[ShortcutRow], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 520)
        self.filter = QLineEdit(placeholderText="Filter by action or key")
        self.filter.setClearButtonEnabled(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.filter.textChanged.connect(self._apply_filter)
        self.set_rows(rows)

    def set_rows(self, rows: list[ShortcutRow]) -> None:
        # Actions without a key are left out: this is a list of keys to learn.
        rows = [r for r in rows if r.shortcut]
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, text in enumerate((row.action, row.shortcut, row.where)):
                item = QTableWidgetItem(text)
                item.setToolTip(row.tooltip)
                self.table.setItem(i, j, item)
        self.table.resizeColumnToContents(1)
        self.table.resizeColumnToContents(2)

    def shortcuts(self) -> list[tuple[str, str, str]]:
        """(action, shortcut, where) of every row, for tests and export."""
        return [tuple(self.table.item(i, j).text() for j in range(3))
                for i in range(self.table.rowCount())]

    def _apply_filter(self, text: str) -> None:
        needle = text.casefold()
        for i in range(self.table.rowCount()):
            hay = " ".join(self.table.item(i, j).text() for j in range(3)).casefold()
            self.table.setRowHidden(i, needle not in hay)

    def keyPressEvent(self, event) -> None:
        # Esc in the filter clears it first, then closes
        if event.key() == Qt.Key.Key_Escape and self.filter.text():
            self.filter.clear()
            return
        super().keyPressEvent(event)
