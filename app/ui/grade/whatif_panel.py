"""WhatIfPanel: the labeled set graded by the model under the working recipe, against the
labels' grades (and the reviewers', where parts were reviewed): escapes, false rejects, the
confusion matrix of grades, and the operating points as the class's threshold sweeps."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.whatif import curve

from . import units
from .colors import AMBER, GREEN, RED

LABELS, REVIEW = "labels", "review"


class ConfusionTable(QTableWidget):
    """Rows: the true grade; columns: the model's grade. Escapes red, false rejects amber."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setObjectName("confusion")

    def show_confusion(self, c, truth: str) -> None:
        n = len(c.levels)
        self.setRowCount(n)
        self.setColumnCount(n)
        self.setHorizontalHeaderLabels([f"model {g}" for g in c.levels])
        self.setVerticalHeaderLabels([f"{truth} {g}" for g in c.levels])
        for i in range(n):
            for j in range(n):
                item = QTableWidgetItem(str(int(c.counts[i, j])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                tint = GREEN if i == j else RED if (i > 0 and j == 0) else \
                    AMBER if (i == 0 and j > 0) else None
                if tint and c.counts[i, j]:
                    color = QColor(tint)
                    color.setAlpha(70)
                    item.setBackground(color)
                self.setItem(i, j, item)
        # Every grade row stays in view (a 1280 x 800 window leaves this panel little height).
        row = self.fontMetrics().height() + 6
        self.verticalHeader().setMinimumSectionSize(row)
        self.setMinimumHeight(self.horizontalHeader().sizeHint().height() + n * row
                              + 2 * self.frameWidth())


class OperatingChart(pg.PlotWidget):
    """Escape rate against false-reject rate, one point per threshold; the current one a star."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setLabel("bottom", "false-reject rate (%)")
        self.setLabel("left", "escape rate (%)")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.line = self.plot(pen=pg.mkPen((120, 170, 255), width=2), symbol="o", symbolSize=6,
                              symbolBrush=(120, 170, 255))
        self.current = pg.ScatterPlotItem(size=18, symbol="star", brush=pg.mkBrush(AMBER),
                                          pen=pg.mkPen("w"))
        self.addItem(self.current)
        self.labels: list[pg.TextItem] = []
        self.points: dict[float, object] = {}
        self._current = None
        self._fit()

    def reset(self) -> None:
        self.points.clear()
        self.line.setData([], [])
        for t in self.labels:
            self.removeItem(t)
        self.labels.clear()

    def add_point(self, p) -> None:
        self.points[p.threshold] = p
        t, fr, esc = curve(self.points.values())
        ok = ~(np.isnan(fr) | np.isnan(esc))
        self.line.setData(100 * fr[ok], 100 * esc[ok])
        self._fit()
        if p.threshold in (0.1, 0.3, 0.5, 0.7, 0.9) and p.escape_rate is not None \
                and p.false_reject_rate is not None:
            x, y = 100 * p.false_reject_rate, 100 * p.escape_rate
            (x0, x1), (y0, y1) = self.viewRange()
            near = any(abs(t.pos().x() - x) < 0.04 * (x1 - x0)
                       and abs(t.pos().y() - y) < 0.06 * (y1 - y0) for t in self.labels)
            if not near:  # thresholds on top of each other: label the first only
                label = pg.TextItem(f"{p.threshold:.1f}", color=(170, 190, 230), anchor=(0, 1))
                label.setPos(x, y)
                self.addItem(label)
                self.labels.append(label)

    def set_current(self, p) -> None:
        self._current = p
        if p is None or p.escape_rate is None or p.false_reject_rate is None:
            self.current.setData([], [])
        else:
            self.current.setData([100 * p.false_reject_rate], [100 * p.escape_rate])
        self._fit()

    def _fit(self) -> None:
        """Both axes from 0, wide enough for every point, at least 0..5 %."""
        pts = [*self.points.values(), *([self._current] if self._current else [])]
        fr = [100 * p.false_reject_rate for p in pts if p.false_reject_rate is not None]
        esc = [100 * p.escape_rate for p in pts if p.escape_rate is not None]
        self.setXRange(0, max(5.0, 1.1 * max(fr, default=0)), padding=0.03)
        # y headroom: threshold labels sit above their points
        self.setYRange(0, max(5.0, 1.2 * max(esc, default=0)), padding=0.03)


class WhatIfPanel(QWidget):
    image_requested = Signal(int)  # an escape or a false reject was double-clicked
    refresh_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.last = None
        self.summary = QLabel("What-if: waiting for the labeled set…", wordWrap=True)
        self.summary.setObjectName("whatif-summary")
        self.truth = QComboBox()
        self.truth.addItem("against labels", LABELS)
        self.refresh_button = QPushButton("Reload")
        self.refresh_button.setToolTip("Read labels and predictions again (after editing them)")
        self.table = ConfusionTable()
        self.errors = QListWidget(objectName="whatif-errors")
        self.errors.setToolTip("Double-click a part to show it")
        self.chart = OperatingChart()
        self.chart_title = QLabel()
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.truth)
        head.addWidget(self.refresh_button)
        left = QVBoxLayout()
        left.addWidget(self.table, 2)
        left.addWidget(QLabel("Escapes and false rejects"))
        left.addWidget(self.errors, 1)
        right = QVBoxLayout()
        right.addWidget(self.chart_title)
        right.addWidget(self.chart, 1)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        col = QVBoxLayout(self)
        col.addLayout(head)
        col.addLayout(body, 1)
        self.truth.currentIndexChanged.connect(lambda _i: self._show())
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.errors.itemDoubleClicked.connect(
            lambda item: self.image_requested.emit(item.data(Qt.ItemDataRole.UserRole)))

    def show_message(self, text: str) -> None:
        self.summary.setText(text)

    def show_refreshed(self, out, names: dict[int, str], class_name: str) -> None:
        """`out`: whatif_runner.Refreshed; `names`: image id -> file name."""
        self.last, self._names = out, names
        r = out.result
        reviewed = self.truth.findData(REVIEW)
        if r.vs_review is not None and reviewed < 0:
            self.truth.addItem(f"against review ({r.reviewed} parts)", REVIEW)
        elif r.vs_review is None and reviewed >= 0:
            self.truth.removeItem(reviewed)
        self.chart_title.setText(f"Operating points as the {class_name} threshold sweeps "
                                 f"(★ now)")
        self.chart.set_current(out.point)
        self._show()

    def _show(self) -> None:
        out = self.last
        if out is None:
            return
        r = out.result
        review = self.truth.currentData() == REVIEW and r.vs_review is not None
        c = r.vs_review if review else r.vs_labels
        truth = "review" if review else "true"
        self.table.show_confusion(c, truth)
        skipped = f"; {r.skipped} labeled without a prediction left out" if r.skipped else ""
        self.summary.setText(
            f"<b>{c.n}</b> labeled parts{skipped} · escapes <b>{c.escapes}</b> of {c.bad} bad "
            f"({units.percent(c.escape_rate)}) · false rejects <b>{c.false_rejects}</b> of "
            f"{c.good} good ({units.percent(c.false_reject_rate)}) · {r.seconds:.2f} s")
        self.errors.clear()
        for kind, keys in (("escape", c.escape_keys), ("false reject", c.false_reject_keys)):
            for key in keys:
                item = QListWidgetItem(f"{kind}: {self._names.get(key, key)}")
                item.setData(Qt.ItemDataRole.UserRole, key)
                self.errors.addItem(item)

    def start_sweep(self) -> None:
        self.chart.reset()

    def add_point(self, point) -> None:
        self.chart.add_point(point)
