"""MaskCommitter: commits whole masks to the project on a background thread, coalesced.

``schedule(image_id, mask)`` copies the mask (the UI keeps painting into the original) and
returns at once; one worker thread encodes the PNG and calls ``save(image_id, mask, png)``.
While it works, newer states of the same image replace older queued ones: only the latest
state is written, and two commits of one image never run at the same time. ``flush()`` blocks
until everything queued is written. So a killed app loses at most the stroke in progress.

Signals are emitted on the thread that owns the committer (the UI thread).
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.imageio import encode_mask_png

SaveFn = Callable[[int, np.ndarray, bytes], int]  # project.masks.save(...) -> revision id


class MaskCommitter(QObject):
    committed = Signal(int)  # image id whose latest queued state is now in the project
    failed = Signal(int, str)  # image id, message
    pending_changed = Signal(bool)  # something is queued, being written, or failed
    _worker_done = Signal(int, str)  # worker -> UI thread: image id, error ("" when saved)

    def __init__(self, save: SaveFn, parent: QObject | None = None):
        super().__init__(parent)
        self._save = save
        self._cond = threading.Condition()
        self._queue: OrderedDict[int, np.ndarray] = OrderedDict()  # guarded by _cond
        self._busy: int | None = None  # image id being written; guarded by _cond
        self._failed: dict[int, np.ndarray] = {}  # last failed state per image; guarded
        self._pending = False
        # image id -> crc32 of the mask last written: tells the workspace whether a mask it
        # loads again is the one its undo history was built on
        self.saved_crc: dict[int, int] = {}
        self.saved_revision: dict[int, int] = {}  # image id -> revision id last written
        self._stop = False
        self._thread: threading.Thread | None = None
        self._worker_done.connect(self._on_worker_done, Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> bool:
        with self._cond:
            return bool(self._queue) or self._busy is not None or bool(self._failed)

    def schedule(self, image_id: int, mask: np.ndarray) -> None:
        copy = mask.copy()  # ~3 ms for 20 MP, on release only
        with self._cond:
            if self._stop:
                raise RuntimeError("the committer was shut down")
            self._queue[image_id] = copy  # replaces an older queued state of this image
            self._failed.pop(image_id, None)
            self._queue.move_to_end(image_id)
            self._cond.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="mask-committer",
                                                daemon=True)
                self._thread.start()
        self._set_pending(True)

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Block until every queued mask is written (failed ones are tried once more);
        False on timeout or when a write failed."""
        with self._cond:
            for image_id, mask in self._failed.items():
                self._queue.setdefault(image_id, mask)
            self._failed.clear()
            self._cond.notify_all()
            done = self._cond.wait_for(lambda: not self._queue and self._busy is None, timeout)
            ok = done and not self._failed
        self._set_pending(self.pending)
        return ok

    def shutdown(self) -> None:
        """Write what is queued, then stop and join the worker thread."""
        self.flush(None)
        with self._cond:
            self._stop = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()

    # worker thread --------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._stop)
                if not self._queue:  # stopping, nothing left
                    return
                image_id, mask = self._queue.popitem(last=False)
                self._busy = image_id
            error = ""
            try:
                revision = self._save(image_id, mask, encode_mask_png(mask))
                self.saved_crc[image_id] = zlib.crc32(mask)
                self.saved_revision[image_id] = revision
            except Exception as exc:  # reported on the UI thread; retried by the next flush
                error = f"{type(exc).__name__}: {exc}" or "failed"
            with self._cond:
                self._busy = None
                if error and image_id not in self._queue:
                    self._failed[image_id] = mask
                elif not error:
                    self._failed.pop(image_id, None)
                self._cond.notify_all()
            self._worker_done.emit(image_id, error)

    # UI thread ------------------------------------------------------------------------------
    @Slot(int, str)
    def _on_worker_done(self, image_id: int, error: str) -> None:
        if error:
            self.failed.emit(image_id, error)
        else:
            self.committed.emit(image_id)
        self._set_pending(self.pending)

    def _set_pending(self, pending: bool) -> None:
        if pending != self._pending:
            self._pending = pending
            self.pending_changed.emit(pending)
