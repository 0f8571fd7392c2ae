"""Device choice: CUDA, then MPS, then CPU; AMP and channels_last on CUDA only."""

import pytest
import torch

from app.ml import device as dev


def test_cpu_is_plain_float32():
    cfg = dev.pick_device("cpu")
    assert cfg.device.type == "cpu" and cfg.amp_dtype is None and not cfg.channels_last
    assert not cfg.grad_scaler().is_enabled()
    with cfg.autocast():
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
    assert cfg.describe() == "CPU (float32)"


def test_auto_and_bad_overrides(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "_mps_available", lambda: False)
    assert dev.pick_device(None).device.type == "cpu"
    assert dev.pick_device("auto").device.type == "cpu"
    with pytest.raises(ValueError, match="CUDA"):
        dev.pick_device("cuda")
    with pytest.raises(ValueError, match="MPS"):
        dev.pick_device("mps")
    with pytest.raises(ValueError, match="use auto, cpu"):
        dev.pick_device("tpu")


@pytest.mark.parametrize("bf16,dtype", [(True, torch.bfloat16), (False, torch.float16)])
def test_cuda_gets_amp_and_channels_last(monkeypatch, bf16, dtype):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: bf16)
    cfg = dev.pick_device("auto")
    assert cfg.device == torch.device("cuda") and cfg.amp_dtype == dtype and cfg.channels_last
    assert dev.pick_device("cuda", amp=False).amp_dtype is None
    with pytest.raises(ValueError, match="No GPU"):
        dev.pick_device("cuda:3")
