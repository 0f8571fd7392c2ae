"""Live training curves: loss per step and validation IoU per class per epoch (pyqtgraph).

Steps arrive as fast as the trainer makes them; they are buffered and drawn by a timer at most
ten times a second, with pyqtgraph's peak downsampling and clipping for long runs, so the UI
thread's cost does not grow with the step rate.

A plot with nothing to draw shows a line of text instead of empty axes. The validation plot
has one line per defect class, named in the legend; classes differ by colour, marker and dash,
and the lines drawn first are wider with bigger hollow markers, so classes with equal values
stay visible as concentric markers instead of hiding one another. The epoch axis has integer
ticks.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

REDRAW_MS = 100
EMA = 0.9  # smoothing of the loss line drawn over the raw one (debiased, as TensorBoard does)
IDLE = "Press Start to train: the loss and validation curves are drawn here as it runs"
WAITING_LOSS = "The loss curve starts with the first training step"
WAITING_VAL = "Validation IoU per class appears after the first epoch"
SYMBOLS = ("o", "s", "t", "d", "star", "p", "h", "t1")
DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DashDotLine,
          Qt.PenStyle.DotLine)
# Okabe-Ito: told apart by most people with colour-vision deficiencies; used when two classes'
# own colours are too alike (or too dark) to tell apart on the plot.
PALETTE = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
           "#ffffff")
MEAN_KEY = "miou"


class IntegerAxis(pg.AxisItem):
    """An axis whose ticks fall on whole numbers only (steps, epochs)."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph's name
        out, seen = [], set()
        for spacing, values in super().tickValues(minVal, maxVal, size):
            whole = [v for v in values if abs(v - round(v)) < 1e-9 and round(v) not in seen]
            seen.update(round(v) for v in whole)
            out.append((max(spacing, 1.0), whole))
        return out

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        return [str(int(round(v * scale))) for v in values]


def _side_legend(plot: pg.PlotWidget) -> pg.LegendItem:
    """A legend right of the plot area, in the plot's own layout, so it never hides a line;
    lines plotted with a name join it (PlotItem.addItem looks for `legend`)."""
    item = plot.getPlotItem()
    legend = pg.LegendItem(offset=None, verSpacing=-4)
    item.layout.addItem(legend, 2, 3)
    legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)  # no gaps
    item.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop)
    item.legend = legend
    return legend


