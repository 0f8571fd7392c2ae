"""A defect-segmentation model and a good-parts-only model that judge one part together.

    pair = load_model_pair(segmentation_dir, good_only_dir)
    probs = pair.predict(image)          # uint8 (C + 1, H, W): the model's channels, then the
    pair.config.class_values             # anomaly map; [..its class values.., anomaly value]

The pair predicts like one model (what app.jobs.inspection.PartInspector takes), and its
channels are stacked by app.core.grading.merge_channels, so grading stays one path: the anomaly
map is graded as the class "anomaly", with its own threshold, noise floor and rules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.grading import merge_channels
from app.ml.anomaly_model import KIND
from app.ml.checkpoint import ClassInfo
from app.ml.inference import checkpoint_kind, load_model_for_inference


@dataclass(frozen=True)
class PairConfig:
    """What a caller reads of a model's config: its classes, in channel order."""

    classes: tuple[ClassInfo, ...]

    @property
    def class_values(self) -> list[int]:
        return [c.value for c in self.classes]


class ModelPair:
    """`main` (any kind but good-parts-only) and `anomaly` (a good-parts-only model), loaded."""

    def __init__(self, main, anomaly):
        if getattr(anomaly.config, "kind", "") != KIND:
            raise ValueError("the second model of a pair must be a good-parts-only model")
        if getattr(main.config, "kind", "") == KIND:
            raise ValueError("pair a good-parts-only model with a defect-segmentation model, "
                             "not with another good-parts-only model")
        twice = set(main.config.class_values) & set(anomaly.config.class_values)
        if twice:
            raise ValueError(f"both models predict class value {min(twice)}: each class must "
                             "come from one model")
        self.main, self.anomaly = main, anomaly
        self.config = PairConfig((*main.config.classes, *anomaly.config.classes))

    @property
    def model(self):
        """The main model's network (app.jobs.inspection times its forward passes)."""
        return getattr(self.main, "model", None)

    @property
    def device(self):
        return getattr(self.main, "device", None)

    def predict(self, image: np.ndarray, cancel: threading.Event | None = None,
                batch_size: int = 4) -> np.ndarray:
        """uint8 (C + 1, H, W), channels as `config.class_values`. Raises InferenceCancelled,
        ValueError (an image a model cannot take)."""
        probs = self.main.predict(image, cancel=cancel, batch_size=batch_size)
        anomaly = self.anomaly.predict(image, cancel=cancel)
        merged, _values = merge_channels([(probs, self.main.config.class_values),
                                          (anomaly, self.anomaly.config.class_values)])
        return merged


def load_model_pair(main_dir: str | Path, anomaly_dir: str | Path, device=None, *,
                    backend: str | None = None,
                    log: Callable[[str], None] | None = None) -> ModelPair:
    """Both models through app.ml.inference.load_model_for_inference (the one entry point)."""
    if checkpoint_kind(anomaly_dir) != KIND:
        raise ValueError(f"{Path(anomaly_dir).name} is not a good-parts-only model")
    if checkpoint_kind(main_dir) == KIND:
        raise ValueError(f"{Path(main_dir).name} is a good-parts-only model: pair it with a "
                         "defect-segmentation model")
    main = load_model_for_inference(main_dir, device, backend=backend, log=log)
    return ModelPair(main, load_model_for_inference(anomaly_dir, device, log=log))
