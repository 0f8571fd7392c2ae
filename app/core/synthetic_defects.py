"""Synthetic defects: labeled defect patches pasted onto good parts, numpy + OpenCV.

    patches = extract_patches(image, mask)                 # one per defect component
    new_image, new_mask, placed = paste_defects(good, good_mask, patches, rng, count=2)

A patch is a labeled defect (its pixels and its component mask) with a margin of the part
around it. Pasting turns, scales and flips it, shifts its brightness so its margin matches the
target's surface under it, and blends it in: the defect's own pixels are copied whole (alpha 1),
and its margin fades out over `feather` px outside the defect, so the seam falls on background
texture. The new mask labels exactly the pasted defect pixels with the patch's class; pixels
changed outside them are only that fading margin. A paste lands inside the part (and the chosen
region, e.g. a zone), never on or next to another defect, or it is skipped.

The part is found by `part_mask`: Otsu's threshold on a blurred image when the image is clearly
two-toned (a part on a background), else the whole image. Same rng state, same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

FEATHER_PX = 3  # width of the fading margin around a pasted defect
MARGIN_PX = 4  # part kept around a defect when it is cut out (>= FEATHER_PX)
# Otsu's between-class share of the variance that says "a part on a background"
MIN_SEPARATION = 0.75


@dataclass(frozen=True)
class DefectPatch:
    """One labeled defect cut out of an image: pixels (h, w[, c]) with a margin around the
    defect, and the defect's own pixels as a bool mask (h, w)."""

    pixels: np.ndarray
    mask: np.ndarray
    class_value: int
    source: str = ""  # where it was cut from, for messages

    @property
    def area(self) -> int:
        return int(np.count_nonzero(self.mask))


@dataclass(frozen=True)
class Placement:
    """Where a patch went: its class, the top-left corner of its footprint, and its pixels."""

    class_value: int
    y: int
    x: int
    defect_px: int


def extract_patches(image: np.ndarray, mask: np.ndarray, class_values: Sequence[int] | None = None,
                    margin: int = MARGIN_PX, min_area: int = 4, max_side: int = 0,
                    source: str = "") -> list[DefectPatch]:
    """A patch per 8-connected defect component of each class (all nonzero values when
    class_values is None); components under min_area px, or (max_side > 0) with a side over
    max_side px, are left out."""
    values = [int(v) for v in np.unique(mask) if v] if class_values is None else list(class_values)
    h, w = mask.shape
    out = []
    for value in values:
        binary = (mask == value).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        for i in range(1, n):
            x, y, bw, bh, area = (int(s) for s in stats[i])
            if area < min_area or (max_side and max(bw, bh) > max_side):
                continue
            y0, x0 = max(0, y - margin), max(0, x - margin)
            y1, x1 = min(h, y + bh + margin), min(w, x + bw + margin)
            out.append(DefectPatch(image[y0:y1, x0:x1].copy(), labels[y0:y1, x0:x1] == i,
                                   int(value), source))
    return out


