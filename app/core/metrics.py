"""Segmentation and inspection metrics, numpy only.

Pixel metrics come from a confusion matrix accumulated image by image (so a large image weighs
by its pixels and nothing is held in memory). Part metrics treat a part as defective when its
mask has any defect pixel: detection recall, escapes (defective parts passed as good) and the
false-reject rate (good parts flagged).

Classes are channel indices: 0 background, i = the i-th defect class by value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np


def _ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


class PixelCounts:
    """Confusion matrix over pixels: rows = truth, columns = prediction."""

    def __init__(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.matrix = np.zeros((num_classes, num_classes), np.int64)

    def add(self, truth: np.ndarray, pred: np.ndarray) -> None:
        if truth.shape != pred.shape:
            raise ValueError(f"truth {truth.shape} and prediction {pred.shape} differ in shape")
        k = self.num_classes
        t = truth.ravel().astype(np.int64)
        p = pred.ravel().astype(np.int64)
        if t.size and (t.max() >= k or p.max() >= k or t.min() < 0 or p.min() < 0):
            raise ValueError(f"class index outside 0..{k - 1}")
        self.matrix += np.bincount(t * k + p, minlength=k * k).reshape(k, k)

    @property
    def tp(self) -> np.ndarray:
        return np.diag(self.matrix)

    @property
    def fp(self) -> np.ndarray:
        return self.matrix.sum(0) - self.tp

    @property
    def fn(self) -> np.ndarray:
        return self.matrix.sum(1) - self.tp

    def iou(self) -> np.ndarray:
        """Per class; nan where the class is in neither truth nor prediction."""
        return _ratio(self.tp, self.tp + self.fp + self.fn)

    def dice(self) -> np.ndarray:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def precision(self) -> np.ndarray:
        return _ratio(self.tp, self.tp + self.fp)

    def recall(self) -> np.ndarray:
        return _ratio(self.tp, self.tp + self.fn)

    def mean_iou(self) -> float:
        """Mean IoU over defect classes that occur; 1.0 when none occurs in truth or prediction
        (nothing to find and nothing found). Background is left out: it would dominate."""
        iou = self.iou()[1:]
        iou = iou[~np.isnan(iou)]
        return float(iou.mean()) if iou.size else 1.0

    def defect_precision_recall(self) -> tuple[float, float]:
        """Any defect versus background, ignoring which class: (precision, recall)."""
        m = self.matrix
        tp = m[1:, 1:].sum()
        return float(_ratio(tp, m[:, 1:].sum())), float(_ratio(tp, m[1:, :].sum()))


def is_defective(mask: np.ndarray, min_pixels: int = 1) -> bool:
    """A part is defective when its mask (values or indices, 0 = background) has defect pixels."""
    return int(np.count_nonzero(mask)) >= min_pixels


# A prediction flags a part when it holds a defect of at least this many pixels (8-connected):
# a few stray pixels are no verdict, and validation should not call a model useless for them.
PART_MIN_COMPONENT = 20


def largest_component(binary: np.ndarray) -> int:
    """Area in px of the largest 8-connected component of a mask (nonzero = defect; 0: none)."""
    if not binary.any():
        return 0
    n, _, stats, _ = cv2.connectedComponentsWithStats((binary != 0).astype(np.uint8),
                                                      connectivity=8)
    return int(stats[1:, cv2.CC_STAT_AREA].max()) if n > 1 else 0


def is_flagged(pred: np.ndarray, min_component: int = PART_MIN_COMPONENT) -> bool:
    """Whether a predicted mask (values or indices) flags its part as defective."""
    return largest_component(pred) >= min_component


class PartCounts:
    """Part-level outcomes of inspection."""

    def __init__(self) -> None:
        self.caught = 0  # defective, flagged
        self.escapes = 0  # defective, passed as good: the costly error
        self.false_rejects = 0  # good, flagged
        self.passed = 0  # good, passed

    def add(self, truth_defective: bool, pred_defective: bool) -> None:
        if truth_defective:
            if pred_defective:
                self.caught += 1
            else:
                self.escapes += 1
        elif pred_defective:
            self.false_rejects += 1
        else:
            self.passed += 1

    @property
    def parts(self) -> int:
        return self.caught + self.escapes + self.false_rejects + self.passed

    def detection_recall(self) -> float:
        """Share of defective parts flagged; nan without defective parts."""
        return float(_ratio(self.caught, self.caught + self.escapes))

    def escape_rate(self) -> float:
        return float(_ratio(self.escapes, self.caught + self.escapes))

    def false_reject_rate(self) -> float:
        """Share of good parts flagged; nan without good parts."""
        return float(_ratio(self.false_rejects, self.false_rejects + self.passed))


def _clean(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def summarize(
    pixels: PixelCounts, parts: PartCounts, class_values: Sequence[int]
) -> dict[str, Any]:
    """JSON-ready summary; per-class entries keyed by class value (as str), nan as None."""
    names = [str(v) for v in class_values]
    per = {
        "iou": pixels.iou()[1:],
        "dice": pixels.dice()[1:],
        "precision": pixels.precision()[1:],
        "recall": pixels.recall()[1:],
    }
    precision, recall = pixels.defect_precision_recall()
    return {
        "miou": _clean(pixels.mean_iou()),
        **{k: dict(zip(names, map(_clean, v), strict=True)) for k, v in per.items()},
        "pixel_precision": _clean(precision),
        "pixel_recall": _clean(recall),
        "parts": parts.parts,
        "detection_recall": _clean(parts.detection_recall()),
        "escapes": parts.escapes,
        "good_parts": parts.false_rejects + parts.passed,
        "false_reject_rate": _clean(parts.false_reject_rate()),
    }
