"""ImageLoader: reads image + mask on worker threads, keeps a small LRU cache, prefetches.

Everything an image switch needs is prepared off the UI thread: decoded pixels, the
auto-windowed display copy and the mask, so showing a prefetched 20 MP image is a cache hit.
The cache holds ``size`` images (the one shown and its two neighbours); the masks in it are
the ones the workspace edits (``put_mask`` when leaving an image), never stale copies.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.core.imageio import DEFAULT_MAX_PIXELS, load_image
from app.ui.background import KeyedLoader

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
    mask, revision = project.masks.load_current(image_id)  # together: the edits' base
    if mask is None:
        mask = np.zeros((row.height, row.width), np.uint8)
    if mask.shape != pixels.shape[:2]:
        raise ValueError(f"the mask is {mask.shape[1]} x {mask.shape[0]} but the image is "
                         f"{pixels.shape[1]} x {pixels.shape[0]}")
    mask = np.require(mask, np.uint8, ["C", "W"])
    display, window = prepare_display(pixels)
    return LoadedImage(row, pixels, display, window, mask, time.perf_counter() - t0,
                       zlib.crc32(mask), revision)


class ImageLoader(KeyedLoader):
    loaded = Signal(object)  # LoadedImage of a requested image, on the UI thread
    failed = Signal(int, str)  # image id, message

    def __init__(self, project, size: int = 3, workers: int = 2, parent: QObject | None = None):
        super().__init__(size, workers, "image-loader", parent)
        self.project = project
        self._wanted: int | None = None  # the image the workspace waits for
        self._keep: set[int] = set()
        self.last_error: BaseException | None = None  # why the wanted image did not load

    def request(self, image_id: int) -> LoadedImage | None:
        """The image if cached (returned now); otherwise ``loaded`` is emitted later."""
        self._wanted = image_id
        entry = self.hit(image_id)
        if entry is None:
            self.submit(image_id)
        return entry

    def prefetch(self, image_ids) -> None:
        """Load these (the neighbours) in the background; queued loads of others are dropped."""
        self._keep = {i for i in image_ids if i is not None} | {self._wanted}
        self.cancel_queued(self._keep)
        for image_id in image_ids:
            self.submit(image_id)

    def put_mask(self, image_id: int, mask: np.ndarray) -> None:
        """The workspace's current mask of an image it leaves: the cache must not go stale."""
        entry = self._cache.get(image_id)
        if entry is not None:
            entry.mask, entry.mask_crc = mask, None

    def invalidate(self, image_id: int | None = None) -> None:
        """Forget cached images (all when None), e.g. after masks changed elsewhere."""
        self.forget(image_id)

    # KeyedLoader hooks --------------------------------------------------------------------------
    def _job(self, image_id: int):
        project = self.project
        return lambda: load_entry(project, image_id)

    def _pinned(self) -> set:
        return self._keep | {self._wanted}

    def _delivered(self, image_id: int, result) -> None:
        if image_id == self._wanted:
            self.last_error = result if isinstance(result, BaseException) else None
            self._emit_result(image_id, result, result)
