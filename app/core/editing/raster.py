"""Brush footprints: a round stamp of diameter d, and two stamps joined by a thick line.

A pixel is painted when its centre lies within d/2 of the segment between the two stamp
centres (a "capsule": a thick line with round caps). Computed row by row, so the result is
exact and the cost grows with the painted area only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .geometry import Rect

Point = tuple[float, float]
_EPS = 1e-9  # pixel centres exactly on the rim are painted despite rounding noise
_BROADCAST_MAX = 1 << 16  # below this bbox area one vectorized write beats a row loop


def stamp_center(pt: Point, diameter: int) -> Point:
    """Centre of the stamp for image point ``pt``, in pixel indices (pixel i spans i..i+1).

    Odd diameters centre on the pixel that contains pt, even ones on the nearest pixel
    corner, so the stamp is always symmetric and matches a d x d cursor.
    """
    half = (diameter - 1) / 2
    return (math.floor(pt[0] - diameter / 2 + 0.5) + half,
            math.floor(pt[1] - diameter / 2 + 0.5) + half)


@dataclass(frozen=True)
class Spans:
    """Rows ``y0 ..`` of a footprint, painted from column xa[i] to xb[i] inclusive."""

    y0: int
    xa: np.ndarray
    xb: np.ndarray
    rect: Rect

    def fill(self, mask: np.ndarray, value: int) -> None:
        x0, y0, x1, y1 = self.rect
        xa, xb = self.xa[y0 - self.y0:y1 - self.y0], self.xb[y0 - self.y0:y1 - self.y0]
        region = mask[y0:y1, x0:x1]
        if region.size <= _BROADCAST_MAX:
            cols = np.arange(x0, x1)
            np.copyto(region, np.uint8(value), where=(cols >= xa[:, None]) & (cols <= xb[:, None]))
            return
        stops = np.maximum(xb - x0 + 1, 0)  # empty rows must not become negative slices
        for row, a, b in zip(region, (xa - x0).tolist(), stops.tolist(), strict=True):
            row[a:b] = value


def capsule(c0: Point, c1: Point, diameter: int, shape: tuple[int, ...]) -> Spans | None:
    """Spans of the capsule joining stamp centres c0 and c1, clipped to ``shape``."""
    r = diameter / 2 + _EPS
    height, width = shape[0], shape[1]
    top = max(math.ceil(min(c0[1], c1[1]) - r), 0)
    bottom = min(math.floor(max(c0[1], c1[1]) + r), height - 1)
    if top > bottom:
        return None
    y = np.arange(top, bottom + 1, dtype=np.float64)
    lo = np.full(y.shape, np.inf)
    hi = np.full(y.shape, -np.inf)
    for cx, cy in (c0, c1):  # the two round caps
        h2 = r * r - (y - cy) ** 2
        inside = h2 >= 0
        h = np.sqrt(np.where(inside, h2, 0.0))
        lo = np.where(inside, np.minimum(lo, cx - h), lo)
        hi = np.where(inside, np.maximum(hi, cx + h), hi)
    body = _body_interval(c0, c1, r, y)
    if body is not None:
        lo, hi = np.minimum(lo, body[0]), np.maximum(hi, body[1])
    xa = np.maximum(np.ceil(np.clip(lo, -1, width)), 0).astype(np.int64)
    xb = np.minimum(np.floor(np.clip(hi, -1, width)), width - 1).astype(np.int64)
    rows = np.flatnonzero(xa <= xb)
    if rows.size == 0:
        return None
    rect = (int(xa[rows].min()), top + int(rows[0]),
            int(xb[rows].max()) + 1, top + int(rows[-1]) + 1)
    return Spans(top, xa, xb, rect)


def _body_interval(c0: Point, c1: Point, r: float, y: np.ndarray):
    """Per row, the x interval of the rectangle between the caps ((lo, hi), empty: lo > hi)."""
    dx, dy = c1[0] - c0[0], c1[1] - c0[1]
    length = math.hypot(dx, dy)
    if length == 0:
        return None
    ux, uy = dx / length, dy / length
    lo = np.full(y.shape, -np.inf)
    hi = np.full(y.shape, np.inf)
    # |distance across the segment| <= r and 0 <= distance along it <= length, each of the
    # form a * x + b in [low, high] for a row at height y.
    for a, b, low, high in (
        (-uy, (y - c0[1]) * ux + c0[0] * uy, -r, r),
        (ux, (y - c0[1]) * uy - c0[0] * ux, 0.0, length),
    ):
        if abs(a) < 1e-12:  # the condition does not depend on x: whole row or nothing
            ok = (b >= low) & (b <= high)
            lo, hi = np.where(ok, lo, np.inf), np.where(ok, hi, -np.inf)
        else:
            e0, e1 = (low - b) / a, (high - b) / a
            lo, hi = np.maximum(lo, np.minimum(e0, e1)), np.minimum(hi, np.maximum(e0, e1))
    return np.where(lo <= hi, lo, np.inf), np.where(lo <= hi, hi, -np.inf)
