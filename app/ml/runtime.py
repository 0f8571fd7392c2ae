"""Which engine runs a loaded model: PyTorch, or ONNX Runtime on the CPU.

    run = prepare(model, config, checkpoint_dir, device, backend="auto", log=ctx.log)
    run.net(x)          # an nn.Module either way; run.backend is "torch" or "onnx"

Backends (BACKENDS): "torch" runs the module (channels-last on the CPU, which measured faster
for inference; training keeps its own layout). "onnx" exports the model once
(app.ml.onnx_export, dynamic height and width) and runs it with ONNX Runtime's
CPUExecutionProvider, one intra-op thread per torch thread (so the app's thread setting holds).
"auto" (the default; the DEFECT_STUDIO_BACKEND environment variable overrides it) runs "torch"
on CUDA and MPS and "onnx" on the CPU: side by side (bench/bench_infer.py, docs/FIGURES.md)
ONNX Runtime measured about 2x faster than PyTorch eager on the EfficientNet-Lite0 U-Net and
about even on the ResNet-18 one. (A race at load time was tried and dropped: PyTorch needs
several warm-up passes per input shape, so a short probe misjudged it.) When "auto" cannot use
ONNX Runtime (not
installed, the export failed, or the exported model disagrees with torch on a probe) it runs
torch and says why: once per process in the log ("app.ml.runtime"), and in `log` and
run.note. An explicit "onnx" raises instead.

The exported model is cached beside the checkpoint as onnx-<key>.onnx, key = a hash of the
weights' sha256, the spec, the opset and EXPORT_VERSION, so changed weights never meet an old
copy (older copies there are removed); where the checkpoint folder cannot be written, in the
user cache folder (cache_dir()). ONNX files are protobuf graphs, never pickles. Each load
checks the copy against torch on a small probe before trusting it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from app.core.imageio import sha256_file
from app.ml.checkpoint import WEIGHTS_NAME, CheckpointConfig
from app.ml.device import DeviceConfig

ENV = "DEFECT_STUDIO_BACKEND"
CACHE_ENV = "DEFECT_STUDIO_CACHE"
EXPORT_VERSION = 1  # bump when export_onnx changes what it writes
PROBE_SHAPE = (64, 96)  # not square and not the export's sample size: catches baked-in shapes
PROBE_TOLERANCE = 2e-3  # largest |p_onnx - p_torch| allowed on the probe (uint8 steps: 0.0039)

logger = logging.getLogger(__name__)
_said: set[str] = set()

Log = Callable[[str], None] | None


class OnnxMismatch(RuntimeError):
    """The exported model does not compute what the torch model computes."""


@dataclass
class Prepared:
    net: nn.Module
    device: DeviceConfig
    backend: str
    note: str = ""


def _say(message: str, log: Log, level: int = logging.INFO) -> None:
    if log is not None:
        log(message)
    if message not in _said:  # the process log hears each reason once
        _said.add(message)
        logger.log(level, message)


def requested(backend: str | None = None) -> str:
    """The backend asked for: `backend`, else $DEFECT_STUDIO_BACKEND, else "auto"."""
    name = (backend or os.environ.get(ENV) or "auto").strip().lower()
    if name != "auto" and name not in BACKENDS:
        raise ValueError(f"Unknown inference backend {name!r}: use auto, {', '.join(BACKENDS)}")
    return name


def prepare(model: nn.Module, config: CheckpointConfig, checkpoint_dir: str | Path,
            device: DeviceConfig, backend: str | None = None, log: Log = None) -> Prepared:
    """`model` (eval mode, any device) made ready to run on `device` by `backend`."""
    name = requested(backend)
    if name != "auto":
        return BACKENDS[name](model, config, Path(checkpoint_dir), device, log)
    if device.kind != "cpu":
        return _torch(model, config, Path(checkpoint_dir), device, log)
    try:
        return _onnx(model, config, Path(checkpoint_dir), device, log)
    except Exception as e:  # noqa: BLE001 - any failure of the faster path falls back to torch
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        note = f"ONNX Runtime not used ({reason}); running the model with PyTorch"
        _say(note, log, logging.WARNING)
        run = _torch(model, config, Path(checkpoint_dir), device, log)
        run.note = note
        return run


def _torch(model: nn.Module, config: CheckpointConfig, checkpoint_dir: Path,
           device: DeviceConfig, log: Log) -> Prepared:
    if device.kind == "cpu":
        device = replace(device, channels_last=True)
    return Prepared(device.prepare(model).eval(), device, "torch")


def _onnx(model: nn.Module, config: CheckpointConfig, checkpoint_dir: Path,
          device: DeviceConfig, log: Log) -> Prepared:
    from app.ml.onnx_export import OrtModule, require
    from app.ml.predictor import activation_bytes_per_pixel

    if device.kind != "cpu":
        raise ValueError(f"the onnx backend runs on the CPU, not {device.kind}; "
                         "choose the cpu device or the torch backend")
    require("onnxruntime", "Running the model with ONNX Runtime")
    model = model.to("cpu").float().eval()
    path = cached_onnx(model, config, checkpoint_dir, log)
    threads = torch.get_num_threads()
    try:
        net = OrtModule(path, threads)
    except Exception:  # noqa: BLE001 - a damaged cached copy: make it again, once
        path.unlink(missing_ok=True)
        net = OrtModule(cached_onnx(model, config, checkpoint_dir, log), threads)
    check_agrees(model, net, config.spec.in_channels)
    net.bytes_per_pixel = activation_bytes_per_pixel(model, config.spec.in_channels)
    return Prepared(net, device, "onnx")


BACKENDS: dict[str, Callable[..., Prepared]] = {"torch": _torch, "onnx": _onnx}


def cache_dir() -> Path:
    """Where exported copies go when a checkpoint folder cannot be written:
    $DEFECT_STUDIO_CACHE, else the platform's user cache folder, /defect-studio."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "defect-studio" / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "defect-studio"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "defect-studio"