class _PlotOrText(QStackedWidget):
    """A plot, or a line of text while there is nothing to plot."""

    def __init__(self, plot: pg.PlotWidget, text: str):
        super().__init__()
        self.plot = plot
        self.empty = QLabel(text, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.empty.setObjectName("curvesEmpty")
        self.addWidget(self.empty)
        self.addWidget(plot)

    def show_plot(self, on: bool, text: str = "") -> None:
        if text:
            self.empty.setText(text)
        self.setCurrentWidget(self.plot if on else self.empty)

    @property
    def plotted(self) -> bool:
        return self.currentWidget() is self.plot


def class_styles(classes: list[tuple[str, str, str]]) -> list[dict]:
    """Per class (value, name, colour): pen colour, dash, marker, widths. A class keeps its own
    colour unless it is too dark for the plot or too like an earlier class's; those get palette
    colours unlike every colour kept."""
    own: list[QColor | None] = []
    for _value, _name, color in classes:
        c = QColor(color)
        ok = c.isValid() and c.lightnessF() >= 0.25 and not any(
            _close(c, k) for k in own if k is not None)
        own.append(c if ok else None)
    taken = [c for c in own if c is not None]
    spare = [QColor(p) for p in PALETTE if not any(_close(QColor(p), k) for k in taken)]
    styles = []
    for i, c in enumerate(own):
        if c is None:
            c = spare.pop(0) if spare else QColor(PALETTE[i % len(PALETTE)])
        styles.append({"color": c, "dash": DASHES[i % len(DASHES)],
                       "symbol": SYMBOLS[i % len(SYMBOLS)],
                       "width": max(1.25, 3.5 - 0.75 * i), "size": max(5, 12 - 2 * i)})
    return styles


def _close(a: QColor, b: QColor) -> bool:
    return (abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())) < 90


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
        self.running = False
        self._classes: list[tuple[str, str, str]] = []  # (value, name, color)
        self._dirty = False

        self.loss_plot = pg.PlotWidget(title="Training loss",
                                       axisItems={"bottom": IntegerAxis("bottom")})
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_legend = _side_legend(self.loss_plot)
        self.loss_raw = self.loss_plot.plot(pen=pg.mkPen((120, 160, 220, 90)), name="loss")
        self.loss_line = self.loss_plot.plot(pen=pg.mkPen((60, 120, 220), width=2),
                                             name="smoothed")
        for item in (self.loss_raw, self.loss_line):
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)

        self.val_plot = pg.PlotWidget(title="Validation IoU per class",
                                      axisItems={"bottom": IntegerAxis("bottom")})
        self.val_plot.setLabel("bottom", "epoch")
        self.val_plot.setYRange(0, 1)
        self.val_plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = _side_legend(self.val_plot)
        self.val_lines: dict[str, pg.PlotDataItem] = {}

        self.loss_panel = _PlotOrText(self.loss_plot, IDLE)
        self.val_panel = _PlotOrText(self.val_plot, "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_panel, 1)
        layout.addWidget(self.val_panel, 1)
        self.timer = QTimer(self, interval=REDRAW_MS)
        self.timer.timeout.connect(self.redraw)
        self._show_panels()

    def start(self, classes: list[tuple[str, str, str]]) -> None:
        """Forget the last run; `classes` = (value, name, colour) in channel order."""
        self.clear()
        self._classes = list(classes)
        for (value, name, _c), style in zip(self._classes, class_styles(self._classes),
                                            strict=True):
            self._line(value, name, style)
        if len(self._classes) > 1:  # with one class the mean is that class: drawn once
            self._line(MEAN_KEY, "mean", {"color": QColor(200, 200, 200), "width": 1.5,
                                          "dash": Qt.PenStyle.DashLine, "symbol": "x",
                                          "size": 7})
        self.running = True
        self._dirty = True
        self.redraw()
        self.timer.start()

    def clear(self) -> None:
        """No run: empty plots, shown as their empty-state text."""
        self.steps.clear(), self.losses.clear(), self.smooth.clear()
        self._ema = 0.0
        self.epochs.clear(), self.metrics.clear()
        self._classes = []
        self.legend.clear()
        for line in self.val_lines.values():
            self.val_plot.removeItem(line)
        self.val_lines = {}
        self.running = False
        self._dirty = True
        self.redraw()

    def stop(self) -> None:
        self.running = False
        self._dirty = True
        self.redraw()
        self.timer.stop()

    def legend_names(self) -> list[str]:
        return [label.text for _sample, label in self.legend.items]

    def _line(self, key: str, name: str, style: dict) -> None:
        pen = pg.mkPen(style["color"], width=style["width"], style=style["dash"])
        self.val_lines[key] = self.val_plot.plot(
            pen=pen, symbol=style["symbol"], symbolSize=style["size"], symbolBrush=None,
            symbolPen=pg.mkPen(style["color"], width=1.5), name=name, connect="finite")

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

    def _show_panels(self) -> None:
        self.loss_panel.show_plot(bool(self.steps), WAITING_LOSS if self.running else IDLE)
        self.val_panel.show_plot(bool(self.metrics),
                                 WAITING_VAL if self.running or self.steps else "")
        self.val_panel.setVisible(self.running or bool(self.steps) or bool(self.metrics))

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.redraws += 1
        self._show_panels()
        x = np.asarray(self.steps, np.float64)
        self.loss_raw.setData(x, np.asarray(self.losses, np.float64))
        self.loss_line.setData(x, np.asarray(self.smooth, np.float64))
        if not self.metrics:
            for line in self.val_lines.values():
                line.setData([], [])
            return
        ex = np.asarray(self.epochs, np.float64) + 1
        if MEAN_KEY in self.val_lines:
            self.val_lines[MEAN_KEY].setData(ex, _series(self.metrics, lambda m: m.get("miou")))
        for value, _name, _color in self._classes:
            ys = _series(self.metrics, lambda m, v=value: m.get("iou", {}).get(v))
            self.val_lines[value].setData(ex, ys)


def _series(metrics: list[dict], get) -> np.ndarray:
    """nan where a class had no pixels in truth or prediction (pyqtgraph leaves a gap)."""
    return np.asarray([np.nan if get(m) is None else get(m) for m in metrics], np.float64)
