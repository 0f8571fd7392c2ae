"""The good-parts-only model: a PatchCore-style nearest-neighbour memory of patch features of
good parts, on the bundled ImageNet encoder (EfficientNet-Lite0, app.ml.bundled_weights).

Why a position-free memory (not PaDiM's Gaussian per position): parts need not be aligned; a
patch is scored by its distance to the nearest good patch seen anywhere.

    features = PatchFeatures()                          # frozen encoder, CPU
    model = fit_anomaly(features, good_images, calibration_images, false_reject_rate=0.01)
    save_anomaly_model(folder, model, ClassInfo(value, "anomaly"))
    predictor = load_model_for_inference(folder)        # MODEL_KINDS["anomaly"]
    probs = predictor.predict(image)                    # uint8 (1, H, W): the anomaly map

Working size: every part is scaled to WORK_SIZE x WORK_SIZE first (magnetic-tile parts run from
114 to 616 pixels a side; at one working size a patch covers the same share of every part, and
the map is scaled back to the part's own size) and its mean brightness is subtracted (after the
ImageNet normalization; shading varies part to part). Features: stage outputs at stride 8 (40
channels), 16 (112) and 32 (192), each averaged over 3x3 neighbours, upsampled to stride 8 and
concatenated (344 per patch), scaled to unit length. Memory: greedy k-centre coreset (on a
random projection) of patches of the training parts and their left-right mirror images. Score:
distance to the nearest memory patch, upsampled to the working size, smoothed (SMOOTH_SIGMA
working pixels), scaled to the part. Calibration on held-out good parts: `threshold` is the
(1 - false reject rate) quantile of their image scores (max of the map) and `floor` their median
pixel score; the map is 0.5 * (score - floor) / (threshold - floor), clipped to [0, 1], so a recipe
threshold of 0.5 flags a held-out good part at the chosen rate. What each choice gave on
magnetic-tile: docs/FIGURES.md, "Good-parts-only model on magnetic-tile".

Saved models carry FORMAT_VERSION; a model of another version is refused with a message that
says to train it again (the memory only means something to the features that made it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from app.ml.checkpoint import CheckpointConfig, CheckpointError, ClassInfo, write_checkpoint
from app.ml.preprocess import normalize
from app.ml.spec import CPU_ENCODER, SLIM_DECODER, ModelSpec, Normalization

KIND = "anomaly"
ARCHITECTURE = "PatchMemory"
FORMAT_VERSION = 2  # 1: native size, no brightness shift, stages (2, 4), sigma 4, no mirror
WORK_SIZE = 224  # every part is scaled to WORK_SIZE x WORK_SIZE (a multiple of 32)
FEATURE_STAGES = (2, 4, 5)  # timm EfficientNet block indices ending at stride 8, 16 and 32
FEATURE_DIM = 40 + 112 + 192  # channels of those stages
FEATURE_STRIDE = 8
SMOOTH_SIGMA = 8.0  # working pixels
MIRROR = True  # the memory also holds the left-right mirror image of each training part
MEMORY_SIZE = 4_000
CANDIDATES = 20_000  # training patches the coreset is chosen from (random sample beyond)
PROJECTION = 32


class PatchFeatures:
    """Frozen pretrained encoder -> (g, g, D) float32 patch features at stride 8 of the part
    scaled to WORK_SIZE x WORK_SIZE (g = WORK_SIZE / 8)."""

    def __init__(self, in_channels: int = 3):
        from app.ml.registry import create_model

        spec = ModelSpec("Unet", CPU_ENCODER, SLIM_DECODER, in_channels, 2)
        created = create_model(spec, pretrained=True)
        if not created.pretrained:
            raise CheckpointError(f"the good-parts-only model needs pretrained encoder weights: "
                                  f"{created.weights_note}")
        self.net: Any = created.model.encoder.model.eval()  # type: ignore[union-attr]  # timm EfficientNetFeatures
        self.in_channels = in_channels
        self.normalization = Normalization.imagenet(in_channels)
        self.note = created.weights_note

    @torch.inference_mode()
    def __call__(self, image: np.ndarray) -> np.ndarray:
        work = cv2.resize(image, (WORK_SIZE, WORK_SIZE), interpolation=cv2.INTER_AREA)
        arr = normalize(work, self.in_channels, self.normalization)
        arr -= arr.mean()  # the part's own brightness: magnetic-tile shading varies part to part
        x = torch.from_numpy(arr)[None]
        return self.grid(x)[0].permute(1, 2, 0).contiguous().numpy()

    def grid(self, x: torch.Tensor) -> torch.Tensor:
        """Normalized, brightness-centred (N, C, WORK_SIZE, WORK_SIZE) -> unit patch features
        (N, D, H / 8, W / 8). The part a deployment package runs as ONNX (app.jobs.deploy)."""
        x = self.net.bn1(self.net.conv_stem(x))
        taken = []
        for i, block in enumerate(self.net.blocks[: max(FEATURE_STAGES) + 1]):
            x = block(x)
            if i in FEATURE_STAGES:
                taken.append(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))
        size = taken[0].shape[2:]
        feats = torch.cat([taken[0]] + [F.interpolate(t, size=size, mode="bilinear",
                                                       align_corners=False) for t in taken[1:]], 1)
        # Unit length per patch: the texture's pattern counts, not its contrast (on magnetic-tile
        # image AUROC 0.71 against 0.48 unnormalized, docs/FIGURES.md).
        return F.normalize(feats, dim=1)


def coreset(patches: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of `size` patches chosen greedily, each the farthest from those already chosen
    (k-centre), on a random projection to PROJECTION dimensions."""
    n = len(patches)
    if n <= size:
        return np.arange(n)
    proj = rng.standard_normal((patches.shape[1], PROJECTION)).astype(np.float32)
    z = patches @ proj
    sq = np.einsum("ij,ij->i", z, z)
    chosen = np.empty(size, np.int64)
    chosen[0] = int(rng.integers(n))
    dist = sq - 2 * (z @ z[chosen[0]]) + sq[chosen[0]]
    for k in range(1, size):
        i = int(np.argmax(dist))
        chosen[k] = i
        np.minimum(dist, sq - 2 * (z @ z[i]) + sq[i], out=dist)
    return chosen


