"""The training settings form: architecture and encoder (from the registries), epochs, learning
rate, batch, tile and ImageNet weights; the device and the weights note beside them.

It edits a ModelSpec and a dict of TrainConfig values; both are plain data (no torch), built by
`spec()` and `train_values()`. Defaults come from app.ml default_spec for the detected device.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from app.ml.registry import ARCHITECTURES, ENCODERS
from app.ml.spec import STRIDE, ModelSpec

FALLBACK_TRAIN = {"epochs": 50, "batch_size": 8, "lr": 1e-3}  # until the probe reports


class SpecForm(QWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._base = ModelSpec(decoder_channels=(64, 32, 16, 16, 8))
        self._notes: dict[str, str | None] = {}
        self.architecture = QComboBox()
        for entry in ARCHITECTURES.values():
            self.architecture.addItem(entry.name, entry.name)
            self.architecture.setItemData(self.architecture.count() - 1, entry.description,
                                          Qt.ItemDataRole.ToolTipRole)
        self.encoder = QComboBox()
        for entry in ENCODERS.values():
            self.encoder.addItem(entry.name, entry.name)
            self.encoder.setItemData(self.encoder.count() - 1, entry.description,
                                     Qt.ItemDataRole.ToolTipRole)
        self.epochs = QSpinBox(minimum=1, maximum=10_000)
        self.epochs.setToolTip("Passes over the training images; training also stops after 10 "
                               "epochs without a better validation score")
        self.lr = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=1.0, singleStep=1e-4)
        self.lr.setToolTip("Learning rate at the start (it decays to 1 % over the epochs)")
        self.batch = QSpinBox(minimum=1, maximum=512)
        self.batch.setToolTip("Tiles per step; halved automatically if the GPU runs out of memory")
        self.tile = QSpinBox(minimum=STRIDE, maximum=4096, singleStep=STRIDE)
        self.tile.setToolTip(f"Training tile side in pixels (a multiple of {STRIDE}); "
                             "prediction runs whole images, or large tiles where memory asks")
        self.pretrained = QCheckBox("Start the encoder from ImageNet weights")
        self.device = QLabel("Detecting the device…")
        self.device.setObjectName("trainDevice")
        self.weights_note = QLabel(wordWrap=True)
        self.weights_note.setObjectName("weightsNote")
        self.weights_note.setStyleSheet("color: #d08000;")
        self.weights_note.hide()

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Architecture", self.architecture)
        form.addRow("Encoder", self.encoder)
        form.addRow("Epochs", self.epochs)
        form.addRow("Learning rate", self.lr)
        form.addRow("Batch", self.batch)
        form.addRow("Tile (px)", self.tile)
        form.addRow(self.pretrained)
        form.addRow("Device", self.device)
        form.addRow(self.weights_note)
        self.set_train_values(FALLBACK_TRAIN)
        self.set_spec(self._base)
        for w in (self.architecture, self.encoder):
            w.currentIndexChanged.connect(self._changed)
        for w in (self.epochs, self.batch, self.tile):
            w.valueChanged.connect(self._changed)
        self.lr.valueChanged.connect(self._changed)
        self.pretrained.toggled.connect(self._changed)

    # values -----------------------------------------------------------------------------------
    def set_spec(self, spec: ModelSpec) -> None:
        """Show `spec`; it becomes the base that keeps what the form does not show."""
        self._base = spec
        self.architecture.setCurrentIndex(max(0, self.architecture.findData(spec.architecture)))
        self.encoder.setCurrentIndex(max(0, self.encoder.findData(spec.encoder)))
        self.tile.setValue(spec.tile_size)
        self.pretrained.setChecked(spec.encoder_weights == "imagenet")
        self._update_note()

    def set_train_values(self, values: dict) -> None:
        self.epochs.setValue(int(values.get("epochs", self.epochs.value())))
        self.batch.setValue(int(values.get("batch_size", self.batch.value())))
        self.lr.setValue(float(values.get("lr", self.lr.value())))

    def spec(self) -> ModelSpec:
        arch, encoder = self.architecture.currentData(), self.encoder.currentData()
        decoder = self._base.decoder_channels
        # The slim default decoder belongs to the default model; others get their stock one.
        if (arch, encoder) != (self._base.architecture, self._base.encoder) or \
                not ARCHITECTURES[arch].takes_decoder_channels:
            decoder = None
        tile = max(STRIDE, self.tile.value() // STRIDE * STRIDE)
        return self._base.replace(architecture=arch, encoder=encoder, decoder_channels=decoder,
                                  tile_size=tile,
                                  encoder_weights="imagenet" if self.pretrained.isChecked()
                                  else None)

    def train_values(self) -> dict:
        """TrainConfig fields the form sets (TrainConfig itself needs torch)."""
        return {"epochs": self.epochs.value(), "batch_size": self.batch.value(),
                "lr": self.lr.value()}

    # device and weights -----------------------------------------------------------------------
    def set_machine(self, label: str, weights_notes: dict[str, str | None]) -> None:
        self.device.setText(label)
        self._notes = dict(weights_notes)
        self._update_note()

    def show_weights_note(self, text: str | None) -> None:
        """Say plainly when training starts from random weights (or None to hide)."""
        self.weights_note.setText(text or "")
        self.weights_note.setVisible(bool(text))

    def _update_note(self) -> None:
        encoder = self.encoder.currentData()
        note = self._notes.get(encoder) if self.pretrained.isChecked() else None
        if note:
            self.show_weights_note(f"{note}: the {encoder} encoder starts from random weights. "
                                   "Expect to need more labeled parts and epochs.")
        else:
            self.show_weights_note(None)

    def _changed(self) -> None:
        self._update_note()
        self.changed.emit()
