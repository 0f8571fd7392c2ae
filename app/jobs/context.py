"""Progress reporting and cooperative cancellation shared by every job."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ProgressFn = Callable[[int, int, str], None]


class Canceled(Exception):
    """Raised inside a job when the user asked it to stop; the job cleans up and re-raises."""


@dataclass
class JobContext:
    progress_fn: ProgressFn | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    log_fn: Callable[[str], None] | None = None
    started: float = field(default_factory=time.monotonic)

    def progress(self, done: int, total: int, message: str = "") -> None:
        if self.progress_fn:
            self.progress_fn(done, total, message)

    def log(self, message: str) -> None:
        if self.log_fn:
            self.log_fn(message)

    @property
    def canceled(self) -> bool:
        return self.cancel_event.is_set()

    def check(self) -> None:
        if self.cancel_event.is_set():
            raise Canceled()

    def cancel(self) -> None:
        self.cancel_event.set()
