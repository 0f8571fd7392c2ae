"""Named zones of a part: polygons (with holes) rasterized once per image size.

Zones partition the image. Every pixel belongs to exactly one zone: the most severe zone that
covers it (ties: the later zone in the list), else the implicit least severe zone
`WHOLE_IMAGE`, which covers the rest. So a component's zone overlaps always add up to its area.

Vertices are in reference-image pixel coordinates with `cv2.fillPoly` conventions (pixel
centres on integers, vertices rounded to integers when rasterized; boundary pixels belong to
the polygon, hole boundary pixels to the hole).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np

WHOLE_IMAGE = "whole-image"

Point = tuple[float, float]
Ring = tuple[Point, ...]


def _ring(points) -> Ring:
    ring = tuple((float(x), float(y)) for x, y in points)
    if len(ring) < 3:
        raise ValueError(f"a polygon ring needs at least 3 vertices, got {len(ring)}")
    if not all(math.isfinite(v) for p in ring for v in p):
        raise ValueError("polygon vertices must be finite")
    return ring


def shoelace_area(ring) -> float:
    """Unsigned area enclosed by a ring (vertices as given, no rasterization)."""
    pts = np.asarray(ring, np.float64)
    x, y = pts[:, 0], pts[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2.0


def ring_perimeter(ring) -> float:
    pts = np.asarray(ring, np.float64)
    return float(np.linalg.norm(pts - np.roll(pts, -1, axis=0), axis=1).sum())


@dataclass(frozen=True)
class Polygon:
    """An outer ring and optional hole rings."""

    outer: Ring
    holes: tuple[Ring, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "outer", _ring(self.outer))
        object.__setattr__(self, "holes", tuple(_ring(h) for h in self.holes))

    def area(self) -> float:
        """Shoelace area of the outer ring minus its holes (holes assumed inside, disjoint)."""
        return shoelace_area(self.outer) - sum(shoelace_area(h) for h in self.holes)

    def perimeter(self) -> float:
        return ring_perimeter(self.outer) + sum(ring_perimeter(h) for h in self.holes)

    def to_dict(self) -> dict:
        return {
            "outer": [list(p) for p in self.outer],
            "holes": [[list(p) for p in h] for h in self.holes],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Polygon:
        return cls(outer=d["outer"], holes=tuple(d.get("holes", ())))


@dataclass(frozen=True)
class Zone:
    """A named region made of one or more polygons. Higher severity wins where zones overlap."""

    name: str
    polygons: tuple[Polygon, ...]
    severity: int = 1

    def __post_init__(self) -> None:
        if not self.name or self.name == WHOLE_IMAGE:
            raise ValueError(f"invalid zone name {self.name!r}")
        polys = tuple(p if isinstance(p, Polygon) else Polygon(p) for p in self.polygons)
        object.__setattr__(self, "polygons", polys)
        object.__setattr__(self, "severity", int(self.severity))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "severity": self.severity,
            "polygons": [p.to_dict() for p in self.polygons],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Zone:
        polys = tuple(Polygon.from_dict(p) for p in d["polygons"])
        return cls(name=d["name"], polygons=polys, severity=d.get("severity", 1))


@dataclass(frozen=True)
class ZoneSet:
    """The zones of a recipe, drawn on a reference image of `reference_size` (width, height).

    An image of another size gets the polygons scaled to it; None means "use as drawn".
    """

    zones: tuple[Zone, ...] = ()
    reference_size: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        zones = tuple(self.zones)
        names = [z.name for z in zones]
        if len(set(names)) != len(names):
            raise ValueError(f"zone names must be unique, got {names}")
        object.__setattr__(self, "zones", zones)
        if self.reference_size is not None:
            w, h = (int(v) for v in self.reference_size)
            if w <= 0 or h <= 0:
                raise ValueError(f"invalid reference size {self.reference_size!r}")
            object.__setattr__(self, "reference_size", (w, h))

    @property
    def names(self) -> tuple[str, ...]:
        """Zone names by raster index: 0 is WHOLE_IMAGE."""
        return (WHOLE_IMAGE, *(z.name for z in self.zones))

    def rasterize(self, shape: tuple[int, int]) -> ZoneRaster:
        h, w = shape
        dtype = np.uint8 if len(self.names) <= 256 else np.uint16
        labels = np.zeros((h, w), dtype)
        scale = self._scale(w, h)
        # Paint the least severe first so the most severe owns overlapping pixels.
        order = sorted(range(len(self.zones)), key=lambda i: (self.zones[i].severity, i))
        for i in order:
            for poly in self.zones[i].polygons:
                _paint_polygon(labels, poly, i + 1, scale)
        labels.flags.writeable = False  # shared through the cache
        return ZoneRaster(labels=labels, names=self.names)

    def _scale(self, w: int, h: int) -> tuple[float, float] | None:
        if self.reference_size is None or self.reference_size == (w, h):
            return None
        return w / self.reference_size[0], h / self.reference_size[1]

    def to_dict(self) -> dict:
        ref = list(self.reference_size) if self.reference_size else None
        return {"reference_size": ref, "zones": [z.to_dict() for z in self.zones]}

    @classmethod
    def from_dict(cls, d: dict) -> ZoneSet:
        ref = d.get("reference_size")
        return cls(
            zones=tuple(Zone.from_dict(z) for z in d.get("zones", ())),
            reference_size=tuple(ref) if ref else None,
        )


def _to_pixels(ring: Ring, scale: tuple[float, float] | None) -> np.ndarray:
    pts = np.asarray(ring, np.float64)
    if scale is not None:
        # Scale pixel extents, not centres: centre x covers [x - 0.5, x + 0.5).
        pts = (pts + 0.5) * np.asarray(scale) - 0.5
    return np.round(pts).astype(np.int32)


def _paint_polygon(labels: np.ndarray, poly: Polygon, value: int, scale) -> None:
    """Paint one polygon minus its holes, working inside the polygon's bbox only."""
    outer = _to_pixels(poly.outer, scale)
    h, w = labels.shape
    x0, y0 = np.maximum(outer.min(axis=0), 0)
    x1, y1 = np.minimum(outer.max(axis=0) + 1, (w, h))
    if x0 >= x1 or y0 >= y1:
        return
    off = np.array([x0, y0], np.int32)
    tmp = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(tmp, [outer - off], 1)
    for hole in poly.holes:
        cv2.fillPoly(tmp, [_to_pixels(hole, scale) - off], 0)
    labels[y0:y1, x0:x1][tmp.view(bool)] = value