def onnx_key(config: CheckpointConfig, checkpoint_dir: Path) -> str:
    from app.ml.onnx_export import OPSET

    weights = config.weights_sha256 or sha256_file(checkpoint_dir / WEIGHTS_NAME)
    spec = json.dumps(config.spec.to_dict(), sort_keys=True)
    text = f"{weights}|{spec}|opset{OPSET}|v{EXPORT_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _writable(folder: Path) -> bool:
    probe = folder / f".write-probe-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def cached_onnx(model: nn.Module, config: CheckpointConfig, checkpoint_dir: Path,
                log: Log = None) -> Path:
    """The ONNX copy of `model` (a CPU float32 module), exported now when there is none."""
    from app.ml.onnx_export import export_onnx

    name = f"onnx-{onnx_key(config, checkpoint_dir)}.onnx"
    homes = [checkpoint_dir, cache_dir() / "onnx"]
    for home in homes:
        if (home / name).is_file():
            return home / name
    home = next((h for h in homes if _writable(h)), None)  # type: ignore[assignment]  # None is refused on the next line
    if home is None:
        raise OSError(f"no writable folder for the ONNX copy ({', '.join(map(str, homes))})")
    path, tmp = home / name, home / f"{name}.{os.getpid()}.tmp"
    started = time.perf_counter()
    try:
        export_onnx(model, tmp, config.spec.in_channels, sample_size=config.spec.tile_size)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if home == checkpoint_dir:
        for old in checkpoint_dir.glob("onnx-*.onnx"):
            if old.name != name:
                old.unlink(missing_ok=True)
    _say(f"Made the ONNX Runtime copy of the model in {time.perf_counter() - started:.1f} s "
         f"(once per model): {path}", log)
    return path


@torch.inference_mode()
def check_agrees(model: nn.Module, net: nn.Module, in_channels: int) -> float:
    """Largest probability difference between `model` (CPU) and `net` on a seeded probe;
    raises OnnxMismatch above PROBE_TOLERANCE."""
    x = torch.from_numpy(np.random.default_rng(0).standard_normal(
        (1, in_channels, *PROBE_SHAPE), dtype=np.float32))
    a = model(x).float().softmax(1)
    b = net(x).float().softmax(1)
    if a.shape != b.shape:
        raise OnnxMismatch(f"the ONNX copy gives shape {tuple(b.shape)}, torch {tuple(a.shape)}")
    diff = float((a - b).abs().max())
    if not diff <= PROBE_TOLERANCE:
        raise OnnxMismatch(f"the ONNX copy differs from torch by {diff:.4f} on a probe")
    return diff
