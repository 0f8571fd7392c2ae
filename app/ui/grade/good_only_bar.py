"""GoodOnlyBar: the Grade workspace's line about the good-parts-only model graded beside the
model (app.jobs.good_only.default_good_only): which one, how many of the project's images it
has predicted, and a button that predicts the rest (app.jobs.prediction on a JobRunner), so
its anomaly map (the class "anomaly", with its own slider and colour) is there to grade.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.jobs.good_only import default_good_only
from app.ui.workers import JobRunner


def predict_job(project, model_id: int, image_ids: list[int]):
    def job(ctx):
        from app.jobs.prediction import predict_images

        return predict_images(project, model_id, image_ids, ctx)

    return job


class GoodOnlyBar(QWidget):
    predicted = Signal()  # new predictions of the good-parts-only model are stored
    message = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.model = None  # ModelRow of the good-parts-only model shown
        self.text = QLabel(objectName="good-only-text", wordWrap=True)
        self.predict_button = QPushButton("Predict the rest", objectName="good-only-predict")
        self.predict_button.setToolTip("Predict every image the good-parts model has not "
                                       "predicted yet, so its anomaly map can be graded")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 1)
        row.addWidget(self.predict_button)
        self.runner = JobRunner(self)
        self.runner.progress.connect(lambda d, t, _m: self.text.setText(
            f"Good-parts model {self.model.name}: predicting {d} / {t}…"))
        self.runner.succeeded.connect(self._done)
        self.runner.failed.connect(lambda m, _tb: self.message.emit(f"Prediction failed: {m}"))
        self.runner.canceled.connect(lambda: self.message.emit(
            "Stopped: the predictions made so far are kept"))
        self.runner.finished.connect(self.refresh)
        self.predict_button.clicked.connect(
            lambda: self.runner.cancel() if self.runner.running else self.predict())
        self.setVisible(False)

    def set_project(self, project) -> None:
        self.stop()
        self.project = project
        self.refresh()

    def todo(self) -> list[int]:
        """Images the good-parts-only model has not predicted yet."""
        if self.project is None or self.model is None:
            return []
        done = self.project.models.predicted_image_ids(self.model.id)
        return [r.id for r in self.project.images.list() if r.id not in done]

    def refresh(self) -> None:
        p = self.project
        self.model = default_good_only(p) if p is not None else None
        self.setVisible(self.model is not None)
        if self.model is None or self.runner.running:
            return
        todo, total = len(self.todo()), len(p.images.list())
        self.text.setText(f"Good-parts model {self.model.name} (#{self.model.id}): what it "
                          f"flags is graded as the class \"anomaly\" · predicted "
                          f"{total - todo} of {total} images")
        self.predict_button.setText("Predict the rest")
        self.predict_button.setVisible(todo > 0)
        self.predict_button.setEnabled(not p.readonly)

    def predict(self) -> bool:
        todo = self.todo()
        if not todo or self.runner.running or self.project.readonly:
            return False
        self.predict_button.setText("Stop")
        self.runner.start(predict_job(self.project, self.model.id, todo))
        return True

    def _done(self, report) -> None:
        failed = f"; {len(report.failed)} could not be read" if report.failed else ""
        self.message.emit(f"Good-parts model predicted {len(report.predicted)} images{failed}")
        self.predicted.emit()

    def stop(self) -> None:
        self.runner.cancel()
        self.runner.wait()
