"""Encoder weights: ImageNet (bundled with a package, or smp's Hugging Face files, cached) or an
imported .safetensors file.

Offline machines are the norm on shop floors, so a missing download is a note, not an error, and
is detected fast: the local cache is checked first, DEFECT_STUDIO_OFFLINE=1 (or HF_HUB_OFFLINE=1)
skips the network, and a 3 s connection probe runs before any download. Encoders whose weights
ship with a package (app.ml.bundled_weights) never touch the network.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import torch
import torch.nn as nn

from app.ml.compat import import_smp
from app.ml.spec import ModelSpec
from app.ml.state_file import load_state_file

PROBE_TIMEOUT_S = 3.0
_TRUE = ("1", "true", "yes", "on")


class WeightsUnavailable(Exception):
    """ImageNet weights could not be had (offline, not cached). The message is the reason, in
    words for the user: "no internet (huggingface.co cannot be reached)"."""


class WeightsError(ValueError):
    """An imported weights file does not fit the encoder."""


def _offline() -> bool:
    return any(os.environ.get(v, "").lower() in _TRUE
               for v in ("DEFECT_STUDIO_OFFLINE", "HF_HUB_OFFLINE"))


def _probe(endpoint: str) -> None:
    if os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy"):
        return  # the proxy decides; a direct probe would wrongly fail
    url = urlparse(endpoint)
    try:
        socket.create_connection((url.hostname, url.port or 443), timeout=PROBE_TIMEOUT_S).close()
    except OSError:
        raise WeightsUnavailable(f"no internet ({url.hostname} cannot be reached)") from None


def download_imagenet_state(encoder: str) -> dict[str, torch.Tensor]:
    """The smp ImageNet state dict of `encoder` (3 input channels). Raises WeightsUnavailable."""
    import huggingface_hub as hub
    from safetensors.torch import load_file

    settings = import_smp().encoders.encoders[encoder]["pretrained_settings"].get("imagenet")
    if settings is None:
        raise WeightsUnavailable(f"the {encoder} encoder has none")
    repo, rev = settings["repo_id"], settings["revision"]
    cached = hub.try_to_load_from_cache(repo, "model.safetensors", revision=rev)
    if isinstance(cached, str):
        return load_file(cached, device="cpu")
    if _offline():
        raise WeightsUnavailable("offline mode is on and they are not on this machine")
    _probe(hub.constants.ENDPOINT)
    try:
        path = hub.hf_hub_download(repo, "model.safetensors", revision=rev)
    except Exception as e:  # noqa: BLE001 - any hub/network failure means "unavailable"
        raise WeightsUnavailable(f"the download failed ({type(e).__name__})") from None
    return load_file(path, device="cpu")


def load_imagenet_weights(model: nn.Module, spec: ModelSpec) -> tuple[bool, str]:
    """Put ImageNet weights into model.encoder. Never raises: (loaded, note for the user)."""
    from app.ml import bundled_weights

    if bundled_weights.has_bundled(spec.encoder):
        try:
            state = bundled_weights.load_bundled_state(spec.encoder, spec.in_channels)
            note = _apply_encoder_state(model, spec, state, "ImageNet (bundled)")
        except Exception as e:  # noqa: BLE001 - missing or altered file: train anyway, say why
            return False, f"Bundled ImageNet weights unusable ({e}): random init"
        return True, note
    try:
        state = download_imagenet_state(spec.encoder)
        _apply_encoder_state(model, spec, state, "ImageNet")
    except WeightsUnavailable as e:
        return False, f"ImageNet weights unavailable: {e}; starting from random weights"
    except Exception as e:  # noqa: BLE001 - a corrupt cache must not stop training
        return False, ("ImageNet weights unusable (the downloaded file is damaged: "
                       f"{type(e).__name__}); "
                       "starting from random weights")
    return True, f"ImageNet weights loaded into the {spec.encoder} encoder"


def import_encoder_weights(model: nn.Module, spec: ModelSpec, path: str | Path) -> str:
    """Load encoder weights from a .safetensors/.pt file (keys bare or prefixed "encoder.").
    Raises WeightsError (or CheckpointError for an unsafe file); returns a note."""
    state = load_state_file(path)
    return _apply_encoder_state(model, spec, state, Path(path).name)


def _strip_prefix(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    for prefix in ("encoder.", "model.encoder.", "module.encoder."):
        sub = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if sub:
            return sub
    return state


def _apply_encoder_state(model: nn.Module, spec: ModelSpec, state: dict, source: str) -> str:
    encoder = model.encoder
    target = encoder.state_dict()  # type: ignore[union-attr]  # torch types a module's attribute as Tensor | Module
    state = _strip_prefix(state)
    fits = {k: v for k, v in state.items() if k in target and target[k].shape == v.shape}
    misfits = [k for k in state if k in target and k not in fits]
    if misfits and spec.in_channels != 3:
        # A 3-channel file for a 1-channel model: let smp adapt the first conv the way it does
        # for its own pretrained weights (sum over RGB), on a 3-channel copy of the encoder.
        smp = import_smp()
        rgb = smp.encoders.get_encoder(spec.encoder, in_channels=3, depth=5, weights=None)
        rgb_target = rgb.state_dict()
        rgb_fits = {k: v for k, v in state.items()
                    if k in rgb_target and rgb_target[k].shape == v.shape}
        nn.Module.load_state_dict(rgb, rgb_fits, strict=False)
        rgb.set_in_channels(spec.in_channels, pretrained=True)
        adapted = rgb.state_dict()
        fits = {k: adapted[k] for k in rgb_fits if adapted[k].shape == target[k].shape}
        misfits = [k for k in state if k in target and k not in fits]
    if not fits:
        raise WeightsError(f"no tensor in {source} fits the {spec.encoder} encoder")
    nn.Module.load_state_dict(encoder, fits, strict=False)  # type: ignore[arg-type]  # torch types a module's attribute as Tensor | Module
    missing = [k for k in target if k not in fits and not k.endswith("num_batches_tracked")]
    note = f"{source}: loaded {len(fits)} encoder tensors"
    if misfits:
        note += f"; {len(misfits)} skipped for shape ({misfits[0]}...)"
    if missing:
        note += f"; {len(missing)} left at random init ({missing[0]}...)"
    return note
