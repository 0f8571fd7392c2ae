"""The inference entry point's backends: ONNX Runtime agrees with torch, its copy is cached and
never a pickle, and torch takes over (saying so) when ONNX Runtime is missing or fails."""

import logging

import numpy as np
import pytest
import torch

import app.ml.onnx_export as onnx_export
import app.ml.runtime as runtime
from app.ml.checkpoint import CheckpointConfig, CheckpointError, ClassInfo, save_checkpoint
from app.ml.inference import MODEL_KINDS, load_model_for_inference
from app.ml.registry import create_model
from app.ml.spec import ModelSpec, Normalization

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

NORM = Normalization((0.3,), (0.2,))
SPEC = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 3, 32, None)


@pytest.fixture
def checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(runtime.ENV, raising=False)
    torch.manual_seed(0)
    model = create_model(SPEC).model.eval()
    folder = tmp_path / "model"
    save_checkpoint(folder, model,
                    CheckpointConfig(SPEC, [ClassInfo(1, "a"), ClassInfo(4, "b")], NORM))
    return folder


def image(h=70, w=90, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w), dtype=np.uint8)


def test_onnx_and_torch_agree_and_the_copy_is_cached(checkpoint):
    said = []
    onnx_model = load_model_for_inference(checkpoint, "cpu", backend="onnx", log=said.append)
    torch_model = load_model_for_inference(checkpoint, "cpu", backend="torch")
    assert (onnx_model.backend, torch_model.backend) == ("onnx", "torch")
    assert isinstance(onnx_model.model, onnx_export.OrtModule)
    assert torch_model.device.channels_last  # torch on the CPU runs channels-last
    for img in (image(), image(33, 250, seed=1), image(200, 64, seed=2)):
        a, b = onnx_model.predict(img), torch_model.predict(img)
        assert a.shape == b.shape == (2, *img.shape) and a.dtype == np.uint8
        assert np.abs(a.astype(int) - b).max() <= 1
    copies = list(checkpoint.glob("onnx-*.onnx"))
    assert len(copies) == 1 and any("ONNX Runtime copy" in s for s in said)
    stamp = copies[0].stat().st_mtime_ns
    again = []
    load_model_for_inference(checkpoint, "cpu", log=again.append)  # auto: onnx on the CPU
    assert copies[0].stat().st_mtime_ns == stamp and again == []  # reused, not exported again


def test_new_weights_replace_the_old_copy(checkpoint):
    load_model_for_inference(checkpoint, "cpu", backend="onnx")
    (old,) = checkpoint.glob("onnx-*.onnx")
    torch.manual_seed(1)
    save_checkpoint(checkpoint, create_model(SPEC).model,
                    CheckpointConfig(SPEC, [ClassInfo(1, "a"), ClassInfo(4, "b")], NORM))
    load_model_for_inference(checkpoint, "cpu", backend="onnx")
    (new,) = checkpoint.glob("onnx-*.onnx")
    assert new.name != old.name


def test_files_written_are_never_pickles(checkpoint):
    import onnx
    from safetensors.torch import load_file

    load_model_for_inference(checkpoint, "cpu", backend="onnx")
    files = sorted(p for p in checkpoint.rglob("*") if p.is_file())
    assert {p.suffix for p in files} == {".json", ".safetensors", ".onnx"}
    for path in files:
        head = path.read_bytes()[:2]
        assert head[:1] != b"\x80" and head != b"PK", path  # pickle opcode / torch.save zip
    onnx.checker.check_model(onnx.load(str(next(checkpoint.glob("*.onnx")))))
    assert load_file(str(checkpoint / "weights.safetensors"))


def test_without_onnxruntime_auto_falls_back_to_torch_and_says_so(checkpoint, monkeypatch, caplog):
    monkeypatch.setattr(onnx_export, "missing", lambda *modules: list(modules))
    monkeypatch.setattr(runtime, "_said", set())
    said = []
    with caplog.at_level(logging.WARNING, logger="app.ml.runtime"):
        model = load_model_for_inference(checkpoint, "cpu", log=said.append)
        load_model_for_inference(checkpoint, "cpu")
    assert model.backend == "torch" and "onnxruntime" in model.note
    assert said == [model.note]
    assert [r.message for r in caplog.records] == [model.note]  # the process log: once
    assert model.predict(image()).shape == (2, 70, 90)
    assert not list(checkpoint.glob("*.onnx"))
    with pytest.raises(onnx_export.OnnxUnavailable, match="pip install onnx onnxruntime"):
        load_model_for_inference(checkpoint, "cpu", backend="onnx")


def test_a_failed_export_or_a_disagreeing_copy_falls_back(checkpoint, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("unsupported operator")

    with monkeypatch.context() as m:
        m.setattr(onnx_export, "export_onnx", broken)
        model = load_model_for_inference(checkpoint, "cpu")
        assert model.backend == "torch" and "unsupported operator" in model.note

    forward = onnx_export.OrtModule.forward
    monkeypatch.setattr(onnx_export.OrtModule, "forward", lambda self, x: forward(self, x) * 3)
    model = load_model_for_inference(checkpoint, "cpu")
    assert model.backend == "torch" and "differs from torch" in model.note
    with pytest.raises(runtime.OnnxMismatch):
        load_model_for_inference(checkpoint, "cpu", backend="onnx")


def test_read_only_checkpoint_folder_uses_the_cache_folder(checkpoint, tmp_path, monkeypatch):
    writable = runtime._writable
    monkeypatch.setattr(runtime, "_writable", lambda f: f != checkpoint and writable(f))
    model = load_model_for_inference(checkpoint, "cpu", backend="onnx")
    assert model.backend == "onnx"
    assert not list(checkpoint.glob("*.onnx"))
    assert len(list((tmp_path / "cache" / "onnx").glob("onnx-*.onnx"))) == 1


def test_backend_choice(checkpoint, monkeypatch):
    monkeypatch.setenv(runtime.ENV, "torch")
    assert load_model_for_inference(checkpoint, "cpu").backend == "torch"
    monkeypatch.setenv(runtime.ENV, "fast")
    with pytest.raises(ValueError, match="auto, torch, onnx"):
        load_model_for_inference(checkpoint, "cpu")


def test_model_kind_dispatch(checkpoint, monkeypatch):
    config = checkpoint / "config.json"
    config.write_text(config.read_text().replace('"format": 1,', '"format": 1, "kind": "other",'))
    with pytest.raises(CheckpointError, match="unknown model kind 'other'"):
        load_model_for_inference(checkpoint, "cpu")
    monkeypatch.setitem(MODEL_KINDS, "other",
                        lambda folder, device, backend, log: ("other", folder))
    assert load_model_for_inference(checkpoint, "cpu") == ("other", checkpoint)

