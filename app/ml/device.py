"""Where the model runs and how: CUDA, then MPS, then CPU; mixed precision and channels_last on
CUDA only (on CPU they cost more than they save)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class DeviceConfig:
    device: torch.device
    amp_dtype: torch.dtype | None  # autocast dtype, None = full float32
    channels_last: bool

    @property
    def kind(self) -> str:
        return self.device.type

    def autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def grad_scaler(self) -> torch.amp.GradScaler:
        """Loss scaling is only needed for float16 (bfloat16 has float32's range)."""
        return torch.amp.GradScaler(self.device.type, enabled=self.amp_dtype == torch.float16)

    def prepare(self, model: torch.nn.Module) -> torch.nn.Module:
        model = model.to(self.device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # Module.to takes memory_format at run time; the stubs omit it
        return model

    def batch(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.device, non_blocking=True)
        if self.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def describe(self) -> str:
        amp = {None: "float32", torch.bfloat16: "bf16 AMP",
               torch.float16: "fp16 AMP"}[self.amp_dtype]
        name = torch.cuda.get_device_name(self.device) if self.kind == "cuda" else self.kind.upper()
        return f"{name} ({amp})"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def pick_device(override: str | None = None, amp: bool = True) -> DeviceConfig:
    """Best device, or the one named by `override` ("auto", "cpu", "cuda", "cuda:1", "mps").
    Raises ValueError when the named device is not available."""
    name = (override or "auto").strip().lower()
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if _mps_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError as e:
        raise ValueError(f"Unknown device {override!r}: use auto, cpu, cuda, cuda:N or mps") from e
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("CUDA was asked for but no CUDA GPU is available")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"No GPU {device}: {torch.cuda.device_count()} available")
        dtype = None
        if amp:
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return DeviceConfig(device, dtype, channels_last=True)
    if device.type == "mps":
        if not _mps_available():
            raise ValueError("MPS was asked for but is not available")
        return DeviceConfig(device, None, channels_last=False)
    if device.type != "cpu":
        raise ValueError(f"Unsupported device {override!r}: use auto, cpu, cuda, cuda:N or mps")
    return DeviceConfig(device, None, channels_last=False)
