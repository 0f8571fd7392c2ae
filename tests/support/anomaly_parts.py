"""Textured good parts and pasted blowholes for the good-parts-only model's tests."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np

from app.store import NewImage

SIZE = 160


def good_part(seed: int, size: int = SIZE) -> np.ndarray:
    """A textured gray part: fine stripes, a slow shading and sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size].astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi)
    img = 120 + 25 * np.sin(x * 0.8 + phase) + 0.2 * (y - size / 2) * rng.uniform(-1, 1)
    img += rng.normal(0, 4, img.shape)
    return img.clip(0, 255).astype(np.uint8)


def with_defect(
    img: np.ndarray, y: int = 40, x: int = 44, r: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """A dark blowhole pasted on a part: (image, its mask)."""
    out = img.copy()
    mask = np.zeros(img.shape, np.uint8)
    cv2.circle(mask, (x, y), r, 1, -1)
    out[mask > 0] = 20
    return out, mask


def add_images(project, folder, images, good: bool) -> list[int]:
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    start = len(project.images.list())
    for i, img in enumerate(images):
        path = folder / f"part_{start + i}.png"
        cv2.imwrite(str(path), img)
        data = path.read_bytes()
        items.append(NewImage(str(path), hashlib.sha256(data).hexdigest(), len(data),
                              img.shape[1], img.shape[0], 8, 1, is_good=good))
    project.images.add_many(items)
    return [r.id for r in sorted(project.images.list(), key=lambda r: r.id)][-len(images):]
