"""Pre-labels from the Train workspace: run a model over the current image or every image
on a worker (app.jobs.prediction), with progress and cancel. Predictions are stored in the
project; showing them on the canvas is the Label workspace's business, so this only announces
which images changed (`done`)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar

from app.jobs.train_jobs import predict_job
from app.ui.workers import JobRunner


class Prelabeler(QObject):
    done = Signal(list, int)  # image ids with a new prediction, model id (-1: stopped)
    log = Signal(str)
    failed = Signal(str, str)
    running_changed = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.runner = JobRunner(self)
        self.progress = QProgressBar(textVisible=True)
        self.progress.hide()
        self.runner.progress.connect(self._on_progress)
        self.runner.log.connect(self.log)
        self.runner.succeeded.connect(self._finished)
        self.runner.canceled.connect(self._canceled)
        self.runner.failed.connect(self.failed)
        self.runner.finished.connect(lambda: self._set_running(False))

    @property
    def running(self) -> bool:
        return self.runner.running

    def predict(self, model_id: int, image_ids: list[int]) -> bool:
        if self.project is None or self.runner.running or not image_ids:
            return False
        self._set_running(True)
        self.progress.setRange(0, len(image_ids))
        self.progress.setValue(0)
        self.runner.start(predict_job(self.project, model_id, list(image_ids)))
        return True

    def cancel(self) -> None:
        self.runner.cancel()

    def stop(self) -> None:
        """Cancel and join (before the project closes)."""
        self.runner.cancel()
        self.runner.wait()

    def _set_running(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.running_changed.emit(on)

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress.setFormat(f"{message}  %v/%m" if message else "%v/%m")

    def _finished(self, report) -> None:
        self.log.emit(f"Pre-labeled {len(report.predicted)} image(s) with model "
                      f"{report.model_id} in {report.seconds:.1f} s")
        for image_id, reason in report.failed:
            self.log.emit(f"  image {image_id} skipped: {reason}")
        self.done.emit(list(report.predicted), report.model_id)

    def _canceled(self) -> None:
        self.log.emit("Pre-labeling stopped; the predictions made so far are kept")
        self.done.emit([], -1)
