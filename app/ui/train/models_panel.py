"""The project's trained models: metrics, data size, date; the active one; compare; pre-label;
deploy.

The panel shows what `show(rows, active_id, names)` hands it and says what the user asked for
through signals; the workspace does the work (the project is the source of truth).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from . import format as fmt

COLUMNS = ("Active", "Model", "Trained", "Data", "mIoU", "Class IoU", "Escapes",
           "False rejects", "Status", "Verdict")
PER_CLASS = "Class IoU"
WRAPPED = {"Model": 130, "Status": 100, "Verdict": 120}  # column -> width (px); text wraps in it
NO_MODEL = "No model yet: label a few parts, then Train"
IdRole = Qt.ItemDataRole.UserRole


class ModelsPanel(QWidget):
    activate_requested = Signal(int)
    compare_requested = Signal(int, int)
    deploy_requested = Signal(int)  # model id
    predict_current_requested = Signal(int)  # model id
    predict_all_requested = Signal(int)
    cancel_prediction_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []
        self.active_id: int | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Fits a 1280 px window without scrolling sideways: long names and statuses wrap in
        # fixed widths, per-class IoU (it grows with the classes) takes the room left.
        for column, width in WRAPPED.items():
            header.setSectionResizeMode(COLUMNS.index(column), QHeaderView.ResizeMode.Interactive)
            header.resizeSection(COLUMNS.index(column), width)
        header.setSectionResizeMode(COLUMNS.index(PER_CLASS), QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(  # rows follow the wrapped text
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setToolTip("Select one model to make it active or pre-label with it; "
                              "two to compare them")
        self.empty = QLabel(NO_MODEL, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.empty.setObjectName("noModel")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)

        self.activate = QPushButton("Make active")
        self.activate.setToolTip("The active model pre-labels images and grades parts. A new "
                                 "model becomes active by itself only when it beats the active "
                                 "one on the validation images")
        self.compare = QPushButton("Compare")
        self.compare.setToolTip("Select two models to see their metrics side by side")
        self.deploy = QPushButton("Deploy…")
        self.deploy.setToolTip("Write the selected model with a recipe as a package for the "
                               "line, and check that it grades like the app")
        self.predict_current = QPushButton("Predict current image")
        self.predict_all = QPushButton("Predict all images")
        self.predict_all.setToolTip("Predict every image with the selected model: the labeled "
                                    "ones for Grade's what-if, the others as pre-labels")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop pre-labeling; the predictions made so far are kept")
        self.cancel.hide()
        buttons = QHBoxLayout()
        for b in (self.activate, self.compare, self.deploy):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.predict_current, self.predict_all, self.cancel):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)

        self.table.itemSelectionChanged.connect(self._sync_buttons)
        self.table.itemDoubleClicked.connect(lambda item: self._emit_activate())
        self.activate.clicked.connect(self._emit_activate)
        self.compare.clicked.connect(self._emit_compare)
        self.deploy.clicked.connect(lambda: self._emit_model(self.deploy_requested))
        self.predict_current.clicked.connect(
            lambda: self._emit_model(self.predict_current_requested))
        self.predict_all.clicked.connect(
            lambda: self._emit_model(self.predict_all_requested))
        self.cancel.clicked.connect(self.cancel_prediction_requested)
        self._writable = True
        self._predicting = False
        self._sync_buttons()

    # content ----------------------------------------------------------------------------------
    def show_models(self, rows, active_id: int | None, names: dict[int, str],
                    empty_text: str = NO_MODEL, writable: bool = True) -> None:
        selected = set(self.selected_ids())
        self.rows = sorted(rows, key=lambda r: r.id, reverse=True)  # newest first
        self.active_id = active_id
        self._writable = writable
        self.empty.setText(empty_text)
        self.stack.setCurrentWidget(self.table if self.rows else self.empty)
        self.table.setRowCount(len(self.rows))
        bold = QFont()
        bold.setBold(True)
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for r, row in enumerate(self.rows):
            m = row.metrics
            cls = fmt.class_names(row, names)
            verdict = row.verdict
            cells = ("●" if row.id == active_id else "", row.name, fmt.date(row),
                     fmt.data_size(row), fmt.num(m.get("miou")), fmt.per_class_iou(row, cls),
                     fmt.escapes(m), fmt.pct(m.get("false_reject_rate")), fmt.status(m),
                     fmt.verdict(verdict))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(IdRole, row.id)
                if row.id == active_id:
                    item.setFont(bold)
                if verdict.useful is False:
                    item.setForeground(muted)
                    item.setToolTip(verdict.text)
                if c == 1:
                    item.setToolTip(f"{fmt.architecture(row)}\n{row.rel_dir}")
                elif COLUMNS[c] == PER_CLASS:
                    item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.clearSelection()
        for r, row in enumerate(self.rows):
            if row.id in selected:
                self.table.selectRow(r)
        if not self.table.selectedItems() and self.rows:
            default = next((r for r, row in enumerate(self.rows) if row.id == active_id), 0)
            self.table.selectRow(default)
        self._sync_buttons()

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedItems()})
        return [self.table.item(r, 0).data(IdRole) for r in rows]

    def select_ids(self, ids) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r, row in enumerate(self.rows):
            if row.id in ids:
                self.table.selectRow(r)
        self.table.setSelectionMode(mode)

    def set_predicting(self, on: bool) -> None:
        self._predicting = on
        self.cancel.setVisible(on)
        self._sync_buttons()

    # internals --------------------------------------------------------------------------------
    def _sync_buttons(self) -> None:
        ids = self.selected_ids()
        one = len(ids) == 1
        self.activate.setEnabled(one and self._writable and ids[0] != self.active_id)
        self.compare.setEnabled(len(ids) == 2)
        self.deploy.setEnabled(one)
        for b in (self.predict_current, self.predict_all):
            b.setEnabled(one and self._writable and not self._predicting)

    def _emit_activate(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1 and self._writable:
            self.activate_requested.emit(ids[0])

    def _emit_compare(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 2:
            self.compare_requested.emit(min(ids), max(ids))

    def _emit_model(self, signal) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            signal.emit(ids[0])
