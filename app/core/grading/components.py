"""8-connected defect components of one class, measured inside their own bounding boxes.

Fast path (`find_components`): threshold -> `cv2.findContours(RETR_CCOMP)` -> per outer border,
flood-fill the component inside its bbox. RETR_CCOMP puts the outer border of *every*
8-connected component at the top level (islands inside holes included), so the top-level
contours are exactly the components; the seeded 8-connected flood fill inside the bbox picks
out that component alone, even where the bbox also holds pieces of other components or islands
in its holes. The result equals full-frame `cv2.connectedComponentsWithStats(connectivity=8)`
(`components_fullframe`, the reference) at a fraction of the cost: the full-frame labelling
writes an int32 label per pixel, while the contour scan only reads the sparse binary mask.

Coordinates are pixel indices (x right, y down, pixel centres on integers): the frame of
`cv2.connectedComponentsWithStats` centroids, contours and `cv2.fillPoly` zone vertices.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Corners of a pixel square around its centre: the box of a component encloses whole pixels,
# so a one-pixel-wide crack measures 1 px wide, not 0.
_PIXEL_CORNERS = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]], np.float32)
_ONE_PIXEL = np.ones((1, 1), bool)
_ONE_PIXEL.flags.writeable = False  # shared by every one-pixel component
_FLOOD_FLAGS = 8 | cv2.FLOODFILL_MASK_ONLY | (1 << 8)  # 8-connected, write 1 into the mask


@dataclass(frozen=True, eq=False)
class Component:
    """One 8-connected component, in pixels (calibration is applied later)."""

    bbox: tuple[int, int, int, int]  # x, y, w, h
    area_px: int
    centroid: tuple[float, float]  # x, y (pixel-index frame, as connectedComponentsWithStats)
    length_px: float  # longer side of the min-area rectangle around the component's pixels
    width_px: float  # shorter side of that rectangle
    mask: np.ndarray  # bool (h, w): the component's pixels inside bbox
    contour: np.ndarray  # int32 (N, 2): outer border in image pixel indices
    mean_prob: float | None = None  # 0..1, None for label masks
    max_prob: float | None = None


def threshold_level(t: float) -> int:
    """uint8 level of a 0..1 threshold: a pixel is a defect where prob >= level."""
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"threshold must be within 0..1, got {t!r}")
    return int(round(t * 255))


def binarize(prob: np.ndarray, t: float) -> np.ndarray:
    """0/255 mask of prob >= round(t*255) (cv2.threshold is strict '>', hence level - 1)."""
    level = threshold_level(t)
    return cv2.threshold(prob, level - 1, 255, cv2.THRESH_BINARY)[1]


def box_sides(points: np.ndarray) -> tuple[float, float]:
    """(length, width) of the min-area rectangle around the pixel squares at `points` (N, 2).

    Rotating calipers over the hull's edge directions, like cv2.minAreaRect, but with a fixed
    tie-break: pixel shapes often have several boxes of equal area (a 5 x 7 box and a tilted
    4.43 x 7.91 one), and minAreaRect picks by point order. The longest of them wins, so the
    result depends only on the pixel set and never understates a length.
    """
    if points.dtype != np.int32:
        points = points.astype(np.int32)
    hull = cv2.convexHull(points.reshape(-1, 1, 2))
    if len(hull) == 1:  # a single pixel, the commonest noise: skip the numpy work
        return 1.0, 1.0
    corners = (hull.astype(np.float32) + _PIXEL_CORNERS).reshape(-1, 1, 2)
    ring = cv2.convexHull(corners)[:, 0].astype(np.float64)
    edges = np.diff(ring, axis=0, append=ring[:1])
    norm = np.hypot(edges[:, 0], edges[:, 1])
    keep = norm > 0  # guard against repeated hull vertices
    u = edges[keep] / norm[keep, None]
    dirs = np.concatenate([u, u[:, ::-1]])  # each edge direction, then its perpendicular
    dirs[len(u) :, 0] *= -1
    proj = ring @ dirs.T
    extent = proj.max(axis=0) - proj.min(axis=0)
    a, b = extent[: len(u)], extent[len(u) :]
    area = a * b
    longer = np.maximum(a, b)
    longer[area > area.min() * (1 + 1e-9)] = -1.0  # only the (tied) smallest boxes compete
    i = int(longer.argmax())
    return float(longer[i]), float(min(a[i], b[i]))


def find_components(
    binary: np.ndarray, prob: np.ndarray | None = None, min_area_px: int = 0
) -> list[Component]:
    """Components of a 0/non-0 uint8 mask, fast path, sorted by bbox top then left.

    `prob` (uint8, same shape) adds mean/max probability. Components smaller than
    `min_area_px` are dropped; a bbox smaller than that is rejected before any pixel work,
    which keeps thousands of noise specks cheap.
    """
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return []
    out = []
    parents = hierarchy[0, :, 3]
    for contour, parent in zip(contours, parents, strict=True):
        if parent != -1:  # a hole border, not a component
            continue
        x, y, w, h = cv2.boundingRect(contour)
        if w * h < min_area_px:
            continue
        if w == 1 and h == 1:  # lone pixels are most of the noise: no fill, no moments
            out.append(_single_pixel(x, y, contour, prob))
            continue
        crop = binary[y : y + h, x : x + w]
        fill = np.zeros((h + 2, w + 2), np.uint8)
        sx, sy = contour[0, 0]
        area = cv2.floodFill(crop, fill, (int(sx) - x, int(sy) - y), 0, 0, 0, _FLOOD_FLAGS)[0]
        if area < min_area_px:
            continue
        out.append(_measure(fill, (x, y, w, h), int(area), contour, prob))
    out.sort(key=lambda c: (c.bbox[1], c.bbox[0]))  # findContours order is bottom-up
    return out


def _measure(
    fill: np.ndarray,
    bbox: tuple[int, int, int, int],
    area: int,
    contour: np.ndarray,
    prob: np.ndarray | None,
) -> Component:
    """`fill`: the flood-fill mask, the component as 1s inside a frame that floodFill sets."""
    x, y, w, h = bbox
    mask = fill[1:-1, 1:-1]
    m = cv2.moments(mask, binaryImage=True)
    centroid = (x + m["m10"] / m["m00"], y + m["m01"] / m["m00"])
    length, width = box_sides(contour)
    mean_p = max_p = None
    if prob is not None:
        crop = prob[y : y + h, x : x + w]
        mean_p = cv2.mean(crop, mask)[0] / 255.0
        max_p = cv2.minMaxLoc(crop, mask)[1] / 255.0
    return Component(
        bbox=bbox,
        area_px=area,
        centroid=centroid,
        length_px=length,
        width_px=width,
        mask=mask.view(bool),
        contour=contour.reshape(-1, 2),
        mean_prob=mean_p,
        max_prob=max_p,
    )


def _single_pixel(x: int, y: int, contour: np.ndarray, prob: np.ndarray | None) -> Component:
    p = None if prob is None else float(prob[y, x]) / 255.0
    return Component(
        bbox=(x, y, 1, 1),
        area_px=1,
        centroid=(float(x), float(y)),
        length_px=1.0,
        width_px=1.0,
        mask=_ONE_PIXEL,
        contour=contour.reshape(-1, 2),
        mean_prob=p,
        max_prob=p,
    )


def threshold_components(prob: np.ndarray, t: float, min_area_px: int = 0) -> list[Component]:
    """Components of one uint8 probability map at threshold t (0..1)."""
    level = threshold_level(t)
    # A max over the map costs ~1/20 of the contour scan: skip clean maps entirely.
    if level > 0 and int(prob.max()) < level:
        return []
    return find_components(binarize(prob, t), prob, min_area_px)


def mask_components(label_mask: np.ndarray, value: int, min_area_px: int = 0) -> list[Component]:
    """Components of one class value in a uint8 label mask (ground truth): no probabilities."""
    binary = cv2.compare(label_mask, int(value), cv2.CMP_EQ)  # type: ignore[call-overload]  # numpy/OpenCV stubs are narrower than the run time
    return find_components(binary, None, min_area_px)


def components_fullframe(binary: np.ndarray, prob: np.ndarray | None = None) -> list[Component]:
    """Reference path: full-frame connectedComponentsWithStats, 8-connected. Slow; for tests."""
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(
        (binary != 0).astype(np.uint8), connectivity=8
    )
    out = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        mask = labels[y : y + h, x : x + w] == i
        ys, xs = np.nonzero(mask)
        pts = np.stack([xs + x, ys + y], axis=1)
        length, width = box_sides(pts)
        contours, _ = cv2.findContours(
            mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE, offset=(x, y)
        )
        mean_p = max_p = None
        if prob is not None:
            vals = prob[y : y + h, x : x + w][mask]
            mean_p, max_p = float(vals.mean()) / 255.0, float(vals.max()) / 255.0
        out.append(
            Component(
                bbox=(x, y, w, h),
                area_px=area,
                centroid=(float(centroids[i][0]), float(centroids[i][1])),
                length_px=length,
                width_px=width,
                mask=mask,
                contour=contours[0].reshape(-1, 2),
                mean_prob=mean_p,
                max_prob=max_p,
            )
        )
    return out
