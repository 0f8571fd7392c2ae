"""Phase 1 of an import: decode and check every file, read its mask. Writes nothing.

Each image is fully decoded once (a truncated JPEG only shows itself there), then dropped; what
is kept per image is its header facts, its hash and its mask as a small PNG of local labels, so
memory stays near the size of the encoded masks whatever the image sizes.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field

import cv2
import numpy as np

from app.core.discover import Candidate, Skipped
from app.core.imageio import (
    ImageReadError,
    encode_mask_png,
    load_image,
    read_header,
    sha256_file,
)
from app.core.mask_files import MaskFileError, read_mask
from app.store.rows import NewImage

from .context import JobContext

# Decoding threads: OpenCV and hashlib release the GIL. Big images take turns instead: a 50 MP
# 16-bit RGB image needs about 1 GB while it decodes, and four at once would exhaust a laptop.
MAX_WORKERS = 4
ONE_AT_A_TIME_PIXELS = 12_000_000
_BIG = threading.Lock()


@dataclass(frozen=True)
class Checked:
    """An image that passed every check, with its mask in local labels (see mask_files)."""

    candidate: Candidate
    image: NewImage
    mask_png: bytes | None = None  # local labels; None: no mask file
    names: dict[int, str] = field(default_factory=dict)  # local label -> class name
    counts: dict[int, int] = field(default_factory=dict)  # local label -> pixels
    ignored_shapes: int = 0

    @property
    def defect_pixels(self) -> int:
        return sum(self.counts.values())


def check(c: Candidate, *, max_pixels: int, default_class: str) -> Checked | Skipped:
    """Everything phase 1 needs to know about one candidate, or why it is skipped."""
    try:
        big = read_header(c.image).pixels > ONE_AT_A_TIME_PIXELS
    except ImageReadError as e:
        return Skipped(c.image, e.reason)
    except OSError as e:
        return Skipped(c.image, f"cannot read the file ({e.strerror})")
    with _BIG if big else nullcontext():
        return _check(c, max_pixels, default_class)


def _check(c: Candidate, max_pixels: int, default_class: str) -> Checked | Skipped:
    try:
        pixels = load_image(c.image, max_pixels)
        height, width = pixels.shape[:2]
        channels = 1 if pixels.ndim == 2 else pixels.shape[2]
        bit_depth = pixels.dtype.itemsize * 8
        del pixels  # only the facts are kept
        size_bytes = c.image.stat().st_size
        image = NewImage(str(c.image), sha256_file(c.image), size_bytes, width, height,
                         bit_depth, channels, c.is_good, c.folder_class)
    except ImageReadError as e:
        return Skipped(c.image, e.reason)
    except OSError as e:
        return Skipped(c.image, f"cannot read the file ({e.strerror})")
    except cv2.error as e:  # OpenCV throws on some malformed files instead of returning None
        return Skipped(c.image, f"cannot decode the image ({e.err or 'OpenCV error'})")
    if c.mask is None:
        return Checked(c, image)
    try:
        local = read_mask(c.mask, (height, width), folder_class=c.folder_class,
                          default_class=default_class, max_pixels=max_pixels)
    except MaskFileError as e:
        return Skipped(c.image, str(e))
    except cv2.error as e:
        return Skipped(c.image, f"mask {c.mask.name}: cannot decode ({e.err or 'OpenCV error'})")
    counts = np.bincount(local.labels.ravel(), minlength=256)
    present = {int(v): int(counts[v]) for v in np.flatnonzero(counts[1:]) + 1}
    return Checked(c, image, encode_mask_png(local.labels),
                   {v: local.names[v] for v in present}, present, local.ignored_shapes)


def scan(candidates: Iterable[Candidate], fn: Callable[[Candidate], Checked | Skipped],
         ctx: JobContext, workers: int = 0) -> Iterator[Checked | Skipped]:
    """fn over candidates in order, on a few threads; ctx.check() between files."""
    workers = workers or min(MAX_WORKERS, os.cpu_count() or 1)
    if workers <= 1:
        for c in candidates:
            ctx.check()
            yield fn(c)
        return
    todo = iter(candidates)
    pending: deque[Future] = deque()
    # A short look-ahead keeps every thread busy yet lets a cancel stop within a few files.
    with ThreadPoolExecutor(workers, thread_name_prefix="import-scan") as pool:
        try:
            for c in todo:
                pending.append(pool.submit(fn, c))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                ctx.check()
                result = pending.popleft().result()
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append(pool.submit(fn, nxt))
                yield result
        finally:
            for f in pending:
                f.cancel()
