"""ImageLoader: reads image + mask on worker threads, keeps a small LRU cache, prefetches.

Everything an image switch needs is prepared off the UI thread: decoded pixels, the
auto-windowed display copy and the mask, so showing a prefetched 20 MP image is a cache hit.
The cache holds ``size`` images (the one shown and its two neighbours); the masks in it are
the ones the workspace edits (``put_mask`` when leaving an image), never stale copies.
"""

from __future__ import annotations

import time
import zlib
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.imageio import DEFAULT_MAX_PIXELS, load_image

from .image_layer import prepare_display


@dataclass
class LoadedImage:
    row: object  # ImageRow
    pixels: np.ndarray
    display: np.ndarray  # uint8, window applied
    window: tuple[int, int]
    mask: np.ndarray  # uint8 (H, W), C-contiguous, writable
    seconds: float  # how long the load took on the worker
    mask_crc: int | None = None  # crc32 of the mask as read; None: the workspace's own array
    revision: int | None = None  # the mask revision read (None: never labelled)

    @property
    def nbytes(self) -> int:
        return self.pixels.nbytes + self.display.nbytes + self.mask.nbytes


def load_entry(project, image_id: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> LoadedImage:
    """The blocking load (runs on a worker thread)."""
    t0 = time.perf_counter()
    row = project.images.get(image_id)
    pixels = load_image(project.images.abspath(row), max_pixels=max_pixels)
    revisions = project.masks.revisions(image_id)
    mask = project.masks.load_or_empty(image_id)
    if mask.shape != pixels.shape[:2]:
        raise ValueError(f"the mask is {mask.shape[1]} x {mask.shape[0]} but the image is "
                         f"{pixels.shape[1]} x {pixels.shape[0]}")
    mask = np.require(mask, np.uint8, ["C", "W"])
    display, window = prepare_display(pixels)
    return LoadedImage(row, pixels, display, window, mask, time.perf_counter() - t0,
                       zlib.crc32(mask), revisions[-1].id if revisions else None)


class ImageLoader(QObject):
    loaded = Signal(object)  # LoadedImage of a requested image, on the UI thread
    failed = Signal(int, str)  # image id, message
    _done = Signal(int, object)  # worker -> UI thread: image id, LoadedImage or Exception

    def __init__(self, project, size: int = 3, workers: int = 2, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.size = size
        self._cache: OrderedDict[int, LoadedImage] = OrderedDict()
        self._futures: dict[int, Future] = {}
        self._wanted: int | None = None  # the image the workspace waits for
        self._keep: set[int] = set()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="image-loader")
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def request(self, image_id: int) -> LoadedImage | None:
        """The image if cached (returned now); otherwise ``loaded`` is emitted later."""
        self._wanted = image_id
        entry = self._cache.get(image_id)
        if entry is not None:
            self._cache.move_to_end(image_id)
            return entry
        self._submit(image_id)
        return None

    def prefetch(self, image_ids) -> None:
        """Load these (the neighbours) in the background; queued loads of others are dropped."""
        self._keep = {i for i in image_ids if i is not None} | {self._wanted}
        for image_id, fut in list(self._futures.items()):
            if image_id not in self._keep and fut.cancel():
                del self._futures[image_id]
        for image_id in image_ids:
            if image_id is not None and image_id not in self._cache:
                self._submit(image_id)

    def put_mask(self, image_id: int, mask: np.ndarray) -> None:
        """The workspace's current mask of an image it leaves: the cache must not go stale."""
        entry = self._cache.get(image_id)
        if entry is not None:
            entry.mask, entry.mask_crc = mask, None

    def cached(self, image_id: int) -> bool:
        return image_id in self._cache

    def invalidate(self, image_id: int | None = None) -> None:
        """Forget cached images (all when None), e.g. after masks changed elsewhere."""
        if image_id is None:
            self._cache.clear()
        else:
            self._cache.pop(image_id, None)

    def shutdown(self) -> None:
        """Cancel queued loads and join the worker threads."""
        for fut in self._futures.values():
            fut.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._futures.clear()
        self._cache.clear()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until running loads end (tests and benchmarks)."""
        for fut in list(self._futures.values()):
            try:
                fut.exception(timeout)
            except Exception:  # cancelled
                pass

    # internals ------------------------------------------------------------------------------
    def _submit(self, image_id: int) -> None:
        if image_id in self._futures:
            return
        project = self.project
        fut = self._pool.submit(load_entry, project, image_id)
        self._futures[image_id] = fut
        fut.add_done_callback(lambda f, i=image_id: self._deliver(i, f))

    def _deliver(self, image_id: int, fut: Future) -> None:  # worker thread
        if fut.cancelled():
            return
        exc = fut.exception()
        self._done.emit(image_id, exc if exc is not None else fut.result())

    @Slot(int, object)
    def _on_done(self, image_id: int, result) -> None:
        self._futures.pop(image_id, None)
        if isinstance(result, BaseException):
            if image_id == self._wanted:
                self.failed.emit(image_id, str(result) or type(result).__name__)
            return
        self._cache[image_id] = result
        self._evict()
        if image_id == self._wanted:
            self.loaded.emit(result)

    def _evict(self) -> None:
        for image_id in list(self._cache):
            if len(self._cache) <= self.size:
                return
            if image_id not in self._keep and image_id != self._wanted:
                del self._cache[image_id]
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
