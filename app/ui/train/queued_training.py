"""QueuedTraining: the Train workspace's run on the team worker, with JobRunner's signals.

Start queues a "train" job (app/jobs/queue_kinds.py: the same train_then_predict the local run
calls); a QueuedJobWatcher reads its progress and events back from the store. The TrainEvents
the worker stored come back as TrainEvents (`train_event`), so the curves and the status bar
line draw as for a local run; the end comes back as the local run's outcome (a TrainOutcome
with the registered model), a failure as "Type: message", a stop before a model as `canceled`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.jobs.after_training import PREDICT_EVENT, TrainOutcome
from app.jobs.prediction import PredictReport
from app.jobs.queue_kinds import TRAIN_EVENT, train_event_of, train_params
from app.ui.queued_job import SCALE, QueuedJobWatcher


class QueuedTraining(QObject):
    started = Signal(int)  # the job id
    progress = Signal(int, int, str)
    log = Signal(str)
    train_event = Signal(object)  # TrainEvent
    succeeded = Signal(object)  # TrainOutcome
    failed = Signal(str, str)
    canceled = Signal()
    finished = Signal()

    def __init__(self, parent: QObject | None = None, poll_ms: int | None = None):
        super().__init__(parent)
        self.watcher = QueuedJobWatcher(self) if poll_ms is None else \
            QueuedJobWatcher(self, poll_ms)
        self._total = SCALE  # what the progress counts: steps while training, then images
        self.watcher.log.connect(self.log)
        self.watcher.event.connect(self._on_event)
        self.watcher.progress.connect(self._on_progress)
        self.watcher.ended.connect(self._ended)
        self.watcher.failed_to_read.connect(
            lambda text: self.log.emit(f"Could not read the job's progress: {text}"))

    @property
    def running(self) -> bool:
        return self.watcher.running

    @property
    def job_id(self) -> int | None:
        return self.watcher.job.id if self.watcher.job is not None else None

    def start(self, project, spec, values: dict | None, resume: bool, predict: bool) -> int:
        job = project.jobs.enqueue("train", train_params(spec, values, resume, predict))
        self._total = SCALE
        self.watcher.watch(project, job)
        self.started.emit(job.id)
        return job.id

    def follow_mine(self, project) -> int | None:
        """Follows the newest unfinished training this person queued (the window was closed
        meanwhile); returns its job id, or None when there is none."""
        if not project.is_team:
            return None
        mine = [r for r in project.jobs.list(status=("queued", "running"), kind="train")
                if r.created_by == project.db.identity]
        if not mine:
            return None
        self._total = SCALE
        self.watcher.watch(project, mine[0])
        return mine[0].id

    def cancel(self) -> None:
        self.watcher.cancel()

    def stop(self) -> None:
        """Stops following here; the job goes on on the worker."""
        self.watcher.stop()

    def _on_event(self, kind: str, payload: dict) -> None:
        if kind != TRAIN_EVENT:
            return
        event = train_event_of(payload)
        if event.kind == PREDICT_EVENT:
            self._total = max(int(event.total_steps), 1)
        self.train_event.emit(event)

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total <= 0:
            self.progress.emit(0, 0, message)
        else:
            self.progress.emit(round(done / total * self._total), self._total, message)

    def _ended(self, row) -> None:
        result = row.result or {}
        model_id = result.get("model_id")
        if model_id is not None and row.status in ("done", "canceled"):
            model = self.watcher.project.models.get(int(model_id))
            predicted = result.get("predicted") or []
            by = result.get("predicted_by")
            report = None if by is None else PredictReport(
                int(by), predicted=list(predicted), seconds=float(result.get("seconds") or 0))
            note = result.get("note") or ""
            self.succeeded.emit(TrainOutcome(model, report, note))
        elif row.status == "failed":
            self.failed.emit(row.error or "failed on the worker", "")
        else:
            self.canceled.emit()
        self.finished.emit()
