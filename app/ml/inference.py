"""Loading a model to predict with: the one entry point, by model kind.

    model = load_model_for_inference(checkpoint_dir)      # the one entry point (app.ml.runtime
    probs = model.predict(image)                           # picks PyTorch or ONNX Runtime)

Networks are run by app.ml.predictor (whole image or tiles planned by a memory budget); its
public names are re-exported here for callers that predict with a loaded network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from app.ml import anomaly_model, pixel_model
from app.ml.checkpoint import CONFIG_NAME, CheckpointError, build_model, load_checkpoint
from app.ml.device import DeviceConfig, pick_device
from app.ml.predictor import (  # noqa: F401 - re-exported for the callers of this module
    DEFAULT_MEMORY_BUDGET,
    InferenceCancelled,
    InferenceModel,
    activation_bytes_per_pixel,
    plan_tiles,
    predict_image,
    probs_to_index,
    ramp,
    tile_starts,
)


def _load_segmentation(checkpoint_dir: Path, device: str | DeviceConfig | None, backend: str | None,
                       log: Callable[[str], None] | None) -> InferenceModel:
    from app.ml.runtime import prepare

    config, state = load_checkpoint(checkpoint_dir)
    dev = device if isinstance(device, DeviceConfig) else pick_device(device)
    run = prepare(build_model(config, state).eval(), config, checkpoint_dir, dev, backend, log)
    return InferenceModel(run.net, config, run.device, run.backend, run.note)


def _load_pixel_classifier(checkpoint_dir: Path, device, backend, log):
    config, state = load_checkpoint(checkpoint_dir)
    return pixel_model.load_predictor(config, state, device)


def _load_anomaly(checkpoint_dir: Path, device, backend, log):
    config, state = load_checkpoint(checkpoint_dir)
    return anomaly_model.load_predictor(config, state, device)


# Loaders by model kind (config.json "kind"; else the pixel classifier by its architecture;
# else "segmentation"). A loader takes (checkpoint folder, device, backend, log) and returns an
# object with .predict(image, cancel=None, batch_size=4) -> uint8 (C, H, W) and
# .config.class_values, like InferenceModel.
MODEL_KINDS: dict[str, Callable[..., InferenceModel]] = {
    "segmentation": _load_segmentation,
    pixel_model.ARCHITECTURE: _load_pixel_classifier,
    anomaly_model.KIND: _load_anomaly,
}


def checkpoint_kind(checkpoint_dir: str | Path) -> str:
    """The "kind" named in a checkpoint's config.json ("segmentation" when absent or unreadable:
    the loader then reports what is wrong)."""
    path = Path(checkpoint_dir)
    path = path if path.name == CONFIG_NAME else path / CONFIG_NAME
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("kind"):
            return str(doc["kind"])  # named: an unknown kind is refused, never guessed
        architecture = (doc.get("spec") or {}).get("architecture")
    except (OSError, ValueError, AttributeError, RecursionError):
        return "segmentation"
    return str(architecture) if architecture in MODEL_KINDS else "segmentation"


def load_model_for_inference(checkpoint_dir: str | Path, device: str | DeviceConfig | None = None,
                             *, backend: str | None = None,
                             log: Callable[[str], None] | None = None) -> InferenceModel:
    """The one way to load a model to predict with (prediction, inspection, pre-labels, grade):
    rebuilds the checkpoint's model for `device` (default: the best available), in eval mode,
    run by `backend` ("auto" (default), "torch", "onnx"; app.ml.runtime). `log` gets one line
    when the backend is not the one asked for, or when an ONNX copy is made."""
    kind = checkpoint_kind(checkpoint_dir)
    if kind not in MODEL_KINDS:
        raise CheckpointError(f"unknown model kind {kind!r}; this program knows "
                              f"{', '.join(MODEL_KINDS)}")
    return MODEL_KINDS[kind](Path(checkpoint_dir), device, backend, log)
