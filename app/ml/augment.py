"""Training crops and augmentations, numpy + OpenCV. Every function takes its numpy Generator,
so a (seed, epoch, index) triple fixes the result whatever the worker or resume point."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class AugmentConfig:
    defect_crop_p: float = 0.6  # chance a crop is centred near a defect pixel (when there is one)
    flips: bool = True
    rot90: bool = True  # parts are imaged at any orientation on most lines
    brightness: float = 0.1  # added offset in [-b, b] on the 0..1 scale
    contrast: float = 0.2  # gain in [1 - c, 1 + c] around the crop mean
    scale: float = 0.1  # zoom in [1 - s, 1 + s]; 0 disables

    @classmethod
    def none(cls) -> AugmentConfig:
        return cls(0.0, False, False, 0.0, 0.0, 0.0)


def window(arr: np.ndarray, y0: int, x0: int, h: int, w: int | None = None) -> np.ndarray:
    """arr[y0:y0+h, x0:x0+w] with zeros wherever the window leaves the array."""
    w = h if w is None else w
    H, W = arr.shape[:2]
    if 0 <= y0 and 0 <= x0 and y0 + h <= H and x0 + w <= W:
        return arr[y0 : y0 + h, x0 : x0 + w]
    out = np.zeros((h, w) + arr.shape[2:], arr.dtype)
    ya, yb = max(y0, 0), min(y0 + h, H)
    xa, xb = max(x0, 0), min(x0 + w, W)
    if ya < yb and xa < xb:
        out[ya - y0 : yb - y0, xa - x0 : xb - x0] = arr[ya:yb, xa:xb]
    return out


def _start(rng: np.random.Generator, length: int, size: int, centre: int | None) -> int:
    if length <= size:  # smaller than the window: place it at a random offset inside
        return -int(rng.integers(0, size - length + 1))
    if centre is None:
        return int(rng.integers(0, length - size + 1))
    return int(np.clip(centre - size // 2, 0, length - size))


def random_crop(
    image: np.ndarray, mask: np.ndarray, tile: int, rng: np.random.Generator, cfg: AugmentConfig
) -> tuple[np.ndarray, np.ndarray]:
    """A tile x tile crop (raw dtype), zoomed by up to cfg.scale, over-sampling defects."""
    zoom = 1.0 + rng.uniform(-cfg.scale, cfg.scale) if cfg.scale > 0 else 1.0
    size = max(8, int(round(tile / zoom)))
    cy = cx = None
    if cfg.defect_crop_p > 0 and rng.random() < cfg.defect_crop_p:
        defects = np.flatnonzero(mask)
        if defects.size:
            cy, cx = divmod(int(defects[rng.integers(defects.size)]), mask.shape[1])
            jitter = size // 4  # keep the defect off-centre too, so position is not a cue
            cy += int(rng.integers(-jitter, jitter + 1))
            cx += int(rng.integers(-jitter, jitter + 1))
    y0 = _start(rng, image.shape[0], size, cy)
    x0 = _start(rng, image.shape[1], size, cx)
    img, msk = window(image, y0, x0, size), window(mask, y0, x0, size)
    if size != tile:
        img = cv2.resize(img, (tile, tile), interpolation=cv2.INTER_LINEAR)
        msk = cv2.resize(msk, (tile, tile), interpolation=cv2.INTER_NEAREST)
    return img, msk


def geometric(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig):
    """Random flips and quarter turns, the same for image (H, W[, C]) and mask (H, W)."""
    if cfg.flips and rng.random() < 0.5:
        image, mask = image[:, ::-1], mask[:, ::-1]
    if cfg.flips and rng.random() < 0.5:
        image, mask = image[::-1], mask[::-1]
    if cfg.rot90:
        k = int(rng.integers(4))
        if k:
            image, mask = np.rot90(image, k, axes=(0, 1)), np.rot90(mask, k, axes=(0, 1))
    return np.ascontiguousarray(image), np.ascontiguousarray(mask)


def photometric(x: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    """Brightness/contrast jitter on a 0..1 float image, clipped as a sensor would."""
    if cfg.contrast <= 0 and cfg.brightness <= 0:
        return x
    gain = 1.0 + rng.uniform(-cfg.contrast, cfg.contrast) if cfg.contrast > 0 else 1.0
    offset = rng.uniform(-cfg.brightness, cfg.brightness) if cfg.brightness > 0 else 0.0
    m = float(x.mean())
    return np.clip((x - m) * np.float32(gain) + np.float32(m + offset), 0.0, 1.0)
