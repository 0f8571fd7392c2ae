"""A job queued for the team worker, followed from this window: its progress, log lines and
events come from the store (jobs / job_events), read every second by a QTimer on the UI thread
(two small queries; the queue's writes arrive about twice a second anyway).

    watcher = QueuedJobWatcher(self)
    watcher.event.connect(on_event)          # (kind, payload) of each job_events row, in order
    watcher.progress.connect(bar.update)     # (done, total, message); total 1000
    watcher.ended.connect(on_end)            # the final JobRow (done / failed / canceled)
    watcher.watch(project, project.jobs.enqueue("train", params))
    watcher.cancel()                         # asks the worker to stop (any client may)

The same signals as JobRunner's where they mean the same, so a workspace handles a job run
here and one run by the worker alike.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

POLL_MS = 1000
SCALE = 1000  # progress is stored as a fraction; the bars take integers


class QueuedJobWatcher(QObject):
    progress = Signal(int, int, str)
    log = Signal(str)
    event = Signal(str, object)  # job_events kind, payload (dict)
    ended = Signal(object)  # the final JobRow
    failed_to_read = Signal(str)  # the store could not be read (the watch goes on)

    def __init__(self, parent: QObject | None = None, poll_ms: int = POLL_MS):
        super().__init__(parent)
        self.project = None
        self.job = None  # the JobRow as last read
        self._last_event = 0
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.poll)

    @property
    def running(self) -> bool:
        return self.job is not None

    def watch(self, project, job) -> None:
        self.project, self.job, self._last_event = project, job, 0
        self._timer.start()
        self.progress.emit(0, 0, f"Queued for the team worker (job {job.id})")

    def cancel(self) -> None:
        """Asks the worker to stop the job (a queued one ends at once)."""
        from app.store.jobs_repo import JobError

        if self.job is None:
            return
        try:
            self.project.jobs.request_cancel(self.job.id)
        except JobError:
            pass  # it ended meanwhile: the next poll says how
        QTimer.singleShot(0, self.poll)  # soon, but after the caller has said "stopping"

    def stop(self) -> None:
        """Stops following (the job goes on on the worker)."""
        self._timer.stop()
        self.project = self.job = None

    def poll(self) -> None:
        if self.job is None:
            return
        jobs = self.project.jobs
        try:
            events = jobs.events(self.job.id, self._last_event)
            row = jobs.get(self.job.id)
        except Exception as e:  # noqa: BLE001 - a network blip: say so, try again next second
            self.failed_to_read.emit(f"{type(e).__name__}: {e}")
            return
        for e in events:
            self._last_event = e.id
            if e.kind == "log":
                self.log.emit(str(e.payload.get("text", "")))
            self.event.emit(e.kind, e.payload)
        if row.message and (row.message != self.job.message or row.progress != self.job.progress
                            or row.status != self.job.status):
            where = f" on {row.worker}" if row.worker else ""
            self.progress.emit(round(row.progress * SCALE), SCALE, f"{row.message}{where}")
        self.job = row
        if row.finished:
            self._timer.stop()
            self.job = None
            self.ended.emit(row)
