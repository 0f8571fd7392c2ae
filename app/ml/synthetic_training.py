"""Synthetic defects in training: good parts with labeled defect patches pasted on them.

TrainConfig.synthetic says when: "on" for every class, "off" never, "auto" (the default) only
for classes in fewer than FEW_EXAMPLES training images, which follows what was measured
(auto_rule says it in words; today that is never: see FEW_EXAMPLES). The
Trainer adds `synthetic_count` extra samples to the training draws (never to validation): each
is a good training part with one to three patches of one such class pasted on it
(app.core.synthetic_defects), the classes taking turns. Sample k is fixed by (seed, k): the same
seed gives the same images, whatever the order they are drawn in. Patches are cut from the
training images that hold the class (at most PATCH_IMAGES of them), read once, when the first
synthetic sample is drawn.

Importing this module does not import torch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from app.core.synthetic_defects import DefectPatch, extract_patches, paste_defects

if TYPE_CHECKING:
    from app.ml.data import Sample

MODES = ("auto", "on", "off")
# "auto": classes in fewer training images than this get synthetic defects; 0: none. Set from
# bench/bench_synthetic.py on magnetic-tile (docs/FIGURES.md, "Synthetic defects: the gain"):
# with 9 training images per class they made the model worse (binary IoU 0.094 -> 0.001), with 4
# neither run learned anything, so no case has shown a gain and auto adds none. Raise it only
# with a measurement that shows one.
FEW_EXAMPLES = 0
MEASURED = "on magnetic-tile, with 4 and 9 labeled images per class, they did not help"
PATCH_IMAGES = 50  # images per class that patches are cut from
MIN_SAMPLES, MAX_SAMPLES = 16, 256  # synthetic samples per run: 2 per real example, in these bounds


def auto_rule() -> str:
    """What "auto" does, in a line, for the Train workspace's tooltip and the docs."""
    if FEW_EXAMPLES <= 0:
        return f"Auto adds none: {MEASURED} (docs/FIGURES.md)"
    return (f"Auto adds them only for a class in fewer than {FEW_EXAMPLES} labeled images "
            f"({MEASURED} at more)")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"synthetic defects must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def examples_per_class(samples: Sequence[Sample], class_values: Sequence[int]) -> dict[int, int]:
    """Training images that contain each class."""
    return {v: sum(v in s.classes_present for s in samples) for v in class_values}


def synthetic_classes(
    samples: Sequence[Sample], class_values: Sequence[int], mode: str
) -> list[int]:
    """The classes that get synthetic defects: those with at least one example (and, for
    "auto", fewer than FEW_EXAMPLES), when there are good parts to paste them on."""
    check_mode(mode)
    if mode == "off" or not any(s.is_good for s in samples):
        return []
    counts = examples_per_class(samples, class_values)
    return [v for v, n in counts.items() if n > 0 and (mode == "on" or n < FEW_EXAMPLES)]


def synthetic_count(samples: Sequence[Sample], class_values: Sequence[int], mode: str) -> int:
    """How many synthetic samples a run adds: twice the real images of those classes, within
    MIN_SAMPLES..MAX_SAMPLES and at most four per good part. 0 when none."""
    classes = synthetic_classes(samples, class_values, mode)
    if not classes:
        return 0
    real = sum(1 for s in samples if s.classes_present & set(classes))
    good = sum(s.is_good for s in samples)
    return int(min(max(2 * real, MIN_SAMPLES), MAX_SAMPLES, 4 * good))


class PatchPool:
    """Defect patches per class, cut from the samples on first use (thread-safe)."""

    def __init__(self, samples: Sequence[Sample], classes: Sequence[int]) -> None:
        self.samples, self.classes = list(samples), list(classes)
        self._patches: dict[int, list[DefectPatch]] | None = None
        self._lock = threading.Lock()

    def patches(self, value: int) -> list[DefectPatch]:
        with self._lock:
            if self._patches is None:
                self._patches = self._cut()
            return self._patches.get(value, [])

    def _cut(self) -> dict[int, list[DefectPatch]]:
        out: dict[int, list[DefectPatch]] = {v: [] for v in self.classes}
        for value in self.classes:
            holders = [s for s in self.samples if value in s.classes_present][:PATCH_IMAGES]
            for s in holders:
                image, mask = s.load()
                out[value] += extract_patches(image, mask, [value], source=s.key)
        return out


class SyntheticPart:
    """Synthetic sample k: a good part with patches of one class pasted, fixed by (seed, k).

    The image and mask loaders of a Sample are called one after the other; the mask made with
    the image is kept for the mask loader's call, and made again if anything came in between."""

    def __init__(self, good: Sample, pool: PatchPool, value: int, seed: int, k: int,
                 region: Callable[[tuple[int, int]], np.ndarray] | None = None) -> None:
        self.good, self.pool, self.value, self.seed, self.k = good, pool, value, seed, k
        self.region = region
        self._mask: np.ndarray | None = None
        self._lock = threading.Lock()

    def make(self) -> tuple[np.ndarray, np.ndarray]:
        image, mask = self.good.load()
        rng = np.random.default_rng([self.seed, 7919, self.k])
        region = self.region(mask.shape) if self.region is not None else None
        count = int(rng.integers(1, 4))
        image, mask, _ = paste_defects(image, mask, self.pool.patches(self.value), rng, count,
                                       region=region)
        return image, mask

    def image(self) -> np.ndarray:
        image, mask = self.make()
        with self._lock:
            self._mask = mask
        return image

    def mask(self) -> np.ndarray:
        with self._lock:
            mask, self._mask = self._mask, None
        return mask if mask is not None else self.make()[1]


def make_synthetic(samples: Sequence[Sample], class_values: Sequence[int], mode: str,
                   seed: int = 0, count: int | None = None,
                   region: Callable[[tuple[int, int]], np.ndarray] | None = None) -> list[Sample]:
    """The synthetic samples for a run (synthetic_count of them unless `count` is given); the
    good parts are used in a seeded random order, over again when there are fewer of them."""
    from app.ml.data import Sample

    classes = synthetic_classes(samples, class_values, mode)
    n = synthetic_count(samples, class_values, mode) if count is None else count
    if not classes or n <= 0:
        return []
    goods = [s for s in samples if s.is_good]
    order = np.random.default_rng([seed, 104729]).permutation(len(goods))
    pool = PatchPool(samples, classes)
    out = []
    for k in range(n):
        good = goods[int(order[k % len(goods)])]
        value = classes[k % len(classes)]
        part = SyntheticPart(good, pool, value, seed, k, region)
        out.append(Sample(part.image, part.mask, is_good=False, classes_present=frozenset({value}),
                          key=f"synthetic {k} on {good.key}", pixels=good.pixels))
    return out


def synthetic_note(samples: Sequence[Sample], class_values: Sequence[int], mode: str,
                   added: int, names: dict[int, str] | None = None) -> str:
    """One line for the training log: what was added and why (empty when nothing was)."""
    if not added:
        return ""
    counts = examples_per_class(samples, class_values)
    names = names or {}
    which = ", ".join(f"{names.get(v, v)} ({counts[v]} image(s))"
                      for v in synthetic_classes(samples, class_values, mode))
    why = f"auto: classes in fewer than {FEW_EXAMPLES} images" if mode == "auto" else mode
    return f"Synthetic defects ({why}): {added} good parts with pasted defects of {which}"
