"""Prelabeler: gives parts sent to labeling their pre-label (see app/jobs/review_labeling.py),
predicting them off the UI thread with app.jobs.prediction when the run has a model.

Parts queue up while a prediction runs (the reviewer keeps going); each batch is one job.
A prediction that cannot be made (no checkpoint, no torch, unreadable image) falls back to
the boxes pre-label, and says why in `message`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from app.jobs import review_labeling as labeling
from app.ui.workers import JobRunner

log = logging.getLogger(__name__)


class Prelabeler(QObject):
    done = Signal(int, str)  # image id, pre-label kind: "prediction", "boxes" or "none"
    message = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.project = None
        self.runner = JobRunner(self)
        self.runner.succeeded.connect(self._predicted)
        self.runner.failed.connect(self._prediction_failed)
        self.runner.canceled.connect(self._next)
        self._pending: list[tuple[int, object, int]] = []  # (image id, result, model id)
        self._batch: list[tuple[int, object, int]] = []

    def set_project(self, project) -> None:
        self.stop()
        self.project = project

    def submit(self, image_id: int, result, model_id: int | None) -> str | None:
        """The kind of pre-label given now, or None when a prediction was queued."""
        if labeling.has_prediction(self.project, image_id, model_id):
            self.done.emit(image_id, "prediction")
            return "prediction"
        if model_id is None:
            return self._boxes(image_id, result)
        self._pending.append((image_id, result, model_id))
        self._next()
        return None

    def stop(self) -> None:
        self._pending.clear()
        self.runner.cancel()
        self.runner.wait()

    def _next(self) -> None:
        if self.runner.running:
            return
        self._batch = []
        if not self._pending or self.project is None:
            return
        model_id = self._pending[0][2]
        self._batch = [p for p in self._pending if p[2] == model_id]
        self._pending = [p for p in self._pending if p[2] != model_id]
        ids = [image_id for image_id, _r, _m in self._batch]
        project = self.project

        def job(ctx):
            from app.jobs.prediction import predict_images

            return predict_images(project, model_id, ids, ctx)

        self.runner.start(job)

    def _predicted(self, report) -> None:
        failed = dict(report.failed)
        for image_id, result, _m in self._batch:
            if image_id in report.predicted:
                self.done.emit(image_id, "prediction")
            else:
                self.message.emit(f"Could not predict image {image_id}: {failed.get(image_id)}")
                self._boxes(image_id, result)
        self._next()

    def _prediction_failed(self, message: str, details: str) -> None:
        log.warning("pre-label prediction failed: %s\n%s", message, details)
        self.message.emit(f"No prediction for the pre-label ({message}); used the defect boxes")
        for image_id, result, _m in self._batch:
            self._boxes(image_id, result)
        self._next()

    def _boxes(self, image_id: int, result) -> str:
        revision = labeling.write_box_prelabel(self.project, image_id, result)
        kind = "boxes" if revision is not None else "none"
        self.done.emit(image_id, kind)
        return kind
