"""AreaHistogram: component areas of one class (log scale) with the min-area line on it.

Drag the line: the floor previews while it moves (sigPositionChanged) and is committed once
when it is let go (sigPositionChangeFinished), like the sliders. Predicted components are the
filled bars; labeled defects (ground truth) the outline, so the floor can be put between the
specks the model makes and the smallest real defect.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from . import units

THIS_IMAGE, LABELED_SET = "This image", "Labeled set"
BINS = 30
LINE = "#ffb300"


def log_ticks(lo: float, hi: float) -> list:
    """pyqtgraph ticks for an axis in log10 units: powers of ten labelled, 2..9 unlabelled."""
    major, minor = [], []
    for k in range(math.floor(lo) - 1, math.ceil(hi) + 1):
        major.append((float(k), units.number(float(f"{10.0 ** k:.0e}"))))
        minor += [(k + math.log10(m), "") for m in range(2, 10)]
    return [major, minor]


class AreaHistogram(QWidget):
    floor_preview = Signal(float)  # min area (recipe units) while the line moves
    floor_commit = Signal(float)  # ... once, when it is let go
    scope_changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cal = None
        self.predicted = np.zeros(0)
        self.labeled = np.zeros(0)
        self._syncing = False
        self.scope = QComboBox()
        self.scope.addItems([THIS_IMAGE, LABELED_SET])
        self.title = QLabel()
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self._range = (0.0, 1.0)
        self.plot.setLabel("left", "components")
        self.plot.addLegend(offset=(-5, 5))
        self.bars = self.plot.plot(stepMode="center", fillLevel=0, brush=(80, 160, 255, 120),
                                   pen=pg.mkPen((80, 160, 255), width=1), name="predicted")
        self.truth = self.plot.plot(stepMode="center", pen=pg.mkPen((230, 230, 230), width=1.5),
                                    name="labeled")
        self.line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(LINE, width=2),
                                    hoverPen=pg.mkPen(LINE, width=4), label="min area",
                                    labelOpts={"position": 0.9, "color": LINE})
        self.plot.addItem(self.line)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.scope)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(head)
        col.addWidget(self.plot, 1)
        self.line.sigPositionChanged.connect(self._moved)
        self.line.sigPositionChangeFinished.connect(self._finished)
        self.scope.currentTextChanged.connect(self.scope_changed)

    @property
    def current_scope(self) -> str:
        return self.scope.currentText()

    def set_data(self, predicted_px, labeled_px, cal, title: str) -> None:
        """Areas in px (converted to the recipe's unit here)."""
        self.cal = cal
        self.title.setText(title)
        self.predicted = np.array([cal.area_mm2(a) for a in predicted_px], float)
        self.labeled = np.array([cal.area_mm2(a) for a in labeled_px], float)
        self.plot.setLabel("bottom", f"area ({cal.area_unit}, log scale)")
        both = np.concatenate([self.predicted, self.labeled])
        both = both[both > 0]
        if both.size == 0:
            self.bars.setData([], [])
            self.truth.setData([], [])
            self._fit_range(*self._range)
            return
        lo, hi = math.log10(both.min()), math.log10(both.max())
        if hi - lo < 2:  # at least two decades, so two powers of ten get a label
            mid = (lo + hi) / 2
            lo, hi = mid - 1, mid + 1
        edges = np.linspace(lo, hi, BINS + 1)
        top = 1
        for item, data in ((self.bars, self.predicted), (self.truth, self.labeled)):
            data = data[data > 0]
            counts, _ = np.histogram(np.log10(data), edges) if data.size else (
                np.zeros(BINS), edges)
            item.setData(edges, counts)
            top = max(top, int(counts.max()) if len(counts) else 0)
        step = max(1, math.ceil(top / 5))
        self.plot.getAxis("left").setTicks([[(float(k), str(k))
                                             for k in range(0, top + step, step)], []])
        self._fit_range(lo, hi)

    def _fit_range(self, lo: float, hi: float) -> None:
        """Show the data and the min-area line."""
        self._range = (lo, hi)
        if self.line.moving:
            return  # never rescale under the user's drag
        v = self.line.value()
        lo, hi = min(lo, v - 0.2), max(hi, v + 0.2)
        self.plot.setXRange(lo, hi, padding=0.05)
        self.plot.getAxis("bottom").setTicks(log_ticks(lo, hi))

    def set_floor(self, mm2: float, cal) -> None:
        """Put the line at the recipe's min area (no preview, no commit)."""
        self.cal = cal
        if self.line.moving:
            return  # the user holds it: theirs wins
        px = cal.area_px(mm2)
        pos = math.log10(mm2) if px >= 1 else math.log10(cal.area_mm2(1.0)) - 0.3
        self._syncing = True
        try:
            self.line.setValue(pos)
        finally:
            self._syncing = False
        self.line.label.setFormat(f"min area {units.area(mm2, cal)}")
        self._fit_range(*self._range)

    def _value(self) -> float:
        mm2 = 10 ** self.line.value()
        if self.cal is None or self.cal.area_px(mm2) < 1:
            return 0.0  # left of one pixel: no floor
        return float(f"{mm2:.3g}")

    def _moved(self) -> None:
        if self._syncing:
            return
        v = self._value()
        if self.cal is not None:
            self.line.label.setFormat(f"min area {units.area(v, self.cal)}")
        self.floor_preview.emit(v)

    def _finished(self) -> None:
        if not self._syncing:
            self.floor_commit.emit(self._value())
