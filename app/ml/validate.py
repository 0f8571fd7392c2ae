"""Validation on whole images, predicted the way the app will predict them (tiled)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch.nn as nn

from app.core.metrics import PartCounts, PixelCounts, is_defective, is_flagged, summarize
from app.ml.data import Sample
from app.ml.device import DeviceConfig
from app.ml.predictor import predict_image, probs_to_index
from app.ml.preprocess import mask_to_index
from app.ml.spec import ModelSpec, Normalization


def evaluate(
    model: nn.Module,
    samples: Sequence[Sample],
    spec: ModelSpec,
    norm: Normalization,
    class_values: Sequence[int],
    device: DeviceConfig | None = None,
    overlap: int | None = None,
    batch_size: int = 4,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """Pixel and part metrics (app.core.metrics.summarize) over `samples`; argmax decisions.

    Also "soft_dice": the Dice of the probabilities themselves, averaged over the classes with
    any labeled pixel or predicted probability. It still moves while argmax finds no defect pixel
    yet (mIoU stuck at 0), so the trainer uses it to break ties between checkpoints.
    """
    pixels, parts = PixelCounts(spec.num_classes), PartCounts()
    inter = np.zeros(len(class_values))
    total = np.zeros(len(class_values))
    for sample in samples:
        image, mask = sample.load()
        probs = predict_image(
            model, image, spec, norm, overlap=overlap, device=device, batch_size=batch_size,
            cancel=cancel,
        )
        pred = probs_to_index(probs)
        truth = mask_to_index(mask, class_values)
        pixels.add(truth, pred)
        parts.add(is_defective(truth), is_flagged(pred))
        for c in range(len(class_values)):
            hit = truth == c + 1
            count = int(np.count_nonzero(hit))
            inter[c] += float(probs[c][hit].sum(dtype=np.int64)) / 255.0
            total[c] += float(probs[c].sum(dtype=np.int64)) / 255.0 + count
    out = summarize(pixels, parts, class_values)
    seen = total > 0
    out["soft_dice"] = float(np.mean(2 * inter[seen] / total[seen])) if seen.any() else 0.0
    return out
