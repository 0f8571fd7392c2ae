"""Synthetic part images with bright square defects, for tests, benches and demos."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.ml.data import Sample


def make_part(
    rng: np.random.Generator, size: tuple[int, int], class_values: Sequence[int], defects: int,
    rgb: bool,
) -> tuple[np.ndarray, np.ndarray]:
    h, w = size
    image = rng.normal(70, 8, (h, w)).clip(0, 255)
    mask = np.zeros((h, w), np.uint8)
    for _ in range(defects):
        value = int(rng.choice(class_values))
        side = int(rng.integers(max(3, min(h, w) // 8), max(4, min(h, w) // 4) + 1))
        y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        # Classes differ in brightness so a model can tell them apart.
        image[y : y + side, x : x + side] = (
            150 + 40 * class_values.index(value) + rng.normal(0, 5, (side, side)))
        mask[y : y + side, x : x + side] = value
    image = image.clip(0, 255).astype(np.uint8)
    if rgb:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image, mask


def synthetic_samples(
    n: int,
    size: int | tuple[int, int] = 48,
    class_values: Sequence[int] = (1,),
    seed: int = 0,
    good_every: int = 4,
    rgb: bool = False,
) -> list[Sample]:
    """n in-memory samples; every `good_every`-th part has no defect."""
    rng = np.random.default_rng(seed)
    hw = (size, size) if isinstance(size, int) else tuple(size)
    out = []
    for i in range(n):
        good = good_every > 0 and i % good_every == good_every - 1
        image, mask = make_part(rng, hw, list(class_values),  # type: ignore[arg-type]  # hw: (h, w)
                                0 if good else int(rng.integers(1, 3)), rgb)
        present = frozenset(int(v) for v in np.unique(mask) if v)
        out.append(
            Sample(
                image_loader=lambda im=image: im,  # type: ignore[misc]  # a default argument binds this part
                mask_loader=None if good else (lambda m=mask: m),  # type: ignore[misc]  # a default argument binds this part
                is_good=good,
                classes_present=present,
                key=f"synthetic-{i}",
                pixels=hw[0] * hw[1],
            )
        )
    return out
