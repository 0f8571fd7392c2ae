"""Project -> training data: the labelled images as Samples and their persisted train/val split.

Which images train: status "labeled" (good parts included; a labeled image without a mask counts
as all background), split not "test" (test images are held out of training and validation).
"in_progress" and "unlabeled" images stay out: a half-drawn mask would teach missed defects as
background.

The split is stratified by defect class (app.ml.split) and persisted with
`project.images.set_splits`; images already assigned keep their side, so validation scores
stay comparable as the data grows.

Pixels are read lazily through app.core.imageio.load_image and project.masks.load, and kept in a
byte-bounded cache shared by the samples (training reads every image once per epoch).

Importing this module does not import torch (the Train workspace builds its defaults from it);
building samples does.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from app.core.imageio import load_image
from app.ml.spec import ModelSpec, default_spec
from app.ml.split import TRAIN, VAL, split_samples

if TYPE_CHECKING:
    from app.ml.checkpoint import ClassInfo
    from app.ml.data import Sample
    from app.store import ImageRow

DEFAULT_CACHE_BYTES = 512 * 1024 * 1024
NO_LABELS = "No labeled images yet: label a few parts (or mark good ones), then Train"
NO_CLASSES = "The project has no defect classes yet: add one and label a few parts, then Train"


class DataError(ValueError):
    """The project holds nothing to train on; the message is meant for the user."""


class PixelCache:
    """A thread-safe LRU of decoded arrays, bounded in bytes. Arrays come back read-only, so a
    caller that would change them in place fails loudly instead of corrupting later epochs."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[object, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object, load: Callable[[], np.ndarray]) -> np.ndarray:
        with self._lock:
            arr = self._items.get(key)
            if arr is not None:
                self._items.move_to_end(key)
                return arr
        arr = load()  # outside the lock: decoding is the slow part
        arr.flags.writeable = False
        if arr.nbytes > self.max_bytes:
            return arr
        with self._lock:
            if key not in self._items:
                self._items[key] = arr
                self.bytes += arr.nbytes
            while self.bytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self.bytes -= old.nbytes
        return arr


@dataclass
class ProjectData:
    """What a training run needs from the project, plus what the model registry records."""

    train: list[Sample]
    val: list[Sample]
    classes: list[ClassInfo]
    train_ids: list[int]
    val_ids: list[int]
    good_train: int  # parts without defects among train
    fingerprint: str  # changes when images, masks, classes or the split change
    in_channels: int
    notes: list[str] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return 1 + len(self.classes)

    @property
    def class_values(self) -> list[int]:
        return [c.value for c in self.classes]


def training_rows(project) -> list[ImageRow]:
    """The images that train or validate: labeled, not held out as test."""
    return [r for r in project.images.list(status="labeled") if r.split != "test"]


def suggested_in_channels(rows) -> int:
    """1 when every image is gray (a third of the first layer's work), else 3."""
    return 1 if rows and all(r.channels == 1 for r in rows) else 3


def default_project_spec(project, device: str = "cpu") -> ModelSpec:
    """app.ml default_spec for `device`, sized to the project's classes and image channels."""
    classes = max(1, len(project.classes.list()))
    return default_spec(device, 1 + classes, suggested_in_channels(training_rows(project)))


def assign_splits(project, rows, class_sets, val_fraction: float = 0.2,
                  seed: int = 0) -> dict[int, str]:
    """image id -> "train"/"val" for `rows`; new assignments are persisted (unless read-only)."""
    fixed = [r.split for r in rows]
    sides = split_samples(class_sets, val_fraction, seed, fixed)
    assignment = {r.id: s for r, s in zip(rows, sides, strict=True)}
    changed = {r.id: s for r, s in zip(rows, sides, strict=True) if r.split != s}
    if changed and not project.readonly:
        project.images.set_splits(changed)
    return assignment


def data_fingerprint(rows, summary: dict, splits: dict[int, str], class_values) -> str:
    """sha256 over the image contents, their split and their masks' summaries (defect pixels and
    classes present per current mask), and the class values: cheap, no pixel is decoded."""
    h = hashlib.sha256()
    h.update(json.dumps(list(class_values)).encode())
    for r in sorted(rows, key=lambda r: r.id):
        pixels, present = summary.get(r.id, (0, ()))
        h.update(f"{r.id}:{r.sha256}:{splits.get(r.id)}:{pixels}:{list(present)}\n".encode())
    return h.hexdigest()


def build_project_data(project, val_fraction: float = 0.2, seed: int = 0,
                       cache: PixelCache | None = None) -> ProjectData:
    """Samples for every training image; raises DataError when there is nothing to train on."""
    from app.ml.checkpoint import ClassInfo
    from app.ml.data import Sample

    classes = [ClassInfo(c.value, c.name, c.color)
               for c in sorted(project.classes.list(), key=lambda c: c.value)]
    if not classes:
        raise DataError(NO_CLASSES)
    rows = training_rows(project)
    if not rows:
        raise DataError(NO_LABELS)
    known = {c.value for c in classes}
    summary = project.masks.defect_summary()
    class_sets = [frozenset(v for v in summary.get(r.id, (0, ()))[1] if v in known) for r in rows]
    splits = assign_splits(project, rows, class_sets, val_fraction, seed)
    cache = cache or PixelCache()
    max_pixels = int(project.settings.get("max_image_pixels"))

    def image_loader(row):
        path = project.images.abspath(row)
        return lambda: cache.get(("image", row.id), lambda: load_image(path, max_pixels))

    def mask_loader(row):
        def load():
            mask = project.masks.load(row.id)
            return np.zeros((row.height, row.width), np.uint8) if mask is None else mask
        return lambda: cache.get(("mask", row.id), load)

    data = ProjectData([], [], classes, [], [], 0, "", suggested_in_channels(rows))
    for row, present in zip(rows, class_sets, strict=True):
        good = not present
        has_mask = row.id in summary
        sample = Sample(image_loader(row), mask_loader(row) if has_mask else None,
                        is_good=good, classes_present=present, key=f"{row.id} {row.name}",
                        pixels=row.width * row.height)
        if splits[row.id] == VAL:
            data.val.append(sample)
            data.val_ids.append(row.id)
        else:
            data.train.append(sample)
            data.train_ids.append(row.id)
            data.good_train += good
    if not data.train:
        raise DataError(NO_LABELS)
    missing = known - {v for s in class_sets for v in s}
    if missing:
        names = ", ".join(c.name for c in classes if c.value in missing)
        data.notes.append(f"No labeled pixels yet for: {names} (the model will not learn them)")
    data.fingerprint = data_fingerprint(rows, summary, splits, data.class_values)
    return data


__all__ = [
    "DataError", "NO_CLASSES", "NO_LABELS", "PixelCache", "ProjectData", "TRAIN", "VAL",
    "assign_splits", "build_project_data", "data_fingerprint", "default_project_spec",
    "suggested_in_channels", "training_rows",
]
