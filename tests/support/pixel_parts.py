"""Synthetic parts with a drawn line defect, and IoU, for the pixel classifier tests."""

from __future__ import annotations

import cv2
import numpy as np


def line_part(seed: int, shape=(96, 128)) -> tuple[np.ndarray, np.ndarray]:
    """A noisy gray part with one bright 3-px line (the defect) and its mask (value 3)."""
    rng = np.random.default_rng(seed)
    img = rng.normal(100, 15, shape).clip(0, 255).astype(np.uint8)
    mask = np.zeros(shape, np.uint8)
    y0, y1 = (int(v) for v in rng.integers(15, shape[0] - 15, 2))
    cv2.line(mask, (8, y0), (shape[1] - 8, y1), 3, 3)
    img[mask > 0] = np.clip(img[mask > 0].astype(int) + 60, 0, 255)
    return img, mask


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    return float((pred & truth).sum() / max((pred | truth).sum(), 1))

