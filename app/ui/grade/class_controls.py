"""Per defect class: a probability-threshold slider and a minimum-area (noise floor) slider.

Both preview into the session while they move and end the edit into the draft when let go
(SliderCommit); the recipe bar's Save writes the version. Areas show their unit: mm² when the
recipe is calibrated, px otherwise.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSlider, QVBoxLayout, QWidget

from . import units
from .commit import SliderCommit

AREA = units.AreaScale()


class ClassRow(QFrame):
    """The two sliders of one class."""

    def __init__(self, value: int, name: str, color: str, parent=None, source: str = ""):
        super().__init__(parent)
        self.value = value
        self.setFrameShape(QFrame.Shape.StyledPanel)
        tail = f" <i>({source})</i>" if source else ""  # a channel of another model
        self.title = QLabel(f"<span style='color:{color}'>■</span> <b>{name}</b>{tail}")
        self.threshold = QSlider(Qt.Orientation.Horizontal, objectName=f"threshold-{value}")
        self.threshold.setRange(0, 100)
        self.threshold.setPageStep(5)
        self.threshold.setToolTip("Probability threshold: pixels at or above it are defect")
        self.threshold_text = QLabel(minimumWidth=70)
        self.min_area = QSlider(Qt.Orientation.Horizontal, objectName=f"min-area-{value}")
        self.min_area.setRange(0, AREA.steps)
        self.min_area.setPageStep(10)
        self.min_area.setToolTip("Minimum area: smaller components are noise, never graded")
        self.min_area_text = QLabel(minimumWidth=70)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.addWidget(self.title, 0, 0, 1, 3)
        grid.addWidget(QLabel("Threshold"), 1, 0)
        grid.addWidget(self.threshold, 1, 1)
        grid.addWidget(self.threshold_text, 1, 2)
        grid.addWidget(QLabel("Min area"), 2, 0)
        grid.addWidget(self.min_area, 2, 1)
        grid.addWidget(self.min_area_text, 2, 2)
        self.threshold_commit = SliderCommit(self.threshold)
        self.min_area_commit = SliderCommit(self.min_area)


class ClassControls(QWidget):
    """Sliders for every class of the project (and of the recipe), bound to a GradeSession."""

    class_focused = Signal(int)  # the user touched a class's sliders

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.rows: dict[int, ClassRow] = {}
        self.sources: dict[int, str] = {}  # class value -> the other model it comes from
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._empty = QLabel("No defect classes yet", enabled=False)
        self._layout.addWidget(self._empty)
        self._layout.addStretch(1)
        session.recipe_changed.connect(self.sync)

    def rebuild(self) -> None:
        """One row per class (after the project or its classes changed)."""
        for row in self.rows.values():
            row.setParent(None)
            row.deleteLater()
        self.rows.clear()
        names = self.session.class_names
        colors = {c.value: c.color for c in self.session.classes}
        values = sorted(set(names) | {c.value for c in self.session.recipe.classes})
        for i, v in enumerate(values):
            name = names.get(v) or self.session.recipe.class_name(v)
            row = ClassRow(v, name, colors.get(v, "#ffffff"), source=self.sources.get(v, ""))
            self._layout.insertWidget(i, row)
            self.rows[v] = row
            self._wire(row)
        self._empty.setVisible(not values)
        self.sync()

    def _wire(self, row: ClassRow) -> None:
        v, s = row.value, self.session
        row.threshold_commit.preview.connect(
            lambda pos: s.preview(s.recipe.with_threshold(v, pos / 100)))
        row.threshold_commit.commit.connect(
            lambda pos: s.edit(s.recipe.with_threshold(v, pos / 100)))
        row.min_area_commit.preview.connect(
            lambda pos: s.preview(
                s.recipe.with_min_area(v, AREA.to_mm2(pos, s.recipe.calibration))))
        row.min_area_commit.commit.connect(
            lambda pos: s.edit(s.recipe.with_min_area(v, AREA.to_mm2(pos, s.recipe.calibration))))
        for slider in (row.threshold, row.min_area):
            slider.sliderPressed.connect(lambda v=v: self.class_focused.emit(v))
            slider.valueChanged.connect(lambda _x, v=v: self.class_focused.emit(v))

    def sync(self) -> None:
        """Show the working recipe's values (sliders the user holds are left alone)."""
        recipe = self.session.recipe
        cal = recipe.calibration
        for v, row in self.rows.items():
            t = recipe.threshold(v)
            row.threshold_commit.set_value(round(t * 100))
            row.threshold_text.setText(f"{t:.2f}")
            floor = recipe.min_area_mm2(v)
            row.min_area_commit.set_value(AREA.from_mm2(floor, cal))
            row.min_area_text.setText(units.area(floor, cal))
            enabled = self.session.editable
            row.threshold.setEnabled(enabled)
            row.min_area.setEnabled(enabled)

    def flush(self) -> None:
        for row in self.rows.values():
            row.threshold_commit.flush()
            row.min_area_commit.flush()