def part_mask(image: np.ndarray, work_px: int = 512) -> np.ndarray:
    """Where the part is (bool, image size): the Otsu side of a blurred gray image that touches
    the image border least, when the image is clearly two-toned and that side covers 10-98 %
    of it; otherwise the whole image (a close-up of the surface, or no clear contrast). Found
    on a copy at most `work_px` a side (a 20 MP part in milliseconds), then scaled back."""
    h, w = image.shape[:2]
    f = work_px / max(h, w)
    if f < 1:
        small = cv2.resize(image, (max(1, round(w * f)), max(1, round(h * f))),
                           interpolation=cv2.INTER_AREA)
        found = _part_mask(small).astype(np.uint8)
        return cv2.resize(found, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    return _part_mask(image)


def _part_mask(image: np.ndarray) -> np.ndarray:
    gray = image if image.ndim == 2 else cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2GRAY)
    gray = cv2.normalize(gray.astype(np.float32), None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    whole = np.ones(gray.shape, bool)
    if min(gray.shape) < 16 or gray.std() < 1e-6:
        return whole
    sigma = max(1.0, min(gray.shape) / 100)
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    t, _ = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = blurred > t
    p = float(bright.mean())
    if p in (0.0, 1.0):
        return whole
    m1, m0 = float(blurred[bright].mean()), float(blurred[~bright].mean())
    separation = p * (1 - p) * (m1 - m0) ** 2 / max(float(blurred.var()), 1e-9)
    if separation < MIN_SEPARATION:
        return whole
    border = np.concatenate([bright[0], bright[-1], bright[:, 0], bright[:, -1]])
    part = ~bright if border.mean() > 0.5 else bright
    if not 0.10 <= part.mean() <= 0.98:
        return whole
    # The largest piece, holes (dark defects, shadows) filled: a part is one solid shape.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(part.astype(np.uint8), connectivity=8)
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    solid = (labels == biggest).astype(np.uint8)
    contours, _ = cv2.findContours(solid, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(solid, contours, -1, 1, thickness=cv2.FILLED)
    return solid.astype(bool)


def transform_patch(patch: DefectPatch, rng: np.random.Generator, rotate: bool = True,
                    scale: tuple[float, float] = (0.8, 1.25), flips: bool = True) -> DefectPatch:
    """The patch turned by a random angle, zoomed within `scale` and maybe mirrored; the
    canvas grows to hold it, and the margin is reflected into the corners it uncovers."""
    pixels, mask = patch.pixels, patch.mask.astype(np.uint8)
    if flips and rng.random() < 0.5:
        pixels, mask = pixels[:, ::-1], mask[:, ::-1]
    angle = float(rng.uniform(0, 360)) if rotate else 0.0
    zoom = float(rng.uniform(*scale)) if scale[0] != scale[1] else float(scale[0])
    h, w = mask.shape
    rad = np.deg2rad(angle)
    c, s = abs(np.cos(rad)) * zoom, abs(np.sin(rad)) * zoom
    nw, nh = max(1, int(np.ceil(w * c + h * s))), max(1, int(np.ceil(w * s + h * c)))
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, zoom)
    m[0, 2] += (nw - w) / 2
    m[1, 2] += (nh - h) / 2
    pixels = cv2.warpAffine(np.ascontiguousarray(pixels), m, (nw, nh), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT)
    mask = cv2.warpAffine(np.ascontiguousarray(mask), m, (nw, nh), flags=cv2.INTER_NEAREST,  # type: ignore[assignment]  # cv2 stubs
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if pixels.ndim < patch.pixels.ndim:  # warpAffine drops a trailing channel axis of 1
        pixels = pixels[..., None]
    return DefectPatch(pixels, mask.astype(bool), patch.class_value, patch.source)


def _trim(patch: DefectPatch, feather: int) -> DefectPatch | None:
    """The patch cut to its defect's bounding box plus `feather` px; None when no pixel is left."""
    ys, xs = np.nonzero(patch.mask)
    if ys.size == 0:
        return None
    h, w = patch.mask.shape
    y0, y1 = max(0, ys.min() - feather), min(h, ys.max() + 1 + feather)
    x0, x1 = max(0, xs.min() - feather), min(w, xs.max() + 1 + feather)
    return DefectPatch(patch.pixels[y0:y1, x0:x1], patch.mask[y0:y1, x0:x1], patch.class_value,
                       patch.source)


def _fit(patch: DefectPatch, h: int, w: int, share: float = 0.9) -> DefectPatch:
    """The patch shrunk, if need be, to at most `share` of an h x w image on each side: a
    defect that spans its own image (a band, a long fray) still fits a smaller part."""
    ph, pw = patch.mask.shape
    f = min(1.0, share * h / ph, share * w / pw)
    if f >= 1.0:
        return patch
    size = (max(1, int(pw * f)), max(1, int(ph * f)))
    pixels = cv2.resize(np.ascontiguousarray(patch.pixels), size, interpolation=cv2.INTER_AREA)
    if pixels.ndim < patch.pixels.ndim:
        pixels = pixels[..., None]
    mask = cv2.resize(patch.mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    return DefectPatch(pixels, mask.astype(bool), patch.class_value, patch.source)


def _alpha(mask: np.ndarray, feather: int) -> np.ndarray:
    """1 on the defect, fading linearly to 0 at `feather` px outside it (float32)."""
    if feather <= 0:
        return mask.astype(np.float32)
    outside = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3)
    return np.clip(1.0 - outside / (feather + 1), 0.0, 1.0).astype(np.float32)


def _gray_mean(pixels: np.ndarray, where: np.ndarray) -> float:
    values = pixels[where]
    return float(values.mean()) if values.size else 0.0


def _block(free: np.ndarray, footprint: np.ndarray, y: int, x: int, keep_away: int) -> None:
    """Marks a pasted footprint at (y, x), grown by keep_away px, as taken in `free`."""
    k = max(0, keep_away)
    grown = np.pad(footprint.astype(np.uint8), k)
    if k:
        grown = cv2.dilate(grown, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1,) * 2))  # type: ignore[assignment]  # cv2 stubs
    H, W = free.shape
    y0, x0 = y - k, x - k
    ya, xa = max(0, y0), max(0, x0)
    yb, xb = min(H, y0 + grown.shape[0]), min(W, x0 + grown.shape[1])
    free[ya:yb, xa:xb] &= ~grown[ya - y0:yb - y0, xa - x0:xb - x0].astype(bool)


