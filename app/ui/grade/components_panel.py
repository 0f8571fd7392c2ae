"""ComponentsPanel: the shown part's defect components (class, zone, size, probability, grade);
clicking a row asks the canvas to centre on that component."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from . import units
from .colors import grade_color

COLUMNS = ("Class", "Zone", "Area", "Length", "Width", "Max\nprob", "Grade")


class ComponentsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.verdict = None
        self.recipe = None
        self.order: list[int] = []  # rows -> verdict.components indices, most severe first

    def set_verdict(self, verdict, recipe) -> None:
        self.beginResetModel()
        self.verdict, self.recipe = verdict, recipe
        comps = verdict.components if verdict is not None else ()
        rank = verdict.scale.rank if verdict is not None else None
        self.order = sorted(range(len(comps)),
                            key=lambda i: (-rank(comps[i].grade), -comps[i].area_mm2, i))
        self.endResetModel()

    def component(self, row: int):
        return self.verdict.components[self.order[row]]

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.order)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        name = COLUMNS[section]
        if self.recipe is not None and name in ("Area", "Length", "Width"):
            cal = self.recipe.calibration
            return f"{name}\n({cal.area_unit if name == 'Area' else cal.length_unit})"
        return name

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        c, col = self.component(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(c, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == 6:
            return grade_color(c.grade, self.verdict.scale)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(r.text for r in c.reasons) or "No rule is broken"
        if role == Qt.ItemDataRole.BackgroundRole and col == 6:
            color = QColor(grade_color(c.grade, self.verdict.scale))
            color.setAlpha(40)
            return color
        return None

    def _text(self, c, col: int) -> str:
        if col == 0:
            return self.recipe.class_name(c.class_value)
        if col == 1:
            zones = sorted(c.overlaps, key=lambda o: -o.area_px)
            return ", ".join(o.zone for o in zones)
        if col == 2:
            return units.number(c.area_mm2)
        if col == 3:
            return units.number(c.length_mm)
        if col == 4:
            return units.number(c.width_mm)
        if col == 5:
            p = c.component.max_prob
            return "label" if p is None else f"{p:.2f}"
        return c.grade


class ComponentsPanel(QWidget):
    component_activated = Signal(object)  # the ComponentResult clicked

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = ComponentsModel(self)
        self.view = QTableView(objectName="components")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the zone names give
        QVBoxLayout(self).addWidget(self.view)
        self.view.clicked.connect(lambda i: self.component_activated.emit(
            self.model.component(i.row())))
        self.view.activated.connect(lambda i: self.component_activated.emit(
            self.model.component(i.row())))

    def set_verdict(self, verdict, recipe) -> None:
        self.model.set_verdict(verdict, recipe)
