"""Running a loaded network over a whole image: the whole image in one pass where the memory
budget allows, else large overlapping tiles (full-width bands when they fit), blended, in
bounded memory. Models are loaded by app.ml.inference.load_model_for_inference (the one entry
point), which returns an InferenceModel of this module for networks.

Tile plan (plan_tiles): a forward pass needs about `bytes_per_pixel` of activations per input
pixel (activation_bytes_per_pixel: 5 x the largest layer output, measured on a small probe;
peaks measured 3-4.5 x on the CPU default models, docs/FIGURES.md). Within `memory_budget`
the whole image (padded to a multiple of 32) runs at once; else full-width bands, else square
tiles, never smaller than the spec's tile size; neighbours overlap by spec.tile_size // 4.

Memory bound (besides the caller's image and the model's activations): the uint8 output
C*H*W bytes, one float32 band of (C + 1) * tile * W * 4 bytes (plus one band-sized temporary
while it shifts), and one batch of tiles. A 50 MP image (8660 x 5773) with C = 4 and tile 512:
200 MB output + 89 MB band + a few MB of tiles, where a float32 (C, H, W) accumulator alone
would take 800 MB.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from app.ml.augment import window
from app.ml.checkpoint import CheckpointConfig
from app.ml.device import DeviceConfig
from app.ml.preprocess import normalize
from app.ml.spec import STRIDE, ModelSpec, Normalization

DEFAULT_MEMORY_BUDGET = 1 << 30  # bytes of activations one forward pass may take
ACTIVATION_FACTOR = 5  # peak activations / largest single layer output (measured 3-4.5)
FALLBACK_BYTES_PER_PIXEL = 1000.0  # a network that cannot be probed (e.g. ONNX Runtime alone)
_PROBE = 64
_probed: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class InferenceCancelled(Exception):
    pass


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile origins along one axis; the last tile is pulled back to end at the edge."""
    if length <= tile:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride))
    return starts + [length - tile]


def ramp(tile: int, overlap: int, lead: bool, trail: bool) -> np.ndarray:
    """1-D blending weights: a cosine ramp over `overlap` pixels on sides that have a neighbour
    (ramps of neighbours sum to 1), flat elsewhere and at image edges. Never zero."""
    w = np.ones(tile, np.float32)
    if overlap > 0:
        r = np.sin(0.5 * np.pi * (np.arange(overlap) + 0.5) / overlap).astype(np.float32) ** 2
        if lead:
            w[:overlap] = r
        if trail:
            w[tile - overlap :] = r[::-1]
    return w


def _ceil_to(n: int, k: int) -> int:
    return int(math.ceil(n / k) * k)