@dataclass(frozen=True, eq=False)
class ZoneRaster:
    """Zone index per pixel (read-only) for one image size; index -> name via `names`."""

    labels: np.ndarray
    names: tuple[str, ...]

    def mask(self, name: str) -> np.ndarray:
        return self.labels == self.names.index(name)

    def overlaps(self, bbox, mask: np.ndarray, area_px: int) -> list[tuple[int, int]]:
        """(zone index, pixels) of a component (bbox + mask crop), zones touched only."""
        if len(self.names) == 1:
            return [(0, area_px)]
        x, y, w, h = bbox
        crop = self.labels[y : y + h, x : x + w]
        lo, hi = cv2.minMaxLoc(crop)[:2]
        if lo == hi:  # one zone under the whole bbox: the common case, no pixel counting
            return [(int(lo), area_px)]
        counts = np.bincount(crop[mask], minlength=len(self.names))
        return [(int(i), int(c)) for i, c in enumerate(counts) if c]


class ZoneCache:
    """Rasters by (ZoneSet, image shape), least recently used dropped first. Thread-safe."""

    def __init__(self, max_entries: int = 8) -> None:
        self._max = max_entries
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, zones: ZoneSet, shape: tuple[int, int]) -> ZoneRaster:
        key = (zones, (int(shape[0]), int(shape[1])))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        raster = zones.rasterize(key[1])  # outside the lock: rasterizing 20 MP takes ms
        with self._lock:
            self._items[key] = raster
            while len(self._items) > self._max:
                self._items.popitem(last=False)
        return raster