def nearest_distance(queries: np.ndarray, memory: torch.Tensor, chunk: int = 4096) -> np.ndarray:
    """Euclidean distance of each query row to its nearest memory row."""
    q = torch.from_numpy(queries)
    m2 = (memory * memory).sum(1)
    out = []
    for s in range(0, len(q), chunk):
        part = q[s : s + chunk]
        d2 = (part * part).sum(1, keepdim=True) - 2 * part @ memory.T + m2
        out.append(d2.min(1).values.clamp_min_(0).sqrt_())
    return torch.cat(out).numpy() if out else np.zeros(0, np.float32)


@dataclass
class AnomalyModel:
    features: PatchFeatures
    memory: np.ndarray  # (M, D) float32
    threshold: float = 1.0  # score of the chosen false-reject rate on held-out good parts
    floor: float = 0.0  # median pixel score of held-out good parts
    false_reject_rate: float = 0.01
    calibration_images: int = 0

    def __post_init__(self) -> None:
        self._memory = torch.from_numpy(np.ascontiguousarray(self.memory, np.float32))

    def score_map(self, image: np.ndarray) -> np.ndarray:
        """float32 (H, W) raw anomaly scores (distance to the nearest good patch)."""
        f = self.features(image)
        gh, gw, d = f.shape
        grid = nearest_distance(f.reshape(-1, d), self._memory).reshape(gh, gw)
        work = cv2.resize(grid, (gw * FEATURE_STRIDE, gh * FEATURE_STRIDE),
                          interpolation=cv2.INTER_LINEAR)
        work = cv2.GaussianBlur(work, (0, 0), SMOOTH_SIGMA)
        h, w = image.shape[:2]
        return cv2.resize(work, (w, h), interpolation=cv2.INTER_LINEAR)

    def to_unit(self, scores: np.ndarray) -> np.ndarray:
        """Raw scores -> [0, 1]: floor -> 0, threshold -> 0.5 (module docstring)."""
        span = max(self.threshold - self.floor, 1e-6)
        return np.clip(0.5 * (scores - self.floor) / span, 0.0, 1.0)

    def calibrate(self, images: Iterable[np.ndarray], false_reject_rate: float) -> None:
        maxima, medians = [], []
        for image in images:
            s = self.score_map(image)
            maxima.append(float(s.max()))
            medians.append(float(np.median(s)))
        if not maxima:
            raise ValueError("calibration needs at least one held-out good part")
        self.threshold = float(np.quantile(maxima, 1.0 - false_reject_rate, method="higher"))
        self.floor = min(float(np.median(medians)), self.threshold * 0.99)
        self.false_reject_rate = float(false_reject_rate)
        self.calibration_images = len(maxima)


