"""The filter row above the image list: text, status, defect class, split."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLineEdit, QWidget

from .model import STATUS_TEXT, UNASSIGNED, ImageFilter

SPLITS = ("train", "val", "test", UNASSIGNED)


def _combo(tip: str, any_text: str, items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox()
    combo.setToolTip(tip)
    combo.addItem(any_text, None)
    for text, value in items:
        combo.addItem(text, value)
    return combo


class FilterBar(QWidget):
    changed = Signal(object)  # ImageFilter

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QLineEdit(placeholderText="Filter by name")
        self.text.setClearButtonEnabled(True)
        self.status = _combo("Show images with this labeling status", "Any status",
                             [(t, v) for v, t in STATUS_TEXT.items()])
        self.defect_class = _combo(
            "Images of this class: from their folder at import, or present in their mask",
            "Any class", [])
        self.split = _combo("Show images in this split", "Any split", [(s, s) for s in SPLITS])
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 0, 0, 1, 3)
        for col, combo in enumerate((self.status, self.defect_class, self.split)):
            layout.addWidget(combo, 1, col)
            combo.currentIndexChanged.connect(self._emit)
        # typing coalesces: one refilter 150 ms after the last key, not one per key
        self._typing = QTimer(self, singleShot=True, interval=150)
        self._typing.timeout.connect(self._emit)
        self.text.textChanged.connect(self._typing.start)

    def set_class_names(self, names: list[str]) -> None:
        current = self.defect_class.currentData()
        self.defect_class.blockSignals(True)
        while self.defect_class.count() > 1:
            self.defect_class.removeItem(1)
        for name in names:
            self.defect_class.addItem(name, name)
        index = self.defect_class.findData(current) if current else 0
        self.defect_class.setCurrentIndex(max(0, index))
        self.defect_class.blockSignals(False)
        if current and index < 0:  # the chosen class is gone: the filter changed
            self._emit()

    def value(self) -> ImageFilter:
        return ImageFilter(self.status.currentData(), self.defect_class.currentData(),
                           self.split.currentData(), self.text.text().strip())

    def set_value(self, spec: ImageFilter) -> None:
        """Set every field at once (one `changed`); unknown values fall back to "any"."""
        widgets = (self.status, self.defect_class, self.split, self.text)
        for w in widgets:
            w.blockSignals(True)
        for combo, value in ((self.status, spec.status), (self.defect_class, spec.class_name),
                             (self.split, spec.split)):
            combo.setCurrentIndex(max(0, combo.findData(value)) if value else 0)
        self.text.setText(spec.text)
        for w in widgets:
            w.blockSignals(False)
        self._typing.stop()
        self._emit()

    def _emit(self) -> None:
        self._typing.stop()
        self.changed.emit(self.value())
