"""Window/level for display: map 8/16-bit gray or RGB images to uint8 screen values.

The canvas renders only what is visible: pass views (``img[y0:y1, x0:x1]`` and the
matching ``out`` view) to ``apply_window``; nothing outside them is read or written.
"""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

_LEVELS = {np.dtype(np.uint8): 256, np.dtype(np.uint16): 65536}
# np.take casts its indices to intp: 8 bytes a pixel. Row chunks of this many pixels keep
# that temporary in cache (and make a 20 MP uint16 image twice as fast as one call).
_CHUNK_PIXELS = 1 << 18


def auto_window(
    img: np.ndarray,
    low_percent: float = 0.5,
    high_percent: float = 99.5,
    max_samples: int = 1_000_000,
) -> tuple[int, int]:
    """(lo, hi) at the given percentiles of a regular subsample of the image; lo < hi.

    RGB channels share one window so colours keep their balance. About 2 ms on 50 MP.
    """
    levels = _levels(img)
    h, w = img.shape[:2]
    step = max(1, math.ceil(math.sqrt(h * w / max_samples)))
    cdf = np.cumsum(np.bincount(img[::step, ::step].ravel(), minlength=levels))
    total = cdf[-1]
    lo = int(np.searchsorted(cdf, total * low_percent / 100, side="right"))
    hi = int(np.searchsorted(cdf, total * high_percent / 100, side="left"))
    lo, hi = min(lo, levels - 1), min(hi, levels - 1)
    if hi <= lo:  # flat image: any window that keeps lo < hi
        lo, hi = (lo, lo + 1) if lo < levels - 1 else (lo - 1, lo)
    return lo, hi


def apply_window(img: np.ndarray, lo: int, hi: int, out: np.ndarray | None = None) -> np.ndarray:
    """Map ``lo`` to 0 and ``hi`` to 255 linearly (clipped); returns uint8 of img's shape.

    ``out`` (uint8, same shape, may be a view into a bigger buffer) receives the result.
    """
    lut = window_lut(img.dtype, lo, hi)
    if out is None:
        out = np.empty(img.shape, np.uint8)
    elif out.shape != img.shape or out.dtype != np.uint8:
        raise ValueError(f"out must be uint8 {img.shape}, got {out.dtype} {out.shape}")
    if img.size == 0:
        return out
    if img.dtype == np.uint8:
        cv2.LUT(img, lut, dst=out)
        return out
    # cv2.LUT has no 16-bit input; a 64 KiB table lookup is as fast.
    row_pixels = max(1, img[0].size)
    rows = max(1, _CHUNK_PIXELS // row_pixels)
    for y in range(0, img.shape[0], rows):
        np.take(lut, img[y:y + rows], out=out[y:y + rows], mode="clip")
    return out


def window_lut(dtype: np.dtype, lo: int, hi: int) -> np.ndarray:
    """The read-only uint8 lookup table for a window over every value of ``dtype``."""
    return _window_lut(np.dtype(dtype), int(lo), int(hi))


@lru_cache(maxsize=8)
def _window_lut(dtype: np.dtype, lo: int, hi: int) -> np.ndarray:
    if dtype not in _LEVELS:
        raise TypeError(f"only uint8 and uint16 images can be windowed, got {dtype}")
    if hi <= lo:
        raise ValueError(f"window needs lo < hi, got lo={lo}, hi={hi}")
    values = np.arange(_LEVELS[dtype], dtype=np.float64)
    lut = np.clip(np.rint((values - lo) * (255.0 / (hi - lo))), 0, 255).astype(np.uint8)
    lut.setflags(write=False)  # shared between calls through the cache
    return lut


def _levels(img: np.ndarray) -> int:
    if img.dtype not in _LEVELS:
        raise TypeError(f"only uint8 and uint16 images can be windowed, got {img.dtype}")
    return _LEVELS[img.dtype]
