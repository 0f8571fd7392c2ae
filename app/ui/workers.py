"""Runs a job function off the UI thread; results come back on the UI thread through signals.

    runner = JobRunner(parent)
    runner.progress.connect(bar.update)        # (done, total, message)
    runner.succeeded.connect(on_result)         # the job's return value
    runner.failed.connect(show_error)           # (message, traceback text)
    runner.start(lambda ctx: import_folder(project, folder, ctx=ctx))
    runner.cancel()                             # cooperative: the job checks between items

One runner runs one job at a time. Threads are joined on `wait()` so tests can assert none leak.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.jobs.context import Canceled, JobContext


class _Worker(QObject):
    progress = Signal(int, int, str)
    log = Signal(str)
    done = Signal(object)
    error = Signal(str, str)
    canceled = Signal()

    def __init__(self, fn: Callable[[JobContext], Any], ctx: JobContext):
        super().__init__()
        self._fn = fn
        self.ctx = ctx
        ctx.progress_fn = self.progress.emit
        ctx.log_fn = self.log.emit

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self.ctx)
        except Canceled:
            self.canceled.emit()
        except Exception as exc:  # reported to the user; the app goes on
            self.error.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        else:
            # A job that returned has finished its work (e.g. committed), even if a cancel came
            # in too late to stop it: report what happened, not what was asked.
            self.done.emit(result)


class JobRunner(QObject):
    """Owns one worker thread at a time and relays its signals."""

    started = Signal()
    progress = Signal(int, int, str)
    log = Signal(str)
    succeeded = Signal(object)
    failed = Signal(str, str)
    canceled = Signal()
    finished = Signal()  # after any of succeeded / failed / canceled

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: _Worker | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, fn: Callable[[JobContext], Any]) -> JobContext:
        if self.running:
            raise RuntimeError("a job is already running here; wait for it or cancel it")
        ctx = JobContext()
        thread = QThread()
        worker = _Worker(fn, ctx)
        worker.moveToThread(thread)
        worker.progress.connect(self.progress)
        worker.log.connect(self.log)
        worker.done.connect(self._on_done)
        worker.error.connect(self._on_error)
        worker.canceled.connect(self._on_canceled)
        thread.started.connect(worker.run)
        self._thread, self._worker = thread, worker
        thread.start()
        self.started.emit()
        return ctx

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.ctx.cancel()

    def wait(self, ms: int = 30_000) -> bool:
        """Blocks until the job's thread has ended (used on close and in tests)."""
        if self._thread is None:
            return True
        self._thread.quit()
        return self._thread.wait(ms)

    def _finish(self) -> None:
        thread = self._thread
        self._thread = self._worker = None
        if thread is not None:
            thread.quit()
            thread.wait()
            thread.deleteLater()
        self.finished.emit()

    @Slot(object)
    def _on_done(self, result: object) -> None:
        self._finish()
        self.succeeded.emit(result)

    @Slot(str, str)
    def _on_error(self, message: str, tb: str) -> None:
        self._finish()
        self.failed.emit(message, tb)

    @Slot()
    def _on_canceled(self) -> None:
        self._finish()
        self.canceled.emit()
