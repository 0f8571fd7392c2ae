"""Image and mask -> network input, shared by training and inference (numpy + OpenCV only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import cv2
import numpy as np

from app.ml.spec import Normalization


def to_unit_float(image: np.ndarray) -> np.ndarray:
    """Scale by pixel type: uint8 /255, uint16 /65535; floats are taken as already 0..1."""
    if image.dtype == np.uint8:
        return image.astype(np.float32) * np.float32(1 / 255)
    if image.dtype == np.uint16:
        return image.astype(np.float32) * np.float32(1 / 65535)
    if image.dtype.kind == "f":
        return image.astype(np.float32, copy=False)
    raise ValueError(f"unsupported image type {image.dtype} (expected uint8 or uint16)")


def match_channels(image: np.ndarray, in_channels: int) -> np.ndarray:
    """(H, W) or (H, W, 3) -> (H, W, in_channels); gray is repeated, RGB made gray by luma."""
    if image.ndim == 2:
        image = image[:, :, None]
    have = image.shape[2]
    if have == in_channels:
        return image
    if have == 1 and in_channels == 3:
        return np.repeat(image, 3, axis=2)
    if have == 3 and in_channels == 1:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[:, :, None]
    if have == 4:
        return match_channels(image[:, :, :3], in_channels)
    raise ValueError(f"cannot feed a {have}-channel image to a {in_channels}-channel model")


def normalize(image: np.ndarray, in_channels: int, norm: Normalization) -> np.ndarray:
    """Raw image (H, W[, 3]) -> float32 (in_channels, H, W) network input."""
    x = to_unit_float(match_channels(image, in_channels))
    mean, std = norm.for_channels(in_channels)
    x = (x - np.asarray(mean, np.float32)) * (1 / np.asarray(std, np.float32))
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def mask_to_index(mask: np.ndarray, class_values: Sequence[int]) -> np.ndarray:
    """Label mask of class values -> channel indices (0 background, i+1 = class_values[i]).
    Values of unknown (e.g. deleted) classes become background."""
    lut = np.zeros(256, np.uint8)
    for i, v in enumerate(class_values):
        lut[int(v)] = i + 1
    return lut[mask]


def compute_normalization(images: Iterable[np.ndarray], in_channels: int) -> Normalization:
    """Per-channel mean/std of the scaled images (the whole of each image counts equally)."""
    n = 0
    s = np.zeros(in_channels, np.float64)
    s2 = np.zeros(in_channels, np.float64)
    for image in images:
        x = to_unit_float(match_channels(image, in_channels)).reshape(-1, in_channels)
        x = x[:: max(1, len(x) // 250_000)]  # a pixel sample bounds the cost on huge images
        n += len(x)
        s += x.sum(0, dtype=np.float64)
        s2 += np.square(x, dtype=np.float64).sum(0)
    if n == 0:
        return Normalization.imagenet(in_channels)
    mean = s / n
    std = np.sqrt(np.maximum(s2 / n - mean**2, 0.0))
    return Normalization(tuple(mean), tuple(np.maximum(std, 1e-3)))
