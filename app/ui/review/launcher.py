"""InspectionLauncher: starts app.jobs.inspection on a JobRunner (new run or resume), shows its
progress on the RunBar, and says which run to open when it ends.

A team project's dialog may send the run to the team worker instead ("Run on"): the job is
queued (app/jobs/queue_kinds.py, the same inspect) and its progress read back from the store
(QueuedJobWatcher); Cancel asks the worker to stop it; the run opens when the job ends.

Resuming needs no dialog: the job takes the run's own image list, model and recipe, and
skips every part the run already holds a result for.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.ui import errors
from app.ui.queued_job import QueuedJobWatcher
from app.ui.workers import JobRunner

from .run_bar import RunBar
from .run_dialog import NewRunDialog, RunRequest


class InspectionLauncher(QObject):
    finished = Signal(object)  # the run id to show (new or resumed), or None
    #: a part's result was stored while the job runs (its result id), so the queue fills as
    #: parts are graded; emitted from the job's storing thread, delivered on the UI thread
    part_stored = Signal(int)

    def __init__(self, bar: RunBar, parent: QWidget):
        super().__init__(parent)
        self.bar = bar
        self.project = None
        self.dialog: NewRunDialog | None = None
        self.runner = JobRunner(self)
        self._run_id: int | None = None
        self.runner.progress.connect(bar.show_progress)
        self.runner.succeeded.connect(self._succeeded)
        self.runner.failed.connect(self._failed)
        self.runner.canceled.connect(self._canceled)
        self.queued = QueuedJobWatcher(self)  # a run on the team worker
        self.queued.progress.connect(bar.show_progress)
        self.queued.ended.connect(self._queued_ended)
        bar.new_requested.connect(self.new_run)
        bar.resume_requested.connect(self.resume)
        bar.cancel_requested.connect(self.runner.cancel)
        bar.cancel_requested.connect(self.queued.cancel)

    @property
    def running(self) -> bool:
        return self.runner.running or self.queued.running

    def set_project(self, project) -> None:
        self.stop()
        self.project = project

    def new_run(self) -> NewRunDialog | None:
        """Opens the dialog (non-blocking); Start runs the inspection."""
        if self.project is None or self.running:
            return None
        self.dialog = NewRunDialog(self.project, self.parent())
        self.dialog.accepted.connect(lambda d=self.dialog: self.start(d.request()))
        self.dialog.open()
        return self.dialog

    def start(self, request: RunRequest) -> None:
        if request.on_worker:
            self._queue(request)
            return
        self._start(None, f"Inspecting {len(request.images)} parts…", list(request.images),
                    request.model_id, request.recipe_ref, name=request.name,
                    anomaly_model_id=request.anomaly_model_id)

    def resume(self, run_id: int) -> None:
        """Go on with run `run_id`: its own images, model and recipe; done parts skipped."""
        self._start(run_id, "Resuming…", None, None, None)

    def _queue(self, request: RunRequest) -> None:
        from app.jobs.queue_kinds import inspect_params, queued_images

        if self.project is None or self.running:
            return
        self._run_id = None
        job = self.project.jobs.enqueue("inspect", inspect_params(
            queued_images(self.project, request.images), request.model_id, request.recipe_ref,
            request.name,
            anomaly_model_id=request.anomaly_model_id))
        self.bar.set_running(True, f"Queued for the team worker (job {job.id})…")
        self.queued.watch(self.project, job)

    def _queued_ended(self, row) -> None:
        run_id = (row.result or {}).get("run_id")
        if row.status == "done":
            self._ended("")
        elif row.status == "failed":
            self._ended(f"Inspection failed on the team worker: {row.error}")
        else:
            self._ended("Inspection canceled" + (": resume it to go on" if run_id else ""))
        self.finished.emit(run_id)

    def _start(self, run_id, text, *args, **kwargs) -> None:
        if self.project is None or self.running:
            return
        from app.jobs.inspection import inspect  # when a run starts, not when the window opens

        project = self.project
        self._run_id = run_id
        self.bar.set_running(True, text)
        stored = self.part_stored.emit
        self.runner.start(lambda ctx: inspect(project, *args, ctx, run_id=run_id,
                                              on_result=lambda r: stored(r.result_id),
                                              **kwargs))

    def stop(self) -> None:
        self.runner.cancel()
        self.runner.wait()
        self.queued.stop()  # stop following; the worker's run goes on

    def _succeeded(self, run) -> None:
        run_id = getattr(run, "id", self._run_id)
        self._ended("")
        self.finished.emit(run_id)

    def _failed(self, message: str, details: str) -> None:
        self._ended("Inspection failed")
        errors.report_job_failure(message, details)
        self.finished.emit(self._run_id)

    def _canceled(self) -> None:
        self._ended("Inspection canceled: resume it to go on")
        self.finished.emit(self._run_id)

    def _ended(self, text: str) -> None:
        self.bar.set_running(False, text)
