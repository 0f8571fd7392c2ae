"""COCO run-length encoding of binary masks, in numpy (pycocotools' maskApi.c, re-implemented).

Pixels are read in **column-major** order (down the first column, then the next), the way COCO
does. ``counts`` alternate runs of 0s and 1s and always start with a run of 0s, so a mask whose
first pixel is set starts with a 0. The compressed form is COCO's string: each count (from the
fourth on, as its difference to the count two before) in 5-bit groups, one ASCII char 48..111
per group, bit 0x20 meaning "more groups follow", sign-extended from bit 0x10.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class RleError(ValueError):
    """Counts or a counts string that do not describe a mask of the stated size."""


def encode(mask: np.ndarray) -> list[int]:
    """Counts of a 2-D mask (nonzero = 1)."""
    flat = np.asarray(mask).ravel(order="F") != 0
    if flat.size == 0:
        return [0]
    edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], edges, [flat.size]))
    counts = np.diff(bounds).tolist()
    return [0, *counts] if flat[0] else counts


def encode_runs(starts: np.ndarray, stops: np.ndarray, n: int) -> list[int]:
    """Counts of a mask of ``n`` pixels that is 1 on the sorted, disjoint column-major index
    ranges ``[starts[i], stops[i])`` and 0 elsewhere; touching ranges are merged."""
    starts = np.asarray(starts, np.int64)
    stops = np.asarray(stops, np.int64)
    if starts.size == 0:
        return [n]
    keep = np.ones(starts.size, bool)
    keep[1:] = starts[1:] != stops[:-1]  # a range that begins where the last ends continues it
    starts, stops = starts[keep], stops[np.append(keep[1:], True)]
    bounds = np.empty(2 * starts.size + 2, np.int64)
    bounds[0], bounds[1:-1:2], bounds[2:-1:2], bounds[-1] = 0, starts, stops, n
    counts = np.diff(bounds)
    if counts[-1] == 0:  # trailing zero run of length 0 is not written by COCO
        counts = counts[:-1]
    return counts.tolist()


def ones_runs(counts: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(starts, stops) of the runs of 1s, as column-major pixel indices."""
    ends = np.cumsum(np.asarray(counts, np.int64))
    return ends[0:-1:2], ends[1::2]


def decode(counts: Sequence[int], shape: tuple[int, int]) -> np.ndarray:
    """bool (H, W) mask; raises RleError when the counts do not fill exactly H x W pixels."""
    out = np.zeros(shape, np.uint8, order="F")
    paint(out, counts, 1)
    return np.ascontiguousarray(out, bool)


def paint(canvas: np.ndarray, counts: Sequence[int], value: int) -> None:
    """Sets ``value`` where the counts have 1s, on a Fortran-ordered (H, W) ``canvas``.

    Only the runs are touched, so painting a small defect costs nothing like a full decode.
    """
    if not canvas.flags.f_contiguous:
        raise ValueError("paint needs a Fortran-ordered canvas (np.zeros(..., order='F'))")
    check(counts, canvas.shape)
    flat = canvas.reshape(-1, order="F")  # a view: the canvas is column-major already
    for a, b in zip(*ones_runs(counts), strict=True):
        flat[a:b] = value


def check(counts: Sequence[int], shape: tuple[int, int]) -> None:
    h, w = shape
    if h < 0 or w < 0:
        raise RleError(f"invalid size {h} x {w}")
    if any(c < 0 for c in counts):
        raise RleError("a run length is negative")
    total = sum(counts)
    if total != h * w:
        raise RleError(f"the runs cover {total} pixels but the mask has {h} x {w} = {h * w}")


def area(counts: Sequence[int]) -> int:
    return int(sum(counts[1::2]))


def to_string(counts: Sequence[int]) -> str:
    """COCO's compressed counts string (maskApi.c rleToString)."""
    out = []
    for i, c in enumerate(counts):
        x = int(c) - (int(counts[i - 2]) if i > 2 else 0)
        while True:
            group = x & 0x1F
            x >>= 5  # arithmetic shift: negative deltas end in a run of 1 bits
            more = x != -1 if group & 0x10 else x != 0
            out.append(chr(48 + (group | 0x20 if more else group)))
            if not more:
                break
    return "".join(out)


def from_string(s: str) -> list[int]:
    """Counts from COCO's compressed string (maskApi.c rleFrString); raises RleError."""
    counts: list[int] = []
    x = shift = 0
    pending = False
    for ch in s:
        c = ord(ch) - 48
        if not 0 <= c < 64:
            raise RleError(f"character {ch!r} cannot appear in a COCO counts string")
        x |= (c & 0x1F) << shift
        shift += 5
        pending = True
        if c & 0x20:
            continue
        if c & 0x10:
            x |= -1 << shift  # sign extension
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
        x = shift = 0
        pending = False
    if pending:
        raise RleError("the counts string ends in the middle of a number")
    return counts