def paste_defects(image: np.ndarray, mask: np.ndarray, patches: Sequence[DefectPatch],
                  rng: np.random.Generator, count: int = 1, region: np.ndarray | None = None,
                  feather: int = FEATHER_PX, tries: int = 30, keep_away: int = 2,
                  part: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, list[Placement]]:
    """`count` patches drawn from `patches` (at random) pasted onto copies of image and mask.

    A paste's footprint (the defect plus its fading margin) must lie inside the part (part_mask
    unless given) and inside `region` when given (e.g. a zone's mask), and stay `keep_away` px
    clear of every defect already there, pasted ones included; a patch that finds no such spot
    in `tries` random positions is skipped. A patch larger than 90 % of the image on a side is
shrunk to that first. Returns (image, mask, placements).
    """
    if not patches or count <= 0:
        return image.copy(), mask.copy(), []
    allowed = part_mask(image) if part is None else part.astype(bool)
    if region is not None:
        allowed = allowed & region.astype(bool)
    defects = (mask > 0).astype(np.uint8)
    if keep_away > 0 and defects.any():
        k = 2 * keep_away + 1
        defects = cv2.dilate(defects, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))  # type: ignore[assignment]  # cv2 stubs
    free = allowed & ~defects.astype(bool)
    out = image.astype(np.float32)
    new_mask = mask.copy()
    placed: list[Placement] = []
    hi = float(np.iinfo(image.dtype).max) if np.issubdtype(image.dtype, np.integer) else None
    for _ in range(count):
        source = patches[int(rng.integers(len(patches)))]
        H, W = mask.shape
        patch = _trim(_fit(transform_patch(source, rng), H, W), feather)
        if patch is None:
            continue
        alpha = _alpha(patch.mask, feather)
        footprint = alpha > 0
        ph, pw = patch.mask.shape
        if ph > H or pw > W:
            continue
        spot = None
        for _ in range(tries):
            y, x = int(rng.integers(0, H - ph + 1)), int(rng.integers(0, W - pw + 1))
            if free[y:y + ph, x:x + pw][footprint].all():
                spot = (y, x)
                break
        if spot is None:
            continue
        y, x = spot
        target = out[y:y + ph, x:x + pw]
        pix = patch.pixels.astype(np.float32)
        if pix.ndim == 2 and target.ndim == 3:
            pix = np.repeat(pix[..., None], target.shape[2], axis=2)
        elif pix.ndim == 3 and target.ndim == 2:
            pix = pix.mean(axis=2)
        # Brightness matched on the margin: the defect keeps its contrast to its surroundings.
        ring = footprint & ~patch.mask
        if ring.any():
            pix = pix + (_gray_mean(target, ring) - _gray_mean(pix, ring))
        a = alpha if target.ndim == 2 else alpha[..., None]
        out[y:y + ph, x:x + pw] = target * (1 - a) + pix * a
        new_mask[y:y + ph, x:x + pw][patch.mask] = patch.class_value
        _block(free, footprint, y, x, keep_away)  # the next paste keeps clear of this one
        placed.append(Placement(patch.class_value, y, x, patch.area))
    if hi is not None:
        out = np.clip(np.rint(out), 0, hi)
    return out.astype(image.dtype), new_mask, placed
