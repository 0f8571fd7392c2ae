"""Thumbnails made on a small thread pool, cached in memory by image id + content hash.

`thumbnail(row)` never blocks: it returns the cached QImage or None and queues the work;
`ready(image_id)` follows on the UI thread. Newest requests run first, so the rows the user
scrolled to appear before the ones scrolled past.
"""

from __future__ import annotations

import itertools
import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage

from app.store import ImageRow

log = logging.getLogger(__name__)
SIZE = 96
CACHE_ENTRIES = 1500  # 96 x 96 RGB: about 40 MB at most


def make_thumbnail(path: Path, size: int = SIZE) -> QImage:
    """Load, shrink to fit `size` (INTER_AREA), window 16-bit, wrap as an owning QImage."""
    from app.core.imageio import load_image

    img = load_image(path)
    h, w = img.shape[:2]
    scale = min(1.0, size / max(h, w))
    if scale < 1.0:
        dsize = (max(1, round(w * scale)), max(1, round(h * scale)))
        img = cv2.resize(img, dsize, interpolation=cv2.INTER_AREA)
    img = np.ascontiguousarray(_to_uint8(img))
    h, w = img.shape[:2]
    fmt = QImage.Format.Format_Grayscale8 if img.ndim == 2 else QImage.Format.Format_RGB888
    return QImage(img.data, w, h, img.strides[0], fmt).copy()  # copy: own the pixels


def _to_uint8(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img
    from app.core.display import apply_window, auto_window

    lo, hi = auto_window(img)
    return apply_window(img, lo, hi)


class _Relay(QObject):
    # emitted on a pool thread, delivered queued on the loader's (UI) thread
    done = Signal(int, str, int, object, str)  # id, sha, generation, QImage | None, error


class _Job(QRunnable):
    def __init__(self, relay: _Relay, row: ImageRow, path: Path, gen: int, size: int,
                 make: Callable[[Path, int], QImage]):
        super().__init__()
        self.relay, self.row, self.path, self.gen, self.size, self.make = (
            relay, row, path, gen, size, make)

    def run(self) -> None:
        image, error = None, ""
        try:
            image = self.make(self.path, self.size)
        except Exception as exc:  # shown on the row; a bad file is not an app error
            error = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
        self.relay.done.emit(self.row.id, self.row.sha256, self.gen, image, error)


class ThumbnailLoader(QObject):
    ready = Signal(int)  # image id: its thumbnail is now in the cache
    failed = Signal(int, str)  # image id, reason

    def __init__(self, resolve: Callable[[ImageRow], Path], size: int = SIZE,
                 threads: int = 2, parent: QObject | None = None,
                 make: Callable[[Path, int], QImage] = make_thumbnail):
        super().__init__(parent)
        # The pool is created before the relay so Qt destroys (and joins) it first.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._resolve = resolve
        self._size = size
        self._make = make
        self._cache: OrderedDict[tuple[int, str], QImage] = OrderedDict()
        self._pending: set[tuple[int, str]] = set()
        self._generation = 0
        self._priority = itertools.count()

    def thumbnail(self, row: ImageRow) -> QImage | None:
        key = (row.id, row.sha256)
        image = self._cache.get(key)
        if image is not None:
            self._cache.move_to_end(key)
            return image
        if key not in self._pending:
            self._pending.add(key)
            job = _Job(self._relay, row, self._resolve(row), self._generation, self._size,
                       self._make)
            # Priorities wrap at int32; newer requests get higher ones (LIFO).
            self._pool.start(job, next(self._priority) % 2**31)
        return None

    def cancel_pending(self) -> None:
        """Forget queued work (new project, new filter); running jobs finish unseen."""
        self._pool.clear()
        self._pending.clear()
        self._generation += 1

    def clear_cache(self) -> None:
        self._cache.clear()

    def wait(self, ms: int = 10_000) -> bool:
        return self._pool.waitForDone(ms)

    def shutdown(self) -> None:
        """Drop queued work and join the pool's threads."""
        self.cancel_pending()
        self._pool.waitForDone(-1)

    @property
    def active(self) -> int:
        return self._pool.activeThreadCount()

    @Slot(int, str, int, object, str)
    def _on_done(self, image_id: int, sha: str, gen: int, image, error: str) -> None:
        if gen != self._generation:
            return
        key = (image_id, sha)
        self._pending.discard(key)
        if image is None:
            log.info("no thumbnail for image %s: %s", image_id, error)
            self.failed.emit(image_id, error)
            return
        self._cache[key] = image
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        self.ready.emit(image_id)
