"""PartLoader: reads part images on a worker thread, window/levels them, caches a few.

Keyed by file path (a run's parts need not be project images). Requesting a cached part
returns it at once; otherwise `loaded` fires on the UI thread when it is ready. The next part
is prefetched, so J through the queue shows parts without waiting on the disk.
"""

from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.imageio import DEFAULT_MAX_PIXELS, load_image
from app.ui.label.image_layer import prepare_display


@dataclass
class LoadedPart:
    path: str
    pixels: np.ndarray
    display: np.ndarray  # uint8, auto window applied
    window: tuple[int, int]


def load_part(path: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> LoadedPart:
    """The blocking load (worker thread)."""
    pixels = load_image(Path(path), max_pixels=max_pixels)
    display, window = prepare_display(pixels)
    return LoadedPart(path, pixels, display, window)


class PartLoader(QObject):
    loaded = Signal(object)  # LoadedPart of the wanted path
    failed = Signal(str, str)  # path, message
    _done = Signal(str, object)  # worker -> UI thread

    def __init__(self, max_pixels: int = DEFAULT_MAX_PIXELS, size: int = 4,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.max_pixels = max_pixels
        self.size = size
        self._cache: OrderedDict[str, LoadedPart] = OrderedDict()
        self._futures: dict[str, Future] = {}
        self._wanted: set[str] = set()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-loader")
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def request(self, path: str) -> LoadedPart | None:
        """The part if cached; else None and `loaded` (or `failed`) fires later."""
        self._wanted.add(path)
        entry = self._cache.get(path)
        if entry is not None:
            self._cache.move_to_end(path)
            self._wanted.discard(path)
            return entry
        self._submit(path)
        return None

    def forget_wanted(self) -> None:
        """Nothing shown is waiting any more (a new part was asked for)."""
        self._wanted.clear()

    def prefetch(self, paths) -> None:
        for path in paths:
            if path and path not in self._cache:
                self._submit(path)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until queued loads end (tests)."""
        for fut in list(self._futures.values()):
            try:
                fut.exception(timeout)
            except Exception:  # cancelled
                pass

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._futures.clear()
        self._cache.clear()

    def _submit(self, path: str) -> None:
        if path in self._futures:
            return
        fut = self._pool.submit(load_part, path, self.max_pixels)
        self._futures[path] = fut
        fut.add_done_callback(lambda f, p=path: self._deliver(p, f))

    def _deliver(self, path: str, fut: Future) -> None:  # worker thread
        if not fut.cancelled():
            exc = fut.exception()
            self._done.emit(path, exc if exc is not None else fut.result())

    @Slot(str, object)
    def _on_done(self, path: str, result) -> None:
        self._futures.pop(path, None)
        wanted = path in self._wanted
        self._wanted.discard(path)
        if isinstance(result, BaseException):
            if wanted:
                self.failed.emit(path, str(result) or type(result).__name__)
            return
        self._cache[path] = result
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        if wanted:
            self.loaded.emit(result)
