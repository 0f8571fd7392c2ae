"""A label mask as polygons painted in order, the way labelme files are drawn (later wins).

labelme has no holes, so a mask becomes layers: each region's outer contour
(``cv2.findContours``, integer pixel-index vertices) filled with its value, larger fills first,
so a hole -- value 0, written as a ``_background_`` shape -- comes after the region around it
and an island inside the hole after the hole. Regions are 8-connected for classes and
4-connected for background, the pairing under which a filled outer contour is exactly the
region plus what it encloses.

That order alone is not always exact: one region can both surround a hole and reach into it
through a diagonal step. So the result is painted and compared with the mask, and the pixels
still wrong get shapes of their own, for a few rounds. ``exact`` says whether the shapes
reproduce the mask; when not, the caller must keep an exact copy (labelme_format does).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_ROUNDS = 6


@dataclass(frozen=True)
class Layer:
    value: int  # 0 paints background (a hole)
    points: np.ndarray  # (N, 2) int32 pixel indices (x, y), N >= 3


def to_layers(mask: np.ndarray, max_rounds: int = MAX_ROUNDS) -> tuple[list[Layer], bool]:
    """(layers in painting order, exact) for a uint8 label mask."""
    # Defect clusters (8-connected nonzero pixels) never cross one another: two either nest (one
    # in the other's hole) or lie apart. So each is layered alone in its bounding box, outer
    # clusters first, which keeps the cost near the defect area on 20 MP images.
    n, clusters, stats, _ = cv2.connectedComponentsWithStats(
        (mask > 0).view(np.uint8), connectivity=8)
    todo = []
    for i in range(1, n):
        x, y, w, h = stats[i, :4].tolist()
        own = clusters[y:y + h, x:x + w] == i
        # Padded by one background pixel, so the crop's edge is outside every contour.
        crop = np.pad(np.where(own, mask[y:y + h, x:x + w], 0), 1)
        todo.append((-_filled_area(own.view(np.uint8)), y, x, crop))
    todo.sort(key=lambda t: t[:3])
    layers = []
    for _, y, x, crop in todo:
        shift = np.array([x - 1, y - 1], np.int32)
        layers += [Layer(v, pts + shift) for v, pts in _cluster_layers(crop, max_rounds)]
    return layers, np.array_equal(paint(layers, mask.shape), mask)


def _cluster_layers(mask: np.ndarray, max_rounds: int) -> list[tuple[int, np.ndarray]]:
    canvas = np.zeros_like(mask)
    layers: list[tuple[int, np.ndarray]] = []
    for _ in range(max_rounds):
        wrong = canvas != mask
        if not wrong.any():
            break
        # The first round looks at every region (so holes come in their natural place), later
        # ones only at what is still wrong.
        pick = None if not layers else wrong
        for value, r in _regions(mask, pick):
            if not (canvas[r.pixels] != value).any():
                continue  # already right: a shape here would only add clutter
            cv2.fillPoly(canvas, [r.contour], value)
            layers.append((value, r.contour))
    return layers


def paint(layers: list[Layer], shape: tuple[int, int]) -> np.ndarray:
    canvas = np.zeros(shape, np.uint8)
    for layer in layers:
        cv2.fillPoly(canvas, [layer.points], layer.value)
    return canvas


@dataclass(frozen=True)
class _Region:
    contour: np.ndarray
    pixels: tuple[np.ndarray, np.ndarray]  # (rows, cols) of the region's own pixels


def _regions(mask: np.ndarray, pick: np.ndarray | None) -> list[tuple[int, _Region]]:
    """(value, region) for every connected region of `mask` (within `pick`, when given),
    largest fill first."""
    found = []
    height, width = mask.shape
    within = mask.ravel() if pick is None else mask[pick]
    for value in np.flatnonzero(np.bincount(within, minlength=256)).tolist():
        sel = mask == value if pick is None else pick & (mask == value)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(
            sel.view(np.uint8), connectivity=4 if value == 0 else 8)
        for i in range(1, n):
            x, y, w, h = stats[i, :4].tolist()
            if value == 0 and (x == 0 or y == 0 or x + w == width or y + h == height):
                # Background reaching the border is never inside a filled contour, so it is
                # never painted over and needs no shape (and it is the costly giant region).
                continue
            own = labels[y:y + h, x:x + w] == i
            contour = _outer_contour(own.view(np.uint8))
            rows, cols = np.nonzero(own)
            found.append((-_filled_area(own.view(np.uint8), contour), value, y, x,
                          _Region(contour + np.array([x, y], np.int32), (rows + y, cols + x))))
    found.sort(key=lambda t: t[:4])
    return [(t[1], t[4]) for t in found]


def _filled_area(own: np.ndarray, contour: np.ndarray | None = None) -> int:
    """Pixels that filling the region's outer contour sets: the region and what it encloses."""
    filled = np.zeros_like(own)
    cv2.fillPoly(filled, [_outer_contour(own) if contour is None else contour], 1)
    return int(filled.sum())


def _outer_contour(own: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(own, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    # One connected region has one outer contour; the longest guards against odd cases.
    pts = max(contours, key=len).reshape(-1, 2).astype(np.int32)
    if len(pts) < 3:  # a dot or a 2-point line: labelme needs 3 vertices for a polygon
        pts = np.concatenate([pts, pts[::-1]])[:3] if len(pts) == 2 else np.repeat(pts, 3, 0)
    return pts
