"""MaskCommitter: commits whole masks to the project on a background thread, coalesced.

``schedule(image_id, mask)`` copies the mask (the UI keeps painting into the original) and
returns at once; one worker thread encodes the PNG and calls ``save(image_id, mask, png)``.
While it works, newer states of the same image replace older queued ones: only the latest
state is written, and two commits of one image never run at the same time. ``flush()`` blocks
until everything queued is written. So a killed app loses at most the stroke in progress.

A save refused because someone else saved the image meanwhile (RevisionConflict) is no
failure to retry: the mask waits in ``conflicts`` (newer strokes of that image replace it
there, unsaved) until the user decides: ``resolve(image_id, keep=True)`` queues it again (the
save function then keeps it on top of theirs), ``keep=False`` drops it (theirs is reloaded).

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
from app.store import RevisionConflict

SaveFn = Callable[[int, np.ndarray, bytes], int]  # project.masks.save(...) -> revision id


class MaskCommitter(QObject):
    committed = Signal(int)  # image id whose latest queued state is now in the project
    failed = Signal(int, str)  # image id, message
    pending_changed = Signal(bool)  # something is queued, being written, failed or conflicted
    conflicted = Signal(int, object)  # image id, RevisionConflict: the user must choose
    _worker_done = Signal(int, str)  # worker -> UI thread: image id, error ("" when saved)
    _worker_conflict = Signal(int, object)  # worker -> UI thread: image id, RevisionConflict

    def __init__(self, save: SaveFn, parent: QObject | None = None):
        super().__init__(parent)
        self._save = save
        self._cond = threading.Condition()
        self._queue: OrderedDict[int, np.ndarray] = OrderedDict()  # guarded by _cond
        self._busy: int | None = None  # image id being written; guarded by _cond
        self._failed: dict[int, np.ndarray] = {}  # last failed state per image; guarded
        # conflicted image -> (its unsaved state, the RevisionConflict); guarded by _cond
        self._conflicts: dict[int, tuple[np.ndarray, RevisionConflict]] = {}
        self._pending = False
        # image id -> crc32 of the mask last written: tells the workspace whether a mask it
        # loads again is the one its undo history was built on
        self.saved_crc: dict[int, int] = {}
        self.saved_revision: dict[int, int] = {}  # image id -> revision id last written
        self._stop = False
        self._thread: threading.Thread | None = None
        self._worker_done.connect(self._on_worker_done, Qt.ConnectionType.QueuedConnection)
        self._worker_conflict.connect(self._on_worker_conflict,
                                      Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> bool:
        with self._cond:
            return (bool(self._queue) or self._busy is not None or bool(self._failed)
                    or bool(self._conflicts))

    def conflicts(self) -> list[RevisionConflict]:
        """The conflicts waiting for the user's choice."""
        with self._cond:
            return [c for _, c in self._conflicts.values()]

    def resolve(self, image_id: int, keep: bool) -> None:
        """The user chose for a conflicted image: keep (queue its unsaved state again) or
        drop it (theirs stays current)."""
        with self._cond:
            waiting = self._conflicts.pop(image_id, None)
            if keep and waiting is not None:
                self._queue[image_id] = waiting[0]
                self._cond.notify_all()
        self._set_pending(self.pending)

    def schedule(self, image_id: int, mask: np.ndarray) -> None:
        copy = mask.copy()  # ~3 ms for 20 MP, on release only
        with self._cond:
            if self._stop:
                raise RuntimeError("the committer was shut down")
            if image_id in self._conflicts:  # kept unsaved until the user chooses
                self._conflicts[image_id] = (copy, self._conflicts[image_id][1])
                return
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
        False on timeout, when a write failed or when a conflict waits for the user."""
        with self._cond:
            for image_id, mask in self._failed.items():
                self._queue.setdefault(image_id, mask)
            self._failed.clear()
            self._cond.notify_all()
            done = self._cond.wait_for(lambda: not self._queue and self._busy is None, timeout)
            ok = done and not self._failed and not self._conflicts
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
            error, conflict = "", None
            try:
                revision = self._save(image_id, mask, encode_mask_png(mask))
                self.saved_crc[image_id] = zlib.crc32(mask)
                self.saved_revision[image_id] = revision
            except RevisionConflict as exc:  # the user chooses; nothing is retried until then
                conflict = exc
            except Exception as exc:  # reported on the UI thread; retried by the next flush
                error = f"{type(exc).__name__}: {exc}" or "failed"
            with self._cond:
                self._busy = None
                if conflict is not None:  # a newer queued state would meet the same conflict
                    self._conflicts[image_id] = (self._queue.pop(image_id, mask), conflict)
                elif error and image_id not in self._queue:
                    self._failed[image_id] = mask
                elif not error:
                    self._failed.pop(image_id, None)
                self._cond.notify_all()
            if conflict is not None:
                self._worker_conflict.emit(image_id, conflict)
            else:
                self._worker_done.emit(image_id, error)

    # UI thread ------------------------------------------------------------------------------
    @Slot(int, str)
    def _on_worker_done(self, image_id: int, error: str) -> None:
        if error:
            self.failed.emit(image_id, error)
        else:
            self.committed.emit(image_id)
        self._set_pending(self.pending)

    @Slot(int, object)
    def _on_worker_conflict(self, image_id: int, conflict) -> None:
        self.conflicted.emit(image_id, conflict)
        self._set_pending(self.pending)

    def _set_pending(self, pending: bool) -> None:
        if pending != self._pending:
            self._pending = pending
            self.pending_changed.emit(pending)
