"""The training settings form: architecture and encoder (from the registries), how long (a time
budget in minutes, the default on CPU, or a number of epochs), learning rate, batch, tile,
ImageNet weights and a frozen encoder; the device, where the encoder's start weights come from,
the weights note and what the budget buys beside them.

It edits a ModelSpec and a dict of TrainConfig values; both are plain data (no torch), built by
`spec()` and `train_values()`. Defaults come from app.ml default_spec for the detected device.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from app.ml.registry import ARCHITECTURES, ENCODERS
from app.ml.spec import ENCODER_STAGES, STRIDE, ModelSpec

# Until the probe reports (then its train_defaults: a time budget on CPU, epochs elsewhere).
FALLBACK_TRAIN = {"epochs": 50, "batch_size": 8, "lr": 1e-3, "minutes": 10.0}
SOURCE_WORDS = {"bundled": "ImageNet (bundled)", "download": "ImageNet (download)"}


def start_weights(encoder: str, pretrained: bool, note: str | None) -> str:
    """Where the encoder's training starts, in words: ImageNet (bundled), ImageNet (download) or
    random. `note` is the probe's reason why ImageNet weights cannot be had here."""
    source = ENCODERS[encoder].imagenet_source()
    if not pretrained or note or source not in SOURCE_WORDS:
        return "random"
    return SOURCE_WORDS[source]


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
            words = start_weights(entry.name, True, None)
            self.encoder.setItemData(self.encoder.count() - 1,
                                     f"{entry.description}. Start weights: {words}",
                                     Qt.ItemDataRole.ToolTipRole)
        self.by_time = QRadioButton("Minutes")
        self.by_time.setToolTip("Train for this long; the last epoch is still validated and the "
                                "best model kept")
        self.by_epochs = QRadioButton("Epochs")
        self.by_epochs.setToolTip("Train for a number of passes over the training images")
        self._how_long = QButtonGroup(self)
        for b in (self.by_time, self.by_epochs):
            self._how_long.addButton(b)
        self.minutes = QDoubleSpinBox(decimals=1, minimum=0.1, maximum=10_000, singleStep=1.0)
        self.minutes.setToolTip("Time budget in minutes (setup and validation included)")
        self.epochs = QSpinBox(minimum=1, maximum=10_000)
        self.epochs.setToolTip("Passes over the training images; training also stops after 10 "
                               "epochs without a better validation score")
        self.budget_note = QLabel(wordWrap=True)
        self.budget_note.setObjectName("budgetNote")
        self.budget_note.hide()
        self.lr = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=1.0, singleStep=1e-4)
        self.lr.setToolTip("Learning rate at the start (it decays to 1 % over the minutes or "
                           "the epochs)")
        self.batch = QSpinBox(minimum=1, maximum=512)
        self.batch.setToolTip("Tiles per step; halved automatically if the GPU runs out of memory")
        self.tile = QSpinBox(minimum=STRIDE, maximum=4096, singleStep=STRIDE)
        self.tile.setToolTip(f"Training tile side in pixels (a multiple of {STRIDE}); "
                             "prediction runs whole images, or large tiles where memory asks")
        self.pretrained = QCheckBox("Start the encoder from ImageNet weights")
        self.start_weights = QLabel(objectName="startWeights")
        self.freeze = QCheckBox("Freeze the encoder (train the decoder only)")
        self.freeze.setToolTip("Keeps the pretrained encoder as loaded: much faster training on "
                               "a CPU, and it needs fewer labeled parts")
        self.unfrozen = QSpinBox(minimum=0, maximum=ENCODER_STAGES, enabled=False)
        self.unfrozen.setToolTip("The last encoder stages that still train with the decoder")
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
        form.addRow(self.by_time, self.minutes)
        form.addRow(self.by_epochs, self.epochs)
        form.addRow(self.budget_note)
        form.addRow("Learning rate", self.lr)
        form.addRow("Batch", self.batch)
        form.addRow("Tile (px)", self.tile)
        form.addRow(self.pretrained)
        form.addRow("Start weights", self.start_weights)
        form.addRow(self.freeze)
        form.addRow("Unfrozen last stages", self.unfrozen)
        form.addRow("Device", self.device)
        form.addRow(self.weights_note)
        self.set_train_values(FALLBACK_TRAIN)
        self.set_spec(self._base)
        for w in (self.architecture, self.encoder):
            w.currentIndexChanged.connect(self._changed)
        self.encoder.currentIndexChanged.connect(self._encoder_changed)
        for w in (self.epochs, self.batch, self.tile, self.unfrozen):
            w.valueChanged.connect(self._changed)
        self.lr.valueChanged.connect(self._changed)
        self.minutes.valueChanged.connect(self._changed)
        self.by_time.toggled.connect(self._how_long_changed)
        self.pretrained.toggled.connect(self._changed)
        self._enable_how_long()
        self.freeze.toggled.connect(self._changed)

    # values -----------------------------------------------------------------------------------
    def set_spec(self, spec: ModelSpec) -> None:
        """Show `spec`; it becomes the base that keeps what the form does not show."""
        self._base = spec
        self.architecture.setCurrentIndex(max(0, self.architecture.findData(spec.architecture)))
        self.encoder.setCurrentIndex(max(0, self.encoder.findData(spec.encoder)))
        self.tile.setValue(spec.tile_size)
        self.pretrained.setChecked(spec.encoder_weights == "imagenet")
        self.freeze.setChecked(spec.freeze_encoder)
        self.unfrozen.setValue(spec.unfrozen_stages)
        self._update_note()

    def set_train_values(self, values: dict) -> None:
        """TrainConfig fields; "minutes" > 0 picks the time budget, 0 the epochs."""
        if "minutes" in values:
            minutes = float(values["minutes"] or 0.0)
            if minutes > 0:
                self.minutes.setValue(minutes)
            (self.by_time if minutes > 0 else self.by_epochs).setChecked(True)
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
                                  else None, freeze_encoder=self.freeze.isChecked(),
                                  unfrozen_stages=self.unfrozen.value()
                                  if self.freeze.isChecked() else 0)

    def train_values(self) -> dict:
        """TrainConfig fields the form sets (TrainConfig itself needs torch)."""
        return {"epochs": self.epochs.value(), "batch_size": self.batch.value(),
                "lr": self.lr.value(), "minutes": self.budget_minutes()}

    def budget_minutes(self) -> float:
        """The time budget, or 0.0 when training by epochs."""
        return self.minutes.value() if self.by_time.isChecked() else 0.0

    def set_budget_note(self, text: str | None) -> None:
        """What the budget buys ("about 900 crops of 192 px in 10 minutes (...)"); None hides."""
        self.budget_note.setText(text or "")
        self.budget_note.setVisible(bool(text))

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
        self.start_weights.setText(start_weights(encoder, self.pretrained.isChecked(), note))
        self.unfrozen.setEnabled(self.freeze.isChecked())
        if note:
            self.show_weights_note(f"{note}: the {encoder} encoder starts from random weights. "
                                   "Expect to need more labeled parts and epochs.")
        else:
            self.show_weights_note(None)

    def _how_long_changed(self) -> None:
        self._enable_how_long()
        self._changed()

    def _enable_how_long(self) -> None:
        self.minutes.setEnabled(self.by_time.isChecked())
        self.epochs.setEnabled(not self.by_time.isChecked())

    def _encoder_changed(self) -> None:
        # A frozen encoder belongs to the default model (pretrained weights); others train whole
        # unless the box is ticked again.
        same = self.encoder.currentData() == self._base.encoder
        self.freeze.setChecked(same and self._base.freeze_encoder)
        self.unfrozen.setValue(self._base.unfrozen_stages if same else 0)

    def _changed(self) -> None:
        self._update_note()
        self.changed.emit()
