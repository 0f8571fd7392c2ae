"""The Train workspace's model-kind choice: defect segmentation (the form below it), good parts
only (trained here, app.jobs.anomaly_training), or the live pixel classifier (the Label
workspace's, Shift+L), each with one line on when it fits.

The chooser hides the segmentation widgets it is given while another kind is chosen, and runs
the good-only training itself on a JobRunner; `trained` carries the registered ModelRow.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.ui.workers import JobRunner

SEGMENTATION, GOOD_ONLY, LIVE = "segmentation", "good-only", "live"
KINDS = {
    SEGMENTATION: ("Defect segmentation",
                   "When defects are labeled (a few examples per class): learns each class."),
    GOOD_ONLY: ("Good parts only",
                "When defects are rare or unlabeled: learns good parts, flags what differs "
                "(class \"anomaly\")."),
    LIVE: ("Live pixel classifier (Label workspace, Shift+L)",
           "While labeling: fits in seconds from the strokes you paint, to pre-label the rest."),
}


def good_only_job(project, false_reject_rate: float):
    def job(ctx):
        from app.jobs.anomaly_training import GoodOnlyConfig, train_good_only
        from app.jobs.train_jobs import _with_threads

        config = GoodOnlyConfig(false_reject_rate=false_reject_rate)
        return _with_threads(lambda: train_good_only(project, ctx, config))

    return job


class ModelKindChooser(QWidget):
    trained = Signal(object)  # ModelRow of a good-only model
    log = Signal(str)

    def __init__(self, segmentation_widgets: list[QWidget], parent=None):
        super().__init__(parent)
        self.project = None
        self._segmentation = segmentation_widgets
        self.combo = QComboBox()
        # the long names must not widen the Train workspace's left column
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(18)
        for key, (label, why) in KINDS.items():
            self.combo.addItem(label, key)
            self.combo.setItemData(self.combo.count() - 1, why, Qt.ItemDataRole.ToolTipRole)
        self.why = QLabel(wordWrap=True)
        self.hint = QLabel(wordWrap=True)  # the project's start (app.ui.start_question)
        self.hint.setVisible(False)
        self.rate = QDoubleSpinBox(decimals=1, minimum=0.1, maximum=50.0, singleStep=0.5,
                                   value=1.0, suffix=" %")
        self.rate.setToolTip("Share of good parts the model may flag (measured on good parts "
                             "held out from its training)")
        self.train_button = QPushButton("Train on good parts")
        self.stop_button = QPushButton("Stop")
        self.good_panel = QWidget()
        form = QFormLayout(self.good_panel)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("False-reject rate", self.rate)
        form.addRow(self.train_button, self.stop_button)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.combo)
        col.addWidget(self.hint)
        col.addWidget(self.why)
        col.addWidget(self.good_panel)
        self.runner = JobRunner(self)
        self.runner.log.connect(self.log)
        self.runner.progress.connect(lambda d, t, m: self.log.emit(m) if m and d == 0 else None)
        self.runner.succeeded.connect(self._done)
        self.runner.failed.connect(lambda m, _tb: self.log.emit(m.split(":", 1)[-1].strip()))
        self.runner.canceled.connect(lambda: self.log.emit("Stopped: no model kept"))
        self.runner.finished.connect(self._sync)
        self.combo.currentIndexChanged.connect(self._sync)
        self.train_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.runner.cancel)
        # its width follows the column (the model form sets it), never widens it
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._sync()

    def kind(self) -> str:
        return self.combo.currentData()

    def set_kind(self, kind: str, hint: str = "") -> None:
        """Chooses `kind` (a key of KINDS), with a one-line hint above it ("" hides it)."""
        self.combo.setCurrentIndex(max(0, self.combo.findData(kind)))
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))

    def start(self) -> bool:
        if self.project is None or self.runner.running:
            return False
        self.log.emit("Training a good-parts-only model…")
        self.runner.start(good_only_job(self.project, self.rate.value() / 100.0))
        self._sync()
        return True

    def _done(self, row) -> None:
        self.log.emit(f"Model {row.id} ({row.name}) trained on {row.metrics['train_images']} "
                      "good parts and now active")
        self.trained.emit(row)

    def _sync(self) -> None:
        kind = self.kind()
        self.why.setText(KINDS[kind][1])
        for w in self._segmentation:
            w.setVisible(kind == SEGMENTATION)
        self.good_panel.setVisible(kind == GOOD_ONLY)
        running = self.runner.running
        self.train_button.setEnabled(self.project is not None and not running)
        self.stop_button.setEnabled(running)
