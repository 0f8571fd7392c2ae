"""The queue column: filter combos, the list of parts (most risky first) and the progress line.

QueueModel is a list model over `ReviewQueue.visible_items()`; the view never holds rows of
its own, it is refreshed from the queue after every change.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QLabel,
    QListView,
    QVBoxLayout,
    QWidget,
)

from .part_view import grade_color, text_color
from .queue import QueueFilter, ReviewQueue

_ROOT = QModelIndex()  # the default parent: the list itself
ANY = "Any"
REVIEWED = {ANY: None, "Not reviewed": False, "Reviewed": True}


def row_text(r) -> str:
    mark = "✓ " if r.decision is not None else "• "
    name = r.image_path.replace("\\", "/").rsplit("/", 1)[-1]
    final = f" → {r.decision.grade}" if r.decision and r.decision.grade != r.grade else ""
    # grade and risk first: a long file name is what gets shortened in a narrow column
    return f"{mark}{r.grade}{final}   risk {r.risk:.2f}   {name}"


class QueueModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.queue = ReviewQueue()

    def set_queue(self, queue: ReviewQueue) -> None:
        self.beginResetModel()
        self.queue = queue
        self.endResetModel()

    def refresh(self) -> None:
        """The queue's visible rows changed (a filter): rebuild."""
        self.beginResetModel()
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.queue.visible)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.queue.items[self.queue.visible[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return row_text(r)
        if role == Qt.ItemDataRole.ForegroundRole:
            return text_color(grade_color(r.final_grade, self.queue.scale))
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.image_path
        return None


class FilterBar(QWidget):
    """Grade, class, zone and reviewed combos; emits the resulting QueueFilter."""

    changed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grade, self.defect_class, self.zone, self.reviewed = (QComboBox() for _ in range(4))
        self.reviewed.addItems(list(REVIEWED))
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for label, combo in (("Grade", self.grade), ("Class", self.defect_class),
                             ("Zone", self.zone), ("Show", self.reviewed)):
            # keys belong to the review actions: the combos change by mouse (or Tab + arrows)
            combo.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            form.addRow(label, combo)
            combo.currentIndexChanged.connect(self._emit)

    def set_choices(self, grades, classes, zones) -> None:
        for combo, values in ((self.grade, grades), (self.defect_class, classes),
                              (self.zone, zones)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([ANY, *values])
            combo.blockSignals(False)
        self.reviewed.blockSignals(True)
        self.reviewed.setCurrentIndex(0)
        self.reviewed.blockSignals(False)

    def add_choices(self, grades, classes, zones) -> None:
        """Values that appeared (parts arriving while a run works); the picks stay."""
        for combo, values in ((self.grade, grades), (self.defect_class, classes),
                              (self.zone, zones)):
            have = {combo.itemText(i) for i in range(combo.count())}
            combo.blockSignals(True)
            combo.addItems([v for v in values if v not in have])
            combo.blockSignals(False)

    def select(self, combo: QComboBox, text: str) -> None:
        """Pick `text` in one combo (tests and scripts)."""
        combo.setCurrentIndex(combo.findText(text))

    def current(self) -> QueueFilter:
        def value(combo):
            return None if combo.currentIndex() <= 0 else combo.currentText()

        return QueueFilter(value(self.grade), value(self.defect_class), value(self.zone),
                           REVIEWED.get(self.reviewed.currentText()))

    def _emit(self) -> None:
        self.changed.emit(self.current())


class QueuePanel(QWidget):
    """Filters on top, the parts list, the progress line below."""

    row_activated = Signal(int)  # visible row clicked

    def __init__(self, parent=None):
        super().__init__(parent)
        self.filters = FilterBar()
        self.model = QueueModel(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)  # the grade and risk stay whole
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Up/Down are the review's next/previous keys, handled by its actions
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.clicked.connect(lambda i: self.row_activated.emit(i.row()))
        self.progress = QLabel()
        self.progress.setObjectName("reviewProgress")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filters)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.progress)

    def set_queue(self, queue: ReviewQueue) -> None:
        self.model.set_queue(queue)
        self.filters.set_choices(*queue.choices())
        self.sync()

    def sync(self) -> None:
        """Selection and progress follow the queue."""
        q = self.model.queue
        if q.pos >= 0:
            index = self.model.index(q.pos)
            self.list.setCurrentIndex(index)
            self.list.scrollTo(index)
        else:
            self.list.clearSelection()
        mean = q.mean_seconds()
        shown = "" if len(q.visible) == q.total else f"  ·  {len(q.visible)} shown"
        self.progress.setText(
            f"Reviewed {q.reviewed} / {q.total}{shown}  ·  "
            + (f"mean {mean:.1f} s per part" if mean is not None else "mean time —"))
