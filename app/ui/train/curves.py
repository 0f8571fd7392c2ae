"""Live training curves: loss per step and validation IoU/Dice per class per epoch (pyqtgraph).

Steps arrive as fast as the trainer makes them; they are buffered and drawn by a timer at most
ten times a second, with pyqtgraph's peak downsampling and clipping for long runs, so the UI
thread's cost does not grow with the step rate.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

REDRAW_MS = 100
EMA = 0.9  # smoothing of the loss line drawn over the raw one (debiased, as TensorBoard does)


class TrainingCurves(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.smooth: list[float] = []
        self._ema = 0.0
        self.epochs: list[int] = []
        self.metrics: list[dict] = []
        self.redraws = 0
        self._classes: list[tuple[str, str, str]] = []  # (value, name, color)
        self._dirty = False

        self.loss_plot = pg.PlotWidget(title="Training loss")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_raw = self.loss_plot.plot(pen=pg.mkPen((120, 160, 220, 90)))
        self.loss_line = self.loss_plot.plot(pen=pg.mkPen((60, 120, 220), width=2))
        for item in (self.loss_raw, self.loss_line):
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)

        self.val_plot = pg.PlotWidget(title="Validation (per class)")
        self.val_plot.setLabel("bottom", "epoch")
        self.val_plot.setYRange(0, 1)
        self.val_plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.val_plot.addLegend(offset=(-10, 10))
        self.val_lines: dict[str, pg.PlotDataItem] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot, 1)
        layout.addWidget(self.val_plot, 1)
        self.timer = QTimer(self, interval=REDRAW_MS)
        self.timer.timeout.connect(self.redraw)

    def start(self, classes: list[tuple[str, str, str]]) -> None:
        """Forget the last run; `classes` = (value, name, colour) in channel order."""
        self.steps.clear(), self.losses.clear(), self.smooth.clear()
        self._ema = 0.0
        self.epochs.clear(), self.metrics.clear()
        self._classes = list(classes)
        self.legend.clear()
        for line in self.val_lines.values():
            self.val_plot.removeItem(line)
        self.val_lines = {}
        self._line("miou", "mIoU", pg.mkPen((200, 200, 200), width=2))
        for value, name, color in self._classes:
            self._line(f"iou{value}", f"IoU {name}", pg.mkPen(color, width=2))
            self._line(f"dice{value}", f"Dice {name}",
                       pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine))
        self._dirty = True
        self.redraw()
        self.timer.start()

    def stop(self) -> None:
        self.redraw()
        self.timer.stop()

    def _line(self, key: str, name: str, pen) -> None:
        self.val_lines[key] = self.val_plot.plot(pen=pen, symbol="o", symbolSize=5,
                                                 symbolBrush=pen.color(), name=name,
                                                 connect="finite")

    def add_step(self, step: int, loss: float) -> None:
        """Cheap: buffered until the next redraw."""
        if self.steps and step <= self.steps[-1]:
            return
        self.steps.append(step)
        self.losses.append(loss)
        self._ema = EMA * self._ema + (1 - EMA) * loss
        self.smooth.append(self._ema / (1 - EMA ** len(self.steps)))
        self._dirty = True

    def add_epoch(self, epoch: int, metrics: dict) -> None:
        if self.epochs and epoch <= self.epochs[-1]:
            return
        self.epochs.append(epoch)
        self.metrics.append(metrics)
        self._dirty = True

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.redraws += 1
        x = np.asarray(self.steps, np.float64)
        self.loss_raw.setData(x, np.asarray(self.losses, np.float64))
        self.loss_line.setData(x, np.asarray(self.smooth, np.float64))
        if not self.metrics:
            for line in self.val_lines.values():
                line.setData([], [])
            return
        ex = np.asarray(self.epochs, np.float64) + 1
        self.val_lines["miou"].setData(ex, _series(self.metrics, lambda m: m.get("miou")))
        for value, _name, _color in self._classes:
            for kind in ("iou", "dice"):
                ys = _series(self.metrics, lambda m, k=kind, v=value: m.get(k, {}).get(v))
                self.val_lines[f"{kind}{value}"].setData(ex, ys)


def _series(metrics: list[dict], get) -> np.ndarray:
    """nan where a class had no pixels in truth or prediction (pyqtgraph leaves a gap)."""
    return np.asarray([np.nan if get(m) is None else get(m) for m in metrics], np.float64)