def fit_anomaly(features: PatchFeatures, good: Iterable[np.ndarray],
                calibration: Iterable[np.ndarray], *, false_reject_rate: float = 0.01,
                memory_size: int = MEMORY_SIZE, seed: int = 0, mirror: bool = MIRROR,
                check: Callable[[], None] = lambda: None,
                progress: Callable[[str], None] = lambda s: None) -> AnomalyModel:
    """A memory of good patches (of each part and, when `mirror`, its left-right mirror image),
    calibrated on `calibration` (good parts not in `good`). `check` is called between images
    (it raises to stop)."""
    rng = np.random.default_rng(seed)
    patches = []
    for image in good:
        check()
        for view in (image, image[:, ::-1]) if mirror else (image,):
            f = features(np.ascontiguousarray(view))
            patches.append(f.reshape(-1, f.shape[-1]))
    if not patches:
        raise ValueError("no good parts to learn from")
    allp = np.concatenate(patches)
    if len(allp) > CANDIDATES:
        allp = allp[rng.choice(len(allp), CANDIDATES, replace=False)]
    progress(f"choosing {min(memory_size, len(allp))} of {len(allp)} good patches")
    check()
    memory = allp[coreset(allp, memory_size, rng)]
    model = AnomalyModel(features, memory)
    progress("calibrating on held-out good parts")

    def checked():
        for image in calibration:
            check()
            yield image

    model.calibrate(checked(), false_reject_rate)
    return model


def anomaly_config(
    model: AnomalyModel, cls: ClassInfo, metrics: dict | None = None
) -> CheckpointConfig:
    spec = ModelSpec(ARCHITECTURE, CPU_ENCODER, None, model.features.in_channels, 2,
                     encoder_weights="imagenet")
    return CheckpointConfig(
        spec=spec, classes=[cls], normalization=model.features.normalization,
        metrics=dict(metrics or {}), kind=KIND,
        extra={"format_version": FORMAT_VERSION, "work_size": WORK_SIZE,
               "threshold": model.threshold, "floor": model.floor,
               "false_reject_rate": model.false_reject_rate,
               "calibration_images": model.calibration_images,
               "feature_stages": list(FEATURE_STAGES), "unit_features": True,
               "mean_subtracted": True,
               "smooth_sigma": SMOOTH_SIGMA},
        notes=[f"Good-parts-only model: {len(model.memory)} good patches of the bundled "
               f"{CPU_ENCODER} encoder; map 0.5 = the score that flags "
               f"{model.false_reject_rate:.1%} of {model.calibration_images} held-out good parts"],
    )


def save_anomaly_model(folder: str | Path, model: AnomalyModel, cls: ClassInfo,
                       metrics: dict | None = None) -> CheckpointConfig:
    """Weights (the memory, safetensors), then config.json, as every checkpoint."""
    from safetensors.numpy import save

    blob = save({"memory": np.ascontiguousarray(model.memory, np.float32)},
                metadata={"format": "np"})
    return write_checkpoint(folder, blob, anomaly_config(model, cls, metrics))


@dataclass
class AnomalyPredictor:
    """What load_model_for_inference gives for a good-parts-only model (CPU)."""

    model: AnomalyModel
    config: CheckpointConfig

    def predict(self, image: np.ndarray, cancel: threading.Event | None = None,
                **_tiling) -> np.ndarray:
        """uint8 (1, H, W): the calibrated anomaly map scaled 0..255."""
        from app.ml.predictor import InferenceCancelled

        if cancel is not None and cancel.is_set():
            raise InferenceCancelled()
        unit = self.model.to_unit(self.model.score_map(image))
        return np.rint(unit * 255).astype(np.uint8)[None]


_features: dict[int, PatchFeatures] = {}
_lock = threading.Lock()


def shared_features(in_channels: int = 3) -> PatchFeatures:
    """One frozen encoder per process (it is only read)."""
    with _lock:
        if in_channels not in _features:
            _features[in_channels] = PatchFeatures(in_channels)
        return _features[in_channels]


def load_predictor(config: CheckpointConfig, state: dict, device=None) -> AnomalyPredictor:
    try:
        memory = state["memory"]
        memory = np.asarray(memory.numpy() if hasattr(memory, "numpy") else memory, np.float32)
        extra = config.extra
        version = extra.get("format_version", 1)
        if version != FORMAT_VERSION:
            raise ValueError(f"made by {'an older' if version < FORMAT_VERSION else 'a newer'} "
                             f"version of this app (format {version}, this one reads "
                             f"{FORMAT_VERSION}); train a new good-parts-only model")
        if (list(extra.get("feature_stages", ())) != list(FEATURE_STAGES)
                or extra.get("work_size") != WORK_SIZE or not extra.get("unit_features")):
            raise ValueError(f"made with other features (stages {extra.get('feature_stages')}, "
                             f"working size {extra.get('work_size')})")
        if memory.ndim != 2 or memory.shape[1] != FEATURE_DIM:
            raise ValueError(f"its memory has shape {memory.shape}, not (patches, {FEATURE_DIM})")
        model = AnomalyModel(shared_features(config.spec.in_channels), memory,
                             float(extra["threshold"]), float(extra["floor"]),
                             float(extra["false_reject_rate"]), int(extra["calibration_images"]))
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"not a usable good-parts-only model: {e}") from e
    return AnomalyPredictor(model, config)
