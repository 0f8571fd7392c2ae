"""The live model: a pixel classifier retrained in about a second from the project's masks.

    live = LiveTrainer(project)
    result = live.train(current=(image_id, mask))    # the shown image's mask as painted now
    probs = live.predict(result.classifier, image_id)   # uint8 (C, H, W) of that image
    row = save_live_model(project, result)           # a registered model like any other

Training pixels come from the images marked labeled or in progress (and the shown one, as
painted now): their defect pixels, and background (app.core.pixel_classifier says which).
Features are computed once per image and kept (FeatureCache, bounded in bytes); the pixels
sampled from an image are kept until its mask changes (crc32), so a retrain after a stroke
recomputes only the shown image's sample. Not thread-safe: one worker owns a LiveTrainer.
"""

from __future__ import annotations

import datetime as _dt
import time
import zlib
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from app.core.imageio import load_image
from app.core.pixel_classifier import (
    PixelClassifier,
    TrainingRows,
    balanced,
    training_rows,
    upsample,
)
from app.core.pixel_features import FeatureCache, FilterBank

from .context import JobContext

TRAIN_STATUSES = ("labeled", "in_progress")


class NothingToLearn(ValueError):
    """No defect pixels (or no background) yet: says what to paint."""


@dataclass
class LiveResult:
    classifier: PixelClassifier
    pixels: int  # training pixels used
    images: int  # images they came from
    seconds: float
    class_counts: dict[int, int] = field(default_factory=dict)  # class value -> pixels


class LiveTrainer:
    def __init__(self, project, bank: FilterBank | None = None, *, hidden: int = 16,
                 cache_bytes: int = 512 << 20):
        self.project = project
        self.bank = bank or FilterBank()
        self.hidden = hidden
        self.features = FeatureCache(cache_bytes)
        self._rows: dict[int, tuple[tuple, TrainingRows]] = {}  # image id -> (key, rows)
        self._max_pixels = int(project.settings.get("max_image_pixels"))

    def features_of(self, image_id: int) -> np.ndarray:
        def compute():
            row = self.project.images.get(image_id)
            return self.bank.compute(load_image(self.project.images.abspath(row),
                                                self._max_pixels))

        return self.features.get(image_id, compute)

    def kept(self, image_id: int, key: tuple, complete: bool) -> bool:
        cached = self._rows.get(image_id)
        return cached is not None and cached[0] == (*key, complete)

    def rows_of(self, image_id: int, key: tuple, mask, complete: bool) -> TrainingRows:
        """The image's sampled pixels, kept while ``key`` (what identifies its mask) holds;
        ``mask``: the mask, or a function that reads it (called only when not kept)."""
        if self.kept(image_id, key, complete):
            return self._rows[image_id][1]
        key = (*key, complete)
        mask = mask() if callable(mask) else mask
        rng = np.random.default_rng([image_id, zlib.crc32(mask)])  # same mask, same sample
        rows = training_rows(self.features_of(image_id), mask, complete=complete, rng=rng)
        self._rows[image_id] = (key, rows)
        return rows

    def _stored_mask(self, row) -> np.ndarray:
        mask = self.project.masks.load(row.id)
        return np.zeros((row.height, row.width), np.uint8) if mask is None else mask

    def train(self, current: tuple[int, np.ndarray] | None = None,
              ctx: JobContext | None = None) -> LiveResult:
        """Fit on every labeled / in-progress image; ``current`` (image id, mask) stands for
        that image's stored mask (it counts as in progress unless marked labeled)."""
        ctx = ctx or JobContext()
        started = time.perf_counter()
        images = {r.id: r for r in self.project.images.list() if r.status in TRAIN_STATUSES}
        if current is not None and current[0] not in images:
            images[current[0]] = self.project.images.get(current[0])
        revisions = self.project.masks.current_revisions()
        rows = []
        for i, (image_id, row) in enumerate(sorted(images.items())):
            ctx.check()
            complete = row.status == "labeled"
            if current is not None and image_id == current[0]:
                key, mask = ("painted", zlib.crc32(current[1]), current[1].shape), current[1]  # type: ignore[arg-type]  # an ndarray is a buffer
            else:
                key, mask = ("stored", revisions.get(image_id)), partial(self._stored_mask, row)  # type: ignore[assignment]  # key and mask (array or loader) differ by source
            if not self.kept(image_id, key, complete) and image_id not in self.features:
                # only what is slow is reported: the first training computes every image's
                ctx.progress(i, len(images), f"live model: features of {row.name}")
            rows.append(self.rows_of(image_id, key, mask, complete))
        for image_id in set(self._rows) - set(images):  # unmarked since: forget
            del self._rows[image_id]
        known = {c.value for c in self.project.classes.list()}
        present = set().union(*(r.values() for r in rows)) if rows else set()
        values = sorted(present & known)
        if not values:
            raise NothingToLearn("live model: paint a defect first")
        if 0 not in present:
            raise NothingToLearn("live model: no background to learn from (paint less, or "
                                 "mark a defect-free image labeled)")
        ctx.check()
        data = balanced(rows, values, np.random.default_rng(0))
        clf = PixelClassifier.fit(self.bank, values, data, hidden=self.hidden)
        counts = np.bincount(data.labels, minlength=len(values) + 1)
        return LiveResult(clf, len(data), len(rows), time.perf_counter() - started,
                          {v: int(counts[i + 1]) for i, v in enumerate(values)})

    def predict(self, classifier: PixelClassifier, image_id: int) -> np.ndarray:
        """uint8 (C, H, W) probabilities of a project image (features from the cache)."""
        row = self.project.images.get(image_id)
        small = classifier.predict_small(self.features_of(image_id))
        return upsample(small, row.height, row.width)


def save_live_model(project, result: LiveResult, name: str | None = None,
                    metrics: dict | None = None):
    """Write the classifier as a checkpoint beside the project and register it; the row.
    `metrics`: validation figures to keep with it (app.core.metrics.summarize), if any."""
    from app.ml.checkpoint import ClassInfo
    from app.ml.pixel_model import save_pixel_classifier

    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = project.models.free_name(name or f"pixel-{stamp}")
    classes = [ClassInfo(c.value, c.name, c.color) for c in project.classes.list()]
    metrics = {"kind": "pixel classifier", "train_pixels": result.pixels,
               "train_images": result.images, "fit_seconds": round(result.seconds, 3),
               "class_pixels": {str(k): v for k, v in result.class_counts.items()},
               **(metrics or {})}
    folder = project.models.folder / name
    config = save_pixel_classifier(folder, result.classifier, classes, metrics)
    return project.models.register(name, folder, config.to_dict(), metrics,
                                   config.weights_sha256, result.images)
