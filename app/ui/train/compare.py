"""Two models side by side: every metric in a row, the better value of each numeric row marked."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from . import format as fmt

BETTER = QColor(60, 170, 90, 70)


class CompareDialog(QDialog):
    def __init__(self, a, b, names: dict[int, str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Compare models {a.id} and {b.id}")
        self.resize(640, 520)
        self.rows = fmt.compare_rows(a, b, fmt.class_names(b, fmt.class_names(a, names)))
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setHorizontalHeaderLabels(["Metric", f"Model {a.id}", f"Model {b.id}"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for r, (label, va, vb, delta) in enumerate(self.rows):
            items = [QTableWidgetItem(t) for t in (label, va, vb)]
            if delta:
                lower_better = "lower is better" in label
                b_wins = (delta < 0) if lower_better else (delta > 0)
                items[2 if b_wins else 1].setBackground(BETTER)
            for c, item in enumerate(items):
                self.table.setItem(r, c, item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def cell(self, row: int, col: int) -> str:
        return self.table.item(row, col).text()
