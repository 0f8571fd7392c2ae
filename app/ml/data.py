"""Training samples and the torch Dataset of random training crops.

A Sample holds loaders, not pixels, so a project adapter can read images lazily (and cache them
as it sees fit); the dataset never keeps pixels between items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.utils.data import Dataset

from app.ml import augment as aug
from app.ml.preprocess import mask_to_index, normalize, to_unit_float
from app.ml.spec import Normalization
from app.ml.split import split_samples  # noqa: F401 - the split belongs with the samples


@dataclass(frozen=True)
class Sample:
    """One labelled part image. mask_loader None is allowed only for good parts (all background)."""

    image_loader: Callable[[], np.ndarray]
    mask_loader: Callable[[], np.ndarray] | None
    is_good: bool = False
    classes_present: frozenset[int] = field(default_factory=frozenset)  # class values in the mask
    key: str = ""  # the caller's id, for error messages
    pixels: int = 0  # image height x width when known (sizes an epoch: auto_crops)

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes_present", frozenset(int(v) for v in self.classes_present))
        if self.mask_loader is None and not self.is_good:
            raise ValueError(f"sample {self.key or '?'} has no mask and is not marked good")

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """(image, label mask of class values); a good part without mask gets an empty mask."""
        image = self.image_loader()
        mask = self.mask_loader() if self.mask_loader is not None else None
        if mask is None:
            mask = np.zeros(image.shape[:2], np.uint8)
        if mask.shape != image.shape[:2] or mask.dtype != np.uint8:
            raise ValueError(
                f"sample {self.key or '?'}: mask {mask.dtype}{mask.shape} "
                f"does not fit image {image.shape[:2]}"
            )
        return image, mask


class TrainDataset(Dataset):
    """Random tile crops with augmentation; item i of epoch e is fixed by (seed, e, i).

    Items are (x float32 (in_channels, tile, tile), y int64 (tile, tile) of channel indices).
    """

    def __init__(
        self,
        samples: Sequence[Sample],
        class_values: Sequence[int],
        tile: int,
        in_channels: int,
        norm: Normalization,
        augment: aug.AugmentConfig | None = None,
        crops_per_image: int = 1,
        seed: int = 0,
    ) -> None:
        if not samples:
            raise ValueError("no training samples")
        self.samples = list(samples)
        self.class_values = list(class_values)
        self.tile, self.in_channels, self.norm = tile, in_channels, norm
        self.augment = augment if augment is not None else aug.AugmentConfig()
        self.crops_per_image = max(1, int(crops_per_image))
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.samples) * self.crops_per_image

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.epoch, i])
        image, mask = self.samples[i % len(self.samples)].load()
        image, mask = aug.random_crop(image, mask, self.tile, rng, self.augment)
        image, mask = aug.geometric(image, mask, rng, self.augment)
        x = aug.photometric(to_unit_float(image), rng, self.augment)
        x = normalize(x, self.in_channels, self.norm)
        y = mask_to_index(mask, self.class_values).astype(np.int64)
        return torch.from_numpy(x), torch.from_numpy(y)


def auto_crops(samples: Sequence[Sample], tile: int, cap: int = 16) -> int:
    """Crops per image per epoch so that an epoch covers about each image's area once (the
    median image's): one crop of a 20 MP image would show the model 0.3 % of it per epoch, and
    a few large parts would make epochs of a handful of steps. 1 when sizes are unknown."""
    sizes = sorted(s.pixels for s in samples if s.pixels > 0)
    if not sizes:
        return 1
    return int(min(cap, max(1, round(sizes[len(sizes) // 2] / (tile * tile)))))


def defect_weights(samples: Sequence[Sample], share: float) -> list[float] | None:
    """Per-sample draw weights that make parts with defects `share` of an epoch's draws, when
    they are fewer than that (good parts dominate most production sets: the model would see
    too few defects to learn them). None when no reweighting is needed or possible."""
    defective = [bool(s.classes_present) and not s.is_good for s in samples]
    n_def = sum(defective)
    n = len(defective)
    if share <= 0 or n_def == 0 or n_def == n or n_def / n >= share:
        return None
    w_def, w_good = share / n_def, (1 - share) / (n - n_def)
    return [w_def if d else w_good for d in defective]


def sample_images(
    samples: Iterable[Sample], limit: int = 32, seed: int = 0
) -> Iterable[np.ndarray]:
    """Up to `limit` images spread over the list, to estimate normalization cheaply."""
    samples = list(samples)
    rng = np.random.default_rng(seed)
    picks = rng.permutation(len(samples))[:limit]
    for i in sorted(picks):
        yield samples[i].image_loader()
