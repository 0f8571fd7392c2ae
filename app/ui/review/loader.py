"""PartLoader: reads part images on a worker thread, window/levels them, caches a few.

Keyed by file path (a run's parts need not be project images). Requesting a cached part
returns it at once; otherwise `loaded` fires on the UI thread when it is ready. The next part
is prefetched, so J through the queue shows parts without waiting on the disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.core.imageio import DEFAULT_MAX_PIXELS, load_image
from app.ui.background import KeyedLoader
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


class PartLoader(KeyedLoader):
    loaded = Signal(object)  # LoadedPart of the wanted path
    failed = Signal(str, str)  # path, message

    def __init__(self, max_pixels: int = DEFAULT_MAX_PIXELS, size: int = 4,
                 parent: QObject | None = None):
        super().__init__(size, 1, "review-loader", parent)
        self.max_pixels = max_pixels
        self._wanted: set[str] = set()

    def request(self, path: str) -> LoadedPart | None:
        """The part if cached; else None and `loaded` (or `failed`) fires later."""
        entry = self.hit(path)
        if entry is None:
            self._wanted.add(path)
            self.submit(path)
        return entry

    def forget_wanted(self) -> None:
        """Nothing shown is waiting any more (a new part was asked for)."""
        self._wanted.clear()

    def prefetch(self, paths) -> None:
        for path in paths:
            if path:
                self.submit(path)

    # KeyedLoader hooks --------------------------------------------------------------------------
    def _job(self, path: str):
        max_pixels = self.max_pixels
        return lambda: load_part(path, max_pixels)

    def _delivered(self, path: str, result) -> None:
        if path in self._wanted:
            self._wanted.discard(path)
            self._emit_result(path, result, result)
