"""SliderCommit: preview while a slider moves, commit once when it is let go.

"Commit" ends one gesture (the Grade session puts it in its draft); it writes nothing.

A mouse drag previews every value and commits on sliderReleased. Keys and the wheel have no
release: a burst of them commits once, IDLE_MS after the last step (or on flush()). Only a
value that differs from the last committed one is committed, so a release without a move, or a
value set by the program (set_value), writes nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import QAbstractSlider

IDLE_MS = 600


class SliderCommit(QObject):
    preview = Signal(int)
    commit = Signal(int)

    def __init__(self, slider: QAbstractSlider, idle_ms: int = IDLE_MS):
        super().__init__(slider)
        self.slider = slider
        self.committed = slider.value()
        self._timer = QTimer(self, singleShot=True, interval=idle_ms)
        self._timer.timeout.connect(self.flush)
        slider.valueChanged.connect(self._changed)
        slider.sliderReleased.connect(self.flush)

    @property
    def pending(self) -> bool:
        return self.slider.value() != self.committed

    def set_value(self, value: int) -> None:
        """Show `value` without previewing or committing it (the recipe changed elsewhere)."""
        if self.slider.isSliderDown() or self._timer.isActive():
            return  # the user is moving it: theirs wins
        with QSignalBlocker(self.slider):
            self.slider.setValue(value)
        self.committed = self.slider.value()
        self._timer.stop()

    def flush(self) -> None:
        self._timer.stop()
        value = self.slider.value()
        if value != self.committed:
            self.committed = value
            self.commit.emit(value)

    def _changed(self, value: int) -> None:
        if not self.slider.isSliderDown():
            self._timer.start()  # first: the preview's echo (set_value) must see it pending
        self.preview.emit(value)
