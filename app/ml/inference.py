"""Whole-image prediction: overlapping tiles, blended, in bounded memory.

Memory bound (besides the caller's image and the model's activations): the uint8 output
C*H*W bytes, one float32 band of (C + 1) * tile * W * 4 bytes (plus one band-sized temporary
while it shifts), and one batch of tiles. A 50 MP image (8660 x 5773) with C = 4 and tile 512:
200 MB output + 89 MB band + a few MB of tiles, where a float32 (C, H, W) accumulator alone
would take 800 MB.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from app.ml import pixel_model
from app.ml.augment import window
from app.ml.checkpoint import CheckpointConfig, build_model, load_checkpoint
from app.ml.device import DeviceConfig, pick_device
from app.ml.preprocess import normalize
from app.ml.spec import STRIDE, ModelSpec, Normalization


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


def _default_device(model: nn.Module) -> DeviceConfig:
    param = next(model.parameters(), None)
    return DeviceConfig(param.device if param is not None else torch.device("cpu"), None, False)


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
) -> np.ndarray:
    """Probability maps uint8 (C, H, W) for the C defect classes of `spec` (no background).

    tile None uses spec.tile_size; tile 0 runs the whole image at once (padded to a multiple of
    32). overlap defaults to tile // 4. The model must already be on `device` and in eval mode
    is set here. `cancel` is checked between batches (raises InferenceCancelled).
    """
    device = device or _default_device(model)
    model.eval()
    h, w = image.shape[:2]
    tile = spec.tile_size if tile is None else tile
    th = _ceil_to(h, STRIDE) if tile == 0 else min(tile, _ceil_to(h, STRIDE))
    tw = _ceil_to(w, STRIDE) if tile == 0 else min(tile, _ceil_to(w, STRIDE))
    if th % STRIDE or tw % STRIDE:
        raise ValueError(f"tile must be a multiple of {STRIDE}, got {tile}")
    ov = max(tile // 4, 0) if overlap is None else int(overlap)
    ovy, ovx = min(ov, th // 2), min(ov, tw // 2)
    ys, xs = tile_starts(h, th, ovy), tile_starts(w, tw, ovx)
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
            tiles = [normalize(window(image, y, x, th, tw), spec.in_channels, norm) for x in chunk]
            batch = device.batch(torch.from_numpy(np.stack(tiles)))
            with device.autocast():
                logits = model(batch)
            probs = logits.float().softmax(1)[:, 1:]
            weights = torch.from_numpy(np.stack([np.outer(wy, wxs[b + k]) for k in range(len(chunk))]))
            probs = (probs * weights.to(probs.device)[:, None]).cpu().numpy()  # weighted where it ran
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
    model: nn.Module
    config: CheckpointConfig
    device: DeviceConfig

    def predict(self, image: np.ndarray, **kwargs) -> np.ndarray:
        """uint8 (C, H, W) probabilities; channels follow config.class_values."""
        return predict_image(self.model, image, self.config.spec, self.config.normalization, device=self.device, **kwargs)


# Model kinds that are not segmentation networks, by spec.architecture: each builds its own
# predictor from (config, state, device): anything with .config and .predict(image, cancel=)
# -> uint8 (C, H, W).
PREDICTOR_LOADERS = {pixel_model.ARCHITECTURE: pixel_model.load_predictor}


def load_model_for_inference(checkpoint_dir: str | Path, device: str | DeviceConfig | None = None) -> InferenceModel:
    """Rebuild a checkpoint's model on `device` (default: the best available), in eval mode."""
    config, state = load_checkpoint(checkpoint_dir)
    if config.spec.architecture in PREDICTOR_LOADERS:
        return PREDICTOR_LOADERS[config.spec.architecture](config, state, device)
    dev = device if isinstance(device, DeviceConfig) else pick_device(device)
    model = dev.prepare(build_model(config, state)).eval()
    return InferenceModel(model, config, dev)
