"""The pixel classifier as a project model: a checkpoint folder like every other model's
(config.json + weights.safetensors), spec.architecture "PixelClassifier", spec.encoder
"filterbank", the filter bank's settings in config.extra. Loaded for prediction through
app.ml.inference.load_model_for_inference (its MODEL_KINDS entry), so pre-labels,
grading and inspection use it as they use a network.

    config = save_pixel_classifier(folder, clf, classes, metrics={...})
    predictor = load_model_for_inference(folder)       # -> PixelPredictor
    probs = predictor.predict(image)                   # uint8 (C, H, W)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.core.pixel_classifier import PixelClassifier
from app.core.pixel_features import FilterBank
from app.ml.checkpoint import CheckpointConfig, CheckpointError, ClassInfo, write_checkpoint
from app.ml.spec import ModelSpec, Normalization

ARCHITECTURE = "PixelClassifier"
ENCODER = "filterbank"


def pixel_spec(bank: FilterBank, num_classes: int) -> ModelSpec:
    return ModelSpec(ARCHITECTURE, ENCODER, None, bank.channels, num_classes + 1,
                     encoder_weights=None)


def pixel_config(clf: PixelClassifier, classes: list[ClassInfo],
                 metrics: dict[str, Any] | None = None) -> CheckpointConfig:
    by_value = {c.value: c for c in classes}
    infos = [by_value.get(v, ClassInfo(v, f"class {v}")) for v in clf.class_values]
    return CheckpointConfig(
        spec=pixel_spec(clf.bank, len(infos)),
        classes=infos,
        normalization=Normalization((0.0,), (1.0,)),  # the features are standardized inside
        metrics=dict(metrics or {}),
        extra={"filter_bank": clf.bank.to_dict(), "hidden": clf.hidden},
        notes=[f"Pixel classifier: {clf.bank.num_features} filter-bank features, "
               + (f"{clf.hidden} hidden units" if clf.hidden else "logistic regression")],
    )


def save_pixel_classifier(folder: str | Path, clf: PixelClassifier, classes: list[ClassInfo],
                          metrics: dict[str, Any] | None = None) -> CheckpointConfig:
    """Weights, then config, as every checkpoint (app.ml.checkpoint.write_checkpoint)."""
    from safetensors.numpy import save

    blob = save(clf.state(), metadata={"format": "np"})
    return write_checkpoint(folder, blob, pixel_config(clf, classes, metrics))


def classifier_from(config: CheckpointConfig, state: dict) -> PixelClassifier:
    """Rebuild from a loaded checkpoint (state: name -> torch tensor or numpy array)."""
    try:
        bank = FilterBank.from_dict(config.extra["filter_bank"])
        arrays = {k: np.asarray(v.numpy() if hasattr(v, "numpy") else v, np.float32)
                  for k, v in state.items()}
        return PixelClassifier.from_state(bank, config.class_values, arrays)
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"not a usable pixel classifier: {e}") from e


@dataclass
class PixelPredictor:
    """What load_model_for_inference gives for a pixel classifier: numpy on the CPU."""

    classifier: PixelClassifier
    config: CheckpointConfig

    def predict(self, image: np.ndarray, cancel: threading.Event | None = None,
                **_tiling) -> np.ndarray:
        """uint8 (C, H, W); tile / batch_size / device options of networks do not apply."""
        from app.ml.predictor import InferenceCancelled

        if cancel is not None and cancel.is_set():
            raise InferenceCancelled()
        return self.classifier.predict(image)


def load_predictor(config: CheckpointConfig, state: dict, device=None) -> PixelPredictor:
    return PixelPredictor(classifier_from(config, state), config)
