"""LatestRunner: a JobRunner that only cares about the newest request (drop-stale).

    runner = LatestRunner(parent)
    runner.submit(lambda ctx: work(ctx), on_done)   # cancels a running job; runs this after it

At most one job runs; at most one waits (the newest; older waiting ones are dropped). A
canceled job's result never reaches its callback. Failures go to `failed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.ui.workers import JobRunner


class LatestRunner(QObject):
    failed = Signal(str, str)
    idle = Signal()  # nothing running nor waiting

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = JobRunner(self)
        self._pending: tuple[Callable, Callable] | None = None
        self._on_done: Callable[[Any], None] | None = None
        # JobRunner emits `finished` before the outcome: chain on the outcome signals, so a
        # result always meets the callback it was started with.
        self.runner.succeeded.connect(self._succeeded)
        self.runner.failed.connect(self._failed)
        self.runner.canceled.connect(self._canceled)

    @property
    def busy(self) -> bool:
        return self.runner.running or self._pending is not None

    def submit(self, fn: Callable, on_done: Callable[[Any], None]) -> None:
        self._pending = (fn, on_done)
        if self.runner.running:
            self.runner.cancel()
        else:
            self._next()

    def cancel(self) -> None:
        """Drop the waiting job and ask the running one to stop."""
        self._pending = None
        self.runner.cancel()

    def wait(self, ms: int = 30_000) -> bool:
        self._pending = None
        self.runner.cancel()
        return self.runner.wait(ms)

    def _succeeded(self, result: Any) -> None:
        done, self._on_done = self._on_done, None
        if done is not None and self._pending is None:  # a newer request makes it stale
            done(result)
        self._next()

    def _failed(self, message: str, details: str) -> None:
        self._on_done = None
        self.failed.emit(message, details)
        self._next()

    def _canceled(self) -> None:
        self._on_done = None
        self._next()

    def _next(self) -> None:
        if self.runner.running:
            return
        if self._pending is None:
            self._on_done = None
            self.idle.emit()
            return
        fn, self._on_done = self._pending
        self._pending = None
        self.runner.start(fn)