def plan_tiles(h: int, w: int, bytes_per_pixel: float, budget: int, min_tile: int,
               overlap: int) -> tuple[int, int]:
    """(tile height, tile width), multiples of STRIDE: the whole image when it fits `budget`,
    else full-width bands at least max(min_tile, 4 * overlap) high, else the largest square
    tiles that fit (never under min_tile)."""
    hp, wp = _ceil_to(h, STRIDE), _ceil_to(w, STRIDE)
    fits = int(budget // max(bytes_per_pixel, 1.0))  # pixels one pass may hold
    if hp * wp <= fits:
        return hp, wp
    band = fits // wp // STRIDE * STRIDE
    if band >= max(min_tile, 4 * overlap):
        return band, wp
    side = max(int(math.isqrt(fits)) // STRIDE * STRIDE, min_tile)
    return min(side, hp), min(side, wp)


def activation_bytes_per_pixel(model: nn.Module, in_channels: int,
                               device: DeviceConfig | None = None) -> float:
    """Estimated peak activation bytes per input pixel of one forward pass (float32): the
    largest single layer output, measured on a small probe, times ACTIVATION_FACTOR. A model
    with a `bytes_per_pixel` attribute (app.ml.onnx_export.OrtModule) says it itself."""
    own = getattr(model, "bytes_per_pixel", None)
    if own:
        return float(own)
    if model in _probed:
        return _probed[model]
    leaves = [m for m in model.modules() if next(m.children(), None) is None]
    if not leaves or leaves == [model]:
        return FALLBACK_BYTES_PER_PIXEL
    device = device or _default_device(model)
    largest = [0]

    def hook(_module, _inputs, output):
        if isinstance(output, torch.Tensor):
            largest[0] = max(largest[0], output.numel())

    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        with torch.inference_mode():
            model(device.batch(torch.zeros(1, in_channels, _PROBE, _PROBE)))
    finally:
        for h in handles:
            h.remove()
    estimate = ACTIVATION_FACTOR * 4.0 * largest[0] / (_PROBE * _PROBE)
    _probed[model] = estimate
    return estimate


def _default_device(model: nn.Module) -> DeviceConfig:
    param = next(model.parameters(), None)
    return DeviceConfig(param.device if param is not None else torch.device("cpu"), None, False)


def _probabilities(model: nn.Module, windows: list[np.ndarray], spec: ModelSpec,
                   norm: Normalization, device: DeviceConfig) -> torch.Tensor:
    """Defect-class probabilities (N, C, th, tw), float32, on the model's device."""
    tiles = [normalize(wnd, spec.in_channels, norm) for wnd in windows]
    batch = device.batch(torch.from_numpy(np.stack(tiles)))
    with device.autocast():
        logits = model(batch)
    return logits.float().softmax(1)[:, 1:]


@torch.inference_mode()
def predict_image(
    model: nn.Module,
    image: np.ndarray,
    spec: ModelSpec,
    norm: Normalization,
    tile: int | None = None,
    overlap: int | None = None,
    device: DeviceConfig | None = None,
    batch_size: int = 4,
    cancel: threading.Event | None = None,
    *,
    memory_budget: int | None = None,
) -> np.ndarray:
    """Probability maps uint8 (C, H, W) for the C defect classes of `spec` (no background).

    tile None plans the tiles by `memory_budget` (bytes, default DEFAULT_MEMORY_BUDGET; see
    plan_tiles): the whole image where it fits; overlap then defaults to spec.tile_size // 4.
    tile 0 runs the whole image at once (padded to a multiple of 32); any other tile is a
    square side (a multiple of 32), overlap defaulting to tile // 4. The model must already
    be on `device`; eval mode is set here. `cancel` is checked between batches (raises
    InferenceCancelled).
    """
    device = device or _default_device(model)
    model.eval()
    h, w = image.shape[:2]
    if tile is None:
        ov = spec.tile_size // 4 if overlap is None else int(overlap)
        budget = DEFAULT_MEMORY_BUDGET if memory_budget is None else int(memory_budget)
        per_pixel = activation_bytes_per_pixel(model, spec.in_channels, device)
        th, tw = plan_tiles(h, w, per_pixel, budget, spec.tile_size, ov)
        batch_size = max(1, min(batch_size, int(budget // (per_pixel * th * tw))))
    else:
        th = _ceil_to(h, STRIDE) if tile == 0 else min(tile, _ceil_to(h, STRIDE))
        tw = _ceil_to(w, STRIDE) if tile == 0 else min(tile, _ceil_to(w, STRIDE))
        if th % STRIDE or tw % STRIDE:
            raise ValueError(f"tile must be a multiple of {STRIDE}, got {tile}")
        ov = max(tile // 4, 0) if overlap is None else int(overlap)
    ovy, ovx = min(ov, th // 2), min(ov, tw // 2)
    ys, xs = tile_starts(h, th, ovy), tile_starts(w, tw, ovx)
    if len(ys) == len(xs) == 1:  # one pass covers the image: nothing to blend
        if cancel is not None and cancel.is_set():
            raise InferenceCancelled()
        probs = _probabilities(model, [window(image, 0, 0, th, tw)], spec, norm, device)
        probs = probs[0, :, :h, :w].mul_(255).round_().to(torch.uint8)
        return np.ascontiguousarray(probs.cpu().numpy())
    c = spec.num_classes - 1
    out = np.empty((c, h, w), np.uint8)
    acc = np.zeros((c, th, w), np.float32)  # the band of rows [y, y + th)
    wsum = np.zeros((th, w), np.float32)
    wxs = [ramp(tw, ovx, x > 0, x + tw < w) for x in xs]

    for r, y in enumerate(ys):
        wy = ramp(th, ovy, y > 0, y + th < h)
        for b in range(0, len(xs), batch_size):
            if cancel is not None and cancel.is_set():
                raise InferenceCancelled()
            chunk = xs[b : b + batch_size]
            probs = _probabilities(model, [window(image, y, x, th, tw) for x in chunk], spec,
                                   norm, device)
            weights = torch.from_numpy(
                np.stack([np.outer(wy, wxs[b + k]) for k in range(len(chunk))]))
            probs = (probs * weights.to(probs.device)[:, None]).cpu().numpy()  # type: ignore[assignment]  # the tile's logits move from torch to numpy here; weighted where it ran
            for k, x in enumerate(chunk):
                xe = min(x + tw, w)
                acc[:, :, x:xe] += probs[k, :, :, : xe - x]
                wsum[:, x:xe] += weights[k, :, : xe - x].numpy()
        # Rows above the next band's start get no more tiles: finalize them to uint8, in place.
        y_next = ys[r + 1] if r + 1 < len(ys) else min(y + th, h)
        done = min(y_next, h) - y
        head = acc[:, :done]
        np.divide(head, wsum[:done], out=head)
        np.multiply(head, 255, out=head)
        np.rint(head, out=head)
        out[:, y : y + done] = head
        keep = th - done
        acc[:, :keep] = acc[:, done:]
        acc[:, keep:] = 0
        wsum[:keep] = wsum[done:]
        wsum[keep:] = 0
    return out


def probs_to_index(probs: np.ndarray) -> np.ndarray:
    """Argmax label map of channel indices (0 background, i = i-th class) from uint8 probs;
    background is what the classes leave of 255."""
    background = 255 - np.minimum(probs.sum(0, dtype=np.int32), 255)
    stacked = np.concatenate([background[None].astype(np.uint8), probs], axis=0)
    return stacked.argmax(0).astype(np.uint8)


@dataclass
class InferenceModel:
    """A loaded model ready to predict. `model` is the network that runs: the torch module, or
    app.ml.onnx_export.OrtModule (ONNX Runtime); `backend` says which ("torch", "onnx") and
    `note` why when it is not the one asked for (else "")."""

    model: nn.Module
    config: CheckpointConfig
    device: DeviceConfig
    backend: str = "torch"
    note: str = ""

    def predict(self, image: np.ndarray, **kwargs) -> np.ndarray:
        """uint8 (C, H, W) probabilities; channels follow config.class_values."""
        return predict_image(self.model, image, self.config.spec, self.config.normalization,
                             device=self.device, **kwargs)
