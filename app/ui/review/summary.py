"""SummaryPanel: a run's parts per grade and the defect Pareto by class and by zone.

The figures are app.jobs.reports.run_summary's, so the screen and the exported report always
agree: parts per final grade (the reviewer's grade when reviewed, else the model's) and
unreadable parts; defects per class and per zone (every stored component; one touching two
zones counts in each), most frequent first. Three small pyqtgraph bar charts (BarGraphItem);
"Export report…" emits `export_requested`.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .part_view import grade_color

BAR_BLUE = "#4a90d9"


class BarChart(pg.PlotWidget):
    """Labelled bars; `values()` returns what is drawn (tests)."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent, background=None)
        self.setTitle(title, size="9pt")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.getPlotItem().setMenuEnabled(False)
        self.getAxis("left").setWidth(28)
        self.setMinimumHeight(130)
        self._data: list[tuple[str, int]] = []

    def set_bars(self, data: list[tuple[str, int]], colors=None) -> None:
        self._data = list(data)
        self.clear()
        if not data:
            self.getAxis("bottom").setTicks([[]])
            return
        x = list(range(len(data)))
        heights = [v for _k, v in data]
        brushes = colors or [BAR_BLUE] * len(data)
        self.addItem(pg.BarGraphItem(x=x, height=heights, width=0.7, brushes=brushes))
        self.getAxis("bottom").setTicks([[(i, k) for i, (k, _v) in enumerate(data)]])
        self.setXRange(-0.6, len(data) - 0.4, padding=0)
        self.setYRange(0, max(heights) * 1.1 or 1, padding=0)
        step = max(1, math.ceil(max(heights) / 4))  # counts: whole-number ticks, never 0.5
        self.getAxis("left").setTickSpacing(major=step, minor=step)

    def values(self) -> list[tuple[str, int]]:
        return list(self._data)


class SummaryPanel(QWidget):
    export_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.grades = BarChart("Parts per grade")
        self.by_class = BarChart("Defects by class")
        self.by_zone = BarChart("Defects by zone")
        self.export = QPushButton("Export report…")
        self.export.clicked.connect(self.export_requested)
        self.export.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Return confirms, never exports
        charts = QHBoxLayout()
        for chart in (self.grades, self.by_class, self.by_zone):
            charts.addWidget(chart)
        top = QHBoxLayout()
        top.addWidget(self.totals, 1)
        top.addWidget(self.export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.addLayout(top)
        layout.addLayout(charts)

    def show_summary(self, summary: dict | None, scale) -> None:
        """`summary`: app.jobs.reports.run_summary(...), or None for no run."""
        if summary is None:
            self.totals.setText("No inspection run")
            for chart in (self.grades, self.by_class, self.by_zone):
                chart.set_bars([])
            return
        counts = dict(summary["by_final_grade"])
        if summary["errors"]:
            counts["error"] = summary["errors"]
        parts = ", ".join(f"{g} {n}" for g, n in counts.items() if n)
        self.totals.setText(
            f"<b>{summary['parts']} parts</b>: {parts or 'none'}  ·  {summary['flagged']} "
            f"flagged, {summary['reviewed']} reviewed, {summary['overridden']} overridden")
        self.grades.set_bars(list(counts.items()), [grade_color(g, scale) for g in counts])
        pareto = summary["pareto"]
        self.by_class.set_bars([(i["name"], i["count"]) for i in pareto["by_class"]])
        self.by_zone.set_bars([(i["name"], i["count"]) for i in pareto["by_zone"]])
