"""ONNX export of a segmentation model, and an onnxruntime model that the app's own tiled
prediction can run (so the torch and ONNX paths differ only in the network).

    export_onnx(model, "model.onnx", in_channels=1)           # needs onnx
    ort = load_onnx_for_inference("model.onnx", config)       # needs onnxruntime
    probs = ort.predict(image)                                # uint8 (C, H, W), as torch's

The graph: input "image" float32 (N, in_channels, H, W), already normalized
(app.ml.preprocess.normalize), H and W multiples of 32 (STRIDE); output "logits" float32
(N, 1 + C, H, W): softmax over axis 1 gives the probabilities, channel 0 background, channel
i the i-th defect class by value. Batch, height and width are dynamic; opset 17.

torch 2.13's default exporter is the torch.export-based one, which needs onnxscript; the
TorchScript-based exporter (dynamo=False) needs only onnx and handles these models, so it is
used. onnx and onnxruntime are dependencies of the app (app.ml.runtime runs CPU inference with
ONNX Runtime); a missing one raises OnnxUnavailable with what to install.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from app.ml.spec import STRIDE

INPUT = "image"
OUTPUT = "logits"
OPSET = 17
EXTRA_HINT = "install it: pip install onnx onnxruntime (both are dependencies of defect-studio)"


class OnnxUnavailable(RuntimeError):
    """onnx (to export) or onnxruntime (to run) is not installed."""


def missing(*modules: str) -> list[str]:
    """Which of `modules` (default: onnx, onnxruntime) cannot be imported."""
    return [m for m in (modules or ("onnx", "onnxruntime")) if importlib.util.find_spec(m) is None]


def require(module: str, what: str) -> None:
    if missing(module):
        raise OnnxUnavailable(f"{what} needs the Python package {module!r}; {EXTRA_HINT}")


def export_onnx(model: nn.Module, path: str | Path, in_channels: int, *, opset: int = OPSET,
                sample_size: int = 256, output: str = OUTPUT) -> None:
    """Writes `model` (any device; exported on the CPU in float32) as ONNX at `path` and
    checks the file with onnx.checker. `output`: the name of the graph's output."""
    require("onnx", "ONNX export")
    import onnx

    path = Path(path)
    size = max(STRIDE, sample_size // STRIDE * STRIDE)
    params = next(model.parameters(), None)
    device = params.device if params is not None else torch.device("cpu")
    was_training = model.training
    model = model.to("cpu").float().eval()
    sample = torch.zeros(1, in_channels, size, size)
    axes = {0: "batch", 2: "height", 3: "width"}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            # Deprecation and tracer notes about the legacy exporter are not the user's concern.
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (sample,), str(path), dynamo=False, opset_version=opset,
                              input_names=[INPUT], output_names=[output],
                              dynamic_axes={INPUT: axes, output: axes}, do_constant_folding=True)
    finally:
        model.to(device).train(was_training)
    onnx.checker.check_model(str(path))


FEATURES = "features"


class FeatureGrid(nn.Module):
    """The good-parts-only model's encoder as a module to export: normalized image (N, C, H, W),
    H and W multiples of anomaly_model.PAD_TO -> "features", unit patch features (N, D, H / 8,
    W / 8) (app.ml.anomaly_model.PatchFeatures.grid)."""

    def __init__(self, features):
        super().__init__()
        self.net = features.net  # registered, so that export finds its parameters
        self._grid = features.grid
        # The encoder is shared by the process (anomaly_model.shared_features): export must
        # leave it in eval mode, which it restores from this module's mode.
        self.train(features.net.training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._grid(x)


def export_anomaly_onnx(features, path: str | Path, *, sample_size: int = 64) -> None:
    """Writes the feature extractor of a good-parts-only model (a PatchFeatures) as ONNX."""
    export_onnx(FeatureGrid(features), path, features.in_channels, sample_size=sample_size,
                output=FEATURES)


class OrtModule(nn.Module):
    """An onnxruntime session behind nn.Module's call, for app.ml.inference.predict_image.
    CPU only (inputs come back to the CPU anyway). `threads` intra-op threads (default:
    onnxruntime's, one per physical core); operators run one after the other.
    `bytes_per_pixel`: the activation estimate of the torch model it was exported from
    (app.ml.inference.activation_bytes_per_pixel), set by its maker when known."""

    bytes_per_pixel: float | None = None

    def __init__(self, path: str | Path, threads: int | None = None):
        super().__init__()
        require("onnxruntime", "Running an ONNX model")
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        # Idle threads sleep rather than spin: between two runs the app normalizes, blends and
        # grades on the same cores (spinning measured slower there on a 2-core machine).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = int(threads)
        self.session = ort.InferenceSession(str(path), options,
                                            providers=["CPUExecutionProvider"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.detach().to("cpu", torch.float32).contiguous().numpy()
        (logits,) = self.session.run([OUTPUT], {INPUT: batch})
        return torch.from_numpy(np.asarray(logits))


def load_onnx_for_inference(path: str | Path, config, threads: int | None = None):
    """An app.ml.inference.InferenceModel running `path` with onnxruntime on the CPU;
    `config` is the model's CheckpointConfig (spec, classes, normalization)."""
    from app.ml.device import pick_device
    from app.ml.predictor import InferenceModel

    return InferenceModel(OrtModule(path, threads), config, pick_device("cpu"))
