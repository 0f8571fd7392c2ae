"""Pre-labels: a model's stored probability maps turned into defect components to accept.

    pre = PreLabels.from_probs(probs, class_values, threshold=0.5, classes={1, 2})
    comp = pre.component_at(120.5, 80.2)     # image point -> PreLabel or None
    edit = pre.accept(mask, comp)            # writes into mask, returns the undo atom
    edit = pre.accept_all(mask)

The pre-label mask (``prelabel_mask``): per pixel the class with the highest probability if
that probability reaches the threshold (``probs >= round(t * 255)``, as everywhere in core),
else background. Equal probabilities go to the earlier channel (the lower class value).
Channels of classes the project no longer has are dropped to background, never relabelled.

Components are 8-connected, per class (app.core.grading.components, the definition the grader
uses), each kept as its pixels inside its own bounding box, so memory follows the predicted area,
not the image size.

Accepting never erases or changes the engineer's labels: pre-label pixels fill only pixels that
are background in the mask. A component lying partly on labels adds only its other pixels;
one lying wholly on labels adds nothing (``pending`` is False).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from app.core.editing import MaskEdit, Rect
from app.core.grading.components import mask_components, threshold_level

DEFAULT_THRESHOLD = 0.5
# Components smaller than this are not offered as pre-labels: specks nobody would trace (the
# project setting "prelabel_min_pixels" changes it; 0 offers everything).
DEFAULT_MIN_PIXELS = 16


def prelabel_mask(probs: np.ndarray, class_values: list[int],
                  threshold: float = DEFAULT_THRESHOLD,
                  classes: Iterable[int] | None = None) -> np.ndarray:
    """uint8 (H, W) label mask from uint8 probabilities (C, H, W) naming ``class_values``.

    ``classes``: the class values that exist (None: all); others become background.
    Works channel by channel: no (C, H, W) temporaries (an argmax would be 8 bytes a pixel).
    """
    if probs.dtype != np.uint8 or probs.ndim != 3:
        raise ValueError(f"probability maps are uint8 (C, H, W), not {probs.dtype} {probs.shape}")
    if len(class_values) != probs.shape[0]:
        raise ValueError(f"{probs.shape[0]} probability channels but {len(class_values)} "
                         "class values")
    level = threshold_level(threshold)
    _, h, w = probs.shape
    if probs.shape[0] == 0:
        return np.zeros((h, w), np.uint8)
    best = probs[0].copy()
    which = np.zeros((h, w), np.uint8)  # channel index of the best class
    for i in range(1, probs.shape[0]):
        better = probs[i] > best  # strict: ties stay with the earlier channel
        np.copyto(best, probs[i], where=better)
        which[better] = i
    keep = None if classes is None else {int(v) for v in classes}
    lut = np.zeros(256, np.uint8)
    for i, v in enumerate(class_values):
        if 1 <= int(v) <= 255 and (keep is None or int(v) in keep):
            lut[i] = int(v)
    out = cv2.LUT(which, lut)
    out[best < level] = 0
    return out


@dataclass(frozen=True, eq=False)
class PreLabel:
    """One 8-connected component of one class."""

    index: int  # position in its PreLabels
    class_value: int
    bbox: Rect  # x0, y0, x1, y1, half-open
    pixels: np.ndarray  # bool (h, w) over bbox: the component's own pixels
    contours: tuple[np.ndarray, ...]  # int32 (N, 2) pixel indices: outer border, then holes

    @property
    def area(self) -> int:
        return int(np.count_nonzero(self.pixels))

    def contains(self, x: int, y: int) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 <= x < x1 and y0 <= y < y1 and bool(self.pixels[y - y0, x - x0])


class PreLabels:
    """The components of a pre-label mask, with lookup by point and rectangle, and accepting."""

    def __init__(self, shape: tuple[int, int], components: list[PreLabel]):
        self.shape = (int(shape[0]), int(shape[1]))
        self.components = components
        self._boxes = np.array([c.bbox for c in components], np.int64).reshape(-1, 4)

    @classmethod
    def from_probs(cls, probs: np.ndarray, class_values: list[int],
                   threshold: float = DEFAULT_THRESHOLD,
                   classes: Iterable[int] | None = None, min_pixels: int = 0) -> PreLabels:
        return cls.from_mask(prelabel_mask(probs, class_values, threshold, classes), min_pixels)

    @classmethod
    def from_mask(cls, mask: np.ndarray, min_pixels: int = 0) -> PreLabels:
        """Components of a uint8 pre-label mask (0 = background) of at least `min_pixels`."""
        components: list[PreLabel] = []
        counts = cv2.calcHist([mask], [0], None, [256], [0, 256]).ravel()  # bincount: 8 B/px
        for value in (np.flatnonzero(counts[1:]) + 1).tolist():
            for c in mask_components(mask, value, max(int(min_pixels), 0)):
                x, y, w, h = c.bbox
                components.append(PreLabel(len(components), value, (x, y, x + w, y + h),
                                           c.mask, _contours(c.mask, x, y)))
        return cls(mask.shape, components)

    def __len__(self) -> int:
        return len(self.components)

    def __iter__(self) -> Iterator[PreLabel]:
        return iter(self.components)

    def __getitem__(self, index: int) -> PreLabel:
        return self.components[index]

    def to_mask(self) -> np.ndarray:
        """The pre-label mask these components came from."""
        out = np.zeros(self.shape, np.uint8)
        for c in self.components:
            x0, y0, x1, y1 = c.bbox
            out[y0:y1, x0:x1][c.pixels] = c.class_value
        return out

    def indices_in(self, rect: Rect) -> np.ndarray:
        """Indices of the components whose bounding box meets ``rect`` (x0, y0, x1, y1)."""
        b = self._boxes
        hit = (b[:, 0] < rect[2]) & (b[:, 2] > rect[0]) & (b[:, 1] < rect[3]) & (b[:, 3] > rect[1])
        return np.flatnonzero(hit)

    def component_at(self, x: float, y: float) -> PreLabel | None:
        """The component holding image point (x, y) (pixel i spans i..i+1), or None."""
        ix, iy = math.floor(x), math.floor(y)
        for i in self.indices_in((ix, iy, ix + 1, iy + 1)).tolist():
            if self.components[i].contains(ix, iy):
                return self.components[i]
        return None

    def pending(self, mask: np.ndarray, component: PreLabel) -> bool:
        """True when accepting ``component`` would still add pixels to ``mask``."""
        x0, y0, x1, y1 = component.bbox
        return bool((mask[y0:y1, x0:x1][component.pixels] == 0).any())

    def accept(self, mask: np.ndarray, component: PreLabel) -> MaskEdit | None:
        """Give ``component``'s background pixels its class, in place; the undo atom or None."""
        return self._accept(mask, component.bbox, [component])

    def accept_all(self, mask: np.ndarray) -> MaskEdit | None:
        """Every component at once (one undo step), background pixels only, in place."""
        if not self.components:
            return None
        b = self._boxes
        bbox = (int(b[:, 0].min()), int(b[:, 1].min()), int(b[:, 2].max()), int(b[:, 3].max()))
        return self._accept(mask, bbox, self.components)

    def _accept(self, mask: np.ndarray, bbox: Rect, components: list[PreLabel]) -> MaskEdit | None:
        if mask.shape != self.shape:
            raise ValueError(f"the mask is {mask.shape[1]} x {mask.shape[0]} but the pre-labels "
                             f"are {self.shape[1]} x {self.shape[0]}")
        bx0, by0, bx1, by1 = bbox
        before = mask[by0:by1, bx0:bx1].copy()
        after = before.copy()
        for c in components:
            x0, y0, x1, y1 = c.bbox
            region = after[y0 - by0:y1 - by0, x0 - bx0:x1 - bx0]
            np.copyto(region, np.uint8(c.class_value), where=c.pixels & (region == 0))
        edit = MaskEdit.diff(bbox, before, after)
        if edit is not None:
            edit.apply(mask)
        return edit


def _contours(pixels: np.ndarray, x: int, y: int) -> tuple[np.ndarray, ...]:
    """Borders of one component (outer first, then holes) in image pixel indices."""
    h, w = pixels.shape
    if h == 1 or w == 1:  # a dot or a straight run: its two ends say it all
        ends = np.array([[x, y], [x + w - 1, y + h - 1]], np.int32)
        return (ends[:1] if h == w else ends,)
    padded = np.zeros((h + 2, w + 2), np.uint8)  # borders on the crop's edge are traced too
    padded[1:-1, 1:-1] = pixels
    found, hierarchy = cv2.findContours(padded, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE,
                                        offset=(x - 1, y - 1))
    # The component is 8-connected, so there is one outer border; the rest are its holes'.
    order = sorted(range(len(found)), key=lambda i: hierarchy[0, i, 3] != -1)
    return tuple(found[i].reshape(-1, 2) for i in order)
