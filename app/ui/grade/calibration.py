"""Calibration by measuring: draw a line over a feature of known length, type the length.

The project's mm_per_pixel is set (and marked calibrated; the store audits both), and the
working recipe (the draft) gets the calibration; Save writes it as a version. A recipe that was
uncalibrated had its limits in px: they are converted, so the recipe grades exactly as before, now
in mm.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
)

from app.core.grading import Recipe, calibrate_from_line


def calibrate_recipe(recipe: Recipe, mm_per_pixel: float) -> Recipe:
    """`recipe` at a new calibration; px limits of an uncalibrated recipe become mm limits."""
    if recipe.calibration.is_calibrated:
        return recipe.with_mm_per_pixel(mm_per_pixel)
    a, k = mm_per_pixel ** 2, mm_per_pixel

    def scaled(v, f):
        return None if v is None else float(f"{v * f:.6g}")

    classes = tuple(dataclasses.replace(c, min_area_mm2=scaled(c.min_area_mm2, a))
                    for c in recipe.classes)
    rules = tuple(dataclasses.replace(r, min_area_mm2=scaled(r.min_area_mm2, a),
                                      max_area_mm2=scaled(r.max_area_mm2, a),
                                      max_length_mm=scaled(r.max_length_mm, k))
                  for r in recipe.rules)
    return dataclasses.replace(recipe, classes=classes, rules=rules).with_mm_per_pixel(
        mm_per_pixel)


def apply_calibration(session, mm_per_pixel: float) -> None:
    """Project setting (audited by the store) and the calibration in the recipe draft."""
    project = session.project
    project.settings.set("mm_per_pixel", float(mm_per_pixel))
    project.settings.set("calibrated", True)
    session.edit(calibrate_recipe(session.recipe, mm_per_pixel))


class MeasureDialog(QDialog):
    """Asks the real length of a measured line; `calibrated(mm_per_pixel)` on OK."""

    calibrated = Signal(float)

    def __init__(self, line, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Calibrate")
        self.line = line
        self.length = QDoubleSpinBox(decimals=3, minimum=0.001, maximum=100_000.0,
                                     suffix=" mm", value=1.0)
        self.length.setObjectName("known-length")
        self.result = QLabel()
        form = QFormLayout()
        form.addRow("Measured line", QLabel(f"{line.length:.1f} px"))
        form.addRow("Its real length", self.length)
        form.addRow("Scale", self.result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(QLabel("Type the length of the feature the line spans."))
        col.addLayout(form)
        col.addWidget(buttons)
        self.length.valueChanged.connect(self._show)
        self._show()
        self.length.setFocus()
        self.length.selectAll()

    @property
    def mm_per_pixel(self) -> float:
        return calibrate_from_line(self.line.p0, self.line.p1, self.length.value())

    def _show(self) -> None:
        self.result.setText(f"{self.mm_per_pixel:.5g} mm/px")

    def accept(self) -> None:
        self.calibrated.emit(self.mm_per_pixel)
        super().accept()
