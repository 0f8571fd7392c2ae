"""LabelToolBar: tool buttons and small editors bound to LabelSettings (which holds the truth).

Every editor writes the model on user input and follows ``settings.changed``; signal blockers
stop the echo.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QSignalBlocker, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMenu,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from app.core.editing import MAX_BRUSH_SIZE

from .actions import CLASS_EDIT_SPECS, class_key_tip
from .controller import NO_CLASS_HINT
from .settings import LabelSettings

_LOG_STEPS = 1000  # brush slider positions; logarithmic so 1..20 px is as easy as 200..2000


def slider_to_size(pos: int) -> int:
    return max(1, round(math.exp(math.log(MAX_BRUSH_SIZE) * pos / _LOG_STEPS)))


def size_to_slider(size: int) -> int:
    return round(math.log(max(size, 1)) / math.log(MAX_BRUSH_SIZE) * _LOG_STEPS)


def color_icon(color: str, size: int = 14) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(QColor(color))
    return QIcon(pm)


class LabelToolBar(QObject):
    """Two bars: editing above the canvas (tools, class, brush), viewing below it (mask
    opacity, window/level, zoom)."""

    def __init__(self, settings: LabelSettings, actions: dict, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        self.edit_bar = self._bar("Label tools")
        self.view_bar = self._bar("Label view")
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(60)
        self._build(actions)
        settings.changed.connect(self._follow)
        for name in ("brush_size", "opacity", "levels", "window"):
            self._follow(name)

    @staticmethod
    def _bar(title: str) -> QToolBar:
        bar = QToolBar(title)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.setMovable(False)
        return bar

    def _build(self, actions: dict) -> None:
        settings = self.settings
        self._target = self.edit_bar
        for key in ("label.tool.brush", "label.tool.eraser", "label.tool.polygon",
                    "label.tool.fill", "label.subtract"):
            self.edit_bar.addAction(actions[key])
        self.edit_bar.addSeparator()

        self.classes = QComboBox(toolTip="Defect class painted (keys 1-9)")
        self.classes.setMinimumContentsLength(10)
        self.classes.currentIndexChanged.connect(self._class_picked)
        self._add("Class", self.classes)
        self._class_editing(actions)

        self.size_slider = QSlider(Qt.Orientation.Horizontal, toolTip="Brush size ([ and ])")
        self.size_slider.setRange(0, _LOG_STEPS)
        self.size_slider.setFixedWidth(110)
        self.size_slider.valueChanged.connect(
            lambda pos: setattr(settings, "brush_size", slider_to_size(pos)))
        self.size_spin = QSpinBox(suffix=" px", toolTip="Brush size ([ and ])")
        self.size_spin.setRange(1, MAX_BRUSH_SIZE)
        self.size_spin.valueChanged.connect(lambda v: setattr(settings, "brush_size", v))
        self._add("Size", self.size_slider)
        self.edit_bar.addWidget(self.size_spin)
        # Last, so on a narrow window they are the ones folded into the overflow menu.
        self.edit_bar.addSeparator()
        self.edit_bar.addWidget(QLabel(" Pre-labels "))
        for key, short in (("label.tool.accept", "Accept"),
                           ("label.prelabels.accept_all", "Accept all"),
                           ("label.prelabels.clear", "Clear"),
                           ("label.prelabels.hide", "Hide")):
            actions[key].setIconText(short)  # the menu keeps the full text
            self.edit_bar.addAction(actions[key])

        self._target = self.view_bar
        self.opacity = QSlider(Qt.Orientation.Horizontal, toolTip="Mask opacity")
        self.opacity.setRange(0, 100)
        self.opacity.setFixedWidth(80)
        self.opacity.valueChanged.connect(lambda v: setattr(settings, "opacity", v / 100))
        self._add("Mask opacity", self.opacity)
        self.view_bar.addAction(actions["label.hide_mask"])
        self.view_bar.addSeparator()

        self.lo = QSpinBox(toolTip="Window: this value and below show black")
        self.hi = QSpinBox(toolTip="Window: this value and above show white")
        for spin in (self.lo, self.hi):
            spin.setKeyboardTracking(False)  # typed numbers apply on Enter, arrows at once
            spin.valueChanged.connect(self._window_edited)
        self.auto = QPushButton("Auto", toolTip="Stretch the window to the image (0.5-99.5 %)")
        self._add("Window", self.lo)
        self.view_bar.addWidget(self.hi)
        self.view_bar.addWidget(self.auto)
        self.view_bar.addSeparator()
        self.view_bar.addAction(actions["label.fit"])
        self.view_bar.addAction(actions["label.actual"])
        self.view_bar.addWidget(self.zoom_label)

    def _class_editing(self, actions: dict) -> None:
        """'+' adds a class; the 'Edit' menu (also the list's context menu) edits the selected."""
        self.add_class = QToolButton(text="+", toolTip="Add a defect class")
        self.add_class.setObjectName("label.class.add_button")
        self.add_class.clicked.connect(actions["label.class.new"].trigger)
        actions["label.class.new"].enabledChanged.connect(self.add_class.setEnabled)
        self.edit_bar.addWidget(self.add_class)
        self.class_menu = QMenu("Defect class", self.classes)
        for spec in CLASS_EDIT_SPECS[1:]:
            self.class_menu.addAction(actions[spec.id])
        self.class_button = QToolButton(text="Edit", toolTip="Rename, recolour, move or delete "
                                        "the selected defect class")
        self.class_button.setMenu(self.class_menu)
        self.class_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.edit_bar.addWidget(self.class_button)
        self.classes.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.classes.customContextMenuRequested.connect(
            lambda pos: self.class_menu.exec(self.classes.mapToGlobal(pos)))
        # its own line under the bar (the workspace places it): in the bar it could be folded away
        self.no_class_hint = QLabel(NO_CLASS_HINT, margin=4)
        self.no_class_hint.setObjectName("label.no_class_hint")
        self.no_class_hint.setVisible(False)

    def show_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f" {zoom:.0%}")

    def set_classes(self, classes) -> None:
        """Rows with value, name, color (project order)."""
        with QSignalBlocker(self.classes):
            self.classes.clear()
            for i, c in enumerate(classes, start=1):
                label = f"{i}  {c.name}" if i <= 9 else c.name
                self.classes.addItem(color_icon(c.color), label, c.value)
                if i <= 9:
                    self.classes.setItemData(i - 1, f"{class_key_tip(i, c.name)} ({i})",
                                             Qt.ItemDataRole.ToolTipRole)
        self.classes.setEnabled(bool(classes))
        self.class_button.setEnabled(bool(classes))
        self.no_class_hint.setVisible(not classes)
        self._follow("class_value")

    def _add(self, label: str, widget: QWidget) -> None:
        text = QLabel(f" {label} ")
        text.setBuddy(widget)
        self._target.addWidget(text)
        self._target.addWidget(widget)

    def _class_picked(self, index: int) -> None:
        value = self.classes.itemData(index)
        if value is not None:
            self.settings.class_value = value

    def _window_edited(self, _value: int) -> None:
        lo, hi = self.lo.value(), self.hi.value()
        if hi <= lo:  # keep lo < hi by moving the other end
            if self.sender() is self.lo:
                hi = min(lo + 1, self.settings.levels - 1)
                lo = hi - 1
            else:
                lo = max(hi - 1, 0)
                hi = lo + 1
        self.settings.window = (lo, hi)

    def _follow(self, name: str) -> None:
        s = self.settings
        if name == "brush_size":
            with QSignalBlocker(self.size_slider), QSignalBlocker(self.size_spin):
                self.size_slider.setValue(size_to_slider(s.brush_size))
                self.size_spin.setValue(s.brush_size)
        elif name == "opacity":
            with QSignalBlocker(self.opacity):
                self.opacity.setValue(round(s.opacity * 100))
        elif name == "class_value":
            with QSignalBlocker(self.classes):
                self.classes.setCurrentIndex(self.classes.findData(s.class_value))
        elif name in ("levels", "window"):
            with QSignalBlocker(self.lo), QSignalBlocker(self.hi):
                self.lo.setRange(0, s.levels - 2)
                self.hi.setRange(1, s.levels - 1)
                self.lo.setValue(s.window[0])
                self.hi.setValue(s.window[1])
