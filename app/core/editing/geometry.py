"""Rectangles in pixel indices: (x0, y0, x1, y1), half-open, like numpy slices."""

from __future__ import annotations

Rect = tuple[int, int, int, int]


def union(a: Rect | None, b: Rect | None) -> Rect | None:
    """Smallest rectangle holding both; None counts as empty."""
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def clip(rect: Rect, shape: tuple[int, ...]) -> Rect | None:
    """``rect`` cut to an image of ``shape`` (H, W, ...); None when nothing is left."""
    x0, y0 = max(rect[0], 0), max(rect[1], 0)
    x1, y1 = min(rect[2], shape[1]), min(rect[3], shape[0])
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def slices(rect: Rect) -> tuple[slice, slice]:
    """numpy index (rows, columns) of a rectangle."""
    return slice(rect[1], rect[3]), slice(rect[0], rect[2])
