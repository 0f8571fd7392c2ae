"""Tricky masks (holes, touching classes, thin lines...) that every dataset format must
round-trip.
"""

from __future__ import annotations

import numpy as np


def _nested_islands():
    m = np.zeros((24, 32), np.uint8)
    m[2:22, 2:30] = 1  # crack with a hole...
    m[5:19, 5:27] = 0
    m[7:17, 8:24] = 2  # ...holding a pore island, itself holed...
    m[9:15, 11:21] = 0
    m[11:13, 14:18] = 1  # ...around an island of the first class again
    return m


def _thin_lines():
    m = np.zeros((20, 24), np.uint8)
    m[3, 2:20] = 1  # 1-px horizontal
    m[5:18, 4] = 2  # 1-px vertical
    for i in range(10):
        m[6 + i, 8 + i] = 3  # diagonal, 8-connected only
    m[18, 22] = 1  # lone pixels
    m[1, 22] = 2
    return m


def _diagonal_only():
    m = np.zeros((12, 12), np.uint8)
    m[1:11, 1:11] = (np.indices((10, 10)).sum(0) % 2 == 0)  # checkerboard: one 8-blob
    m[0, 0] = 2
    return m


def _crossing_classes():
    m = np.zeros((10, 10), np.uint8)
    for i in range(10):
        m[i, i] = 1
        m[i, 9 - i] = 2 if m[i, 9 - i] == 0 else 1
    m[4, 5], m[5, 4] = 2, 2  # the anti-diagonal crosses through the diagonal's corners
    return m


def _touching_classes():
    m = np.zeros((16, 18), np.uint8)
    m[2:14, 2:8] = 1
    m[2:14, 8:12] = 2
    m[6:10, 12:16] = 3
    m[6:8, 5:14] = 4
    return m


def _border():
    m = np.zeros((14, 15), np.uint8)
    m[0, :], m[-1, :], m[:, 0], m[:, -1] = 1, 2, 3, 1  # a frame of classes round the edge
    m[0, 0] = m[13, 14] = 4
    m[6:8, 6:9] = 2  # island in the frame's hole
    return m


def self_reaching_hole():
    """One region surrounds a hole and reaches into it through a diagonal step: painting
    contours larger-first is not exact here without a repair round."""
    return np.array([
        [1, 1, 1, 1, 1, 1, 1, 0],
        [1, 0, 0, 0, 1, 1, 1, 1],
        [1, 0, 1, 0, 0, 1, 0, 1],
        [1, 0, 0, 1, 0, 0, 0, 1],
        [0, 1, 1, 0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0, 1, 1, 1],
        [1, 1, 0, 1, 1, 0, 1, 1],
        [1, 1, 0, 1, 0, 0, 0, 1]], np.uint8)


def _many_classes():
    rng = np.random.default_rng(7)
    m = np.zeros((40, 48), np.uint8)
    for v in range(1, 41):
        y, x = rng.integers(0, 36), rng.integers(0, 44)
        m[y:y + rng.integers(1, 5), x:x + rng.integers(1, 5)] = v
    return m


def _noise():
    rng = np.random.default_rng(3)
    return np.where(rng.random((20, 26)) < 0.6, rng.integers(1, 6, (20, 26)), 0).astype(np.uint8)


TRICKY = {
    "nested_islands": _nested_islands(), "thin_lines": _thin_lines(),
    "diagonal_only": _diagonal_only(), "crossing_classes": _crossing_classes(),
    "touching_classes": _touching_classes(), "border": _border(),
    "self_reaching_hole": self_reaching_hole(), "many_classes": _many_classes(),
    "noise": _noise(), "full": np.full((6, 7), 3, np.uint8), "empty": np.zeros((5, 4), np.uint8),
    "one_pixel": np.ones((1, 1), np.uint8), "one_row": np.array([[1, 0, 2, 2, 0, 1]], np.uint8),
}

