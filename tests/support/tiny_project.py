"""A tiny labeled project (parts with drawn defects) to train on in seconds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

from app.store import NewImage, Project


def make_part(rng: np.random.Generator, size: int, defect: bool) -> tuple[np.ndarray, np.ndarray]:
    """A gray part with a bright square defect (value 1 in the mask) or none."""
    image = rng.normal(70, 6, (size, size))
    mask = np.zeros((size, size), np.uint8)
    if defect:
        side = int(rng.integers(size // 6, size // 3))
        y, x = (int(v) for v in rng.integers(0, size - side, 2))
        image[y:y + side, x:x + side] = 190
        mask[y:y + side, x:x + side] = 1
    return image.clip(0, 255).astype(np.uint8), mask


def make_tiny_project(folder: Path, n: int = 8, size: int = 48, unlabeled: int = 2,
                      seed: int = 0) -> Path:
    """n labeled parts (every fourth good) + `unlabeled` unlabeled ones, one class "spot"."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    path = folder / "tiny.dsproj"
    with Project.create(path) as p:
        spot = p.classes.add("spot", "#ff0000")
        items, masks = [], []
        for i in range(n + unlabeled):
            image, mask = make_part(rng, size, defect=i % 4 != 3)
            file = folder / "images" / f"part_{i:02d}.png"
            file.parent.mkdir(exist_ok=True)
            cv2.imwrite(str(file), image)
            data = file.read_bytes()
            items.append(NewImage(str(file), hashlib.sha256(data).hexdigest(), len(data), size,
                                  size, 8, 1, is_good=i < n and i % 4 == 3))
            masks.append(mask * spot.value)
        ids = p.images.add_many(items).added
        for image_id, mask in zip(ids[:n], masks[:n], strict=True):
            p.masks.save(image_id, mask, source="import")
        p.images.set_status(ids[:n], "labeled")
    return path



# A tiny U-Net for CLI training tests (`train --spec`): seconds per epoch on 48 px parts.
TINY_SPEC = {"architecture": "Unet", "encoder": "resnet18", "decoder_channels": [16, 8, 8, 8, 8],
             "tile_size": 32, "encoder_weights": None}
