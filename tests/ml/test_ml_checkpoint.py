"""Checkpoints round-trip; foreign weight files are loaded only when they are plain tensors."""

import json
import pickle

import pytest
import torch

from app.ml.checkpoint import (
    CheckpointConfig,
    CheckpointError,
    ClassInfo,
    build_model,
    load_checkpoint,
    load_state_file,
    read_config,
    save_checkpoint,
    sha256_file,
)
from app.ml.registry import create_model
from app.ml.spec import ModelSpec, Normalization
from app.ml.train_state import load_train_state, save_train_state

SPEC = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 3, 32, None)
CLASSES = [ClassInfo(7, "dent", "#00ff00"), ClassInfo(2, "scratch", "#ff0000")]


def test_round_trip_gives_identical_outputs(tmp_path):
    torch.manual_seed(0)
    model = create_model(SPEC).model.eval()
    config = CheckpointConfig(SPEC, CLASSES, Normalization((0.3,), (0.2,)), "fp123", {"miou": 0.5})
    save_checkpoint(tmp_path / "ck", model, config)
    doc = json.loads((tmp_path / "ck" / "config.json").read_text())
    assert doc["spec"]["decoder_channels"] == [16, 8, 8, 8, 8]
    assert [c["value"] for c in doc["classes"]] == [2, 7]  # channel order = class value order
    assert doc["weights_sha256"] == sha256_file(tmp_path / "ck" / "weights.safetensors")
    assert doc["torch_version"] == torch.__version__ and doc["created"]

    loaded, state = load_checkpoint(tmp_path / "ck")
    assert loaded.spec == SPEC and loaded.class_values == [2, 7]
    assert loaded.normalization == config.normalization and loaded.metrics == {"miou": 0.5}
    again = build_model(loaded, state).eval()
    x = torch.randn(2, 1, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(x), again(x))
    assert read_config(tmp_path / "ck" / "config.json").data_fingerprint == "fp123"


def test_damaged_weights_are_refused(tmp_path):
    model = create_model(SPEC).model
    save_checkpoint(tmp_path, model, CheckpointConfig(SPEC, CLASSES, Normalization()))
    with open(tmp_path / "weights.safetensors", "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\0\0\0\1")
    with pytest.raises(CheckpointError, match="sha256"):
        load_checkpoint(tmp_path)


def test_class_count_must_match_outputs():
    with pytest.raises(CheckpointError, match="outputs"):
        CheckpointConfig(SPEC, CLASSES[:1], Normalization())


class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("how", ["torch.save", "pickle"])
def test_pickle_with_payload_is_refused_without_running_it(tmp_path, how):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    obj = {"conv.weight": torch.zeros(2), "x": Payload(marker)}
    if how == "torch.save":
        torch.save(obj, path)
    else:
        path.write_bytes(pickle.dumps(obj, protocol=2))
    with pytest.raises(CheckpointError, match="not a plain weights file"):
        load_state_file(path)
    assert not marker.exists()


def test_only_flat_dicts_of_tensors(tmp_path):
    nested = tmp_path / "nested.pth"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "epoch": 3}, nested)
    with pytest.raises(CheckpointError, match="flat dict of tensors"):
        load_state_file(nested)
    tensor = tmp_path / "tensor.pt"
    torch.save(torch.zeros(3), tensor)
    with pytest.raises(CheckpointError, match="not a dict"):
        load_state_file(tensor)
    good = tmp_path / "good.pt"
    torch.save({"w": torch.ones(2)}, good)
    assert torch.equal(load_state_file(good)["w"], torch.ones(2))
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"not really")
    with pytest.raises(CheckpointError):
        load_state_file(garbage)


def test_train_state_round_trip_without_pickle(tmp_path):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    sched.step()
    save_train_state(tmp_path, opt, sched, {"epoch": 1, "history": [{"miou": 0.1}]})
    expected_draw = torch.rand(3)

    opt2 = torch.optim.AdamW(model.parameters(), lr=0.01)
    sched2 = torch.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=5)
    meta = load_train_state(tmp_path, opt2, sched2)
    assert meta == {"epoch": 1, "history": [{"miou": 0.1}]}
    assert torch.equal(torch.rand(3), expected_draw)  # RNG restored to the save point
    assert sched2.state_dict() == sched.state_dict()
    a, b = opt.state_dict(), opt2.state_dict()
    assert a["param_groups"] == b["param_groups"]
    for pid, st in a["state"].items():
        for k, v in st.items():
            assert torch.equal(v, b["state"][pid][k])
    assert not list(tmp_path.glob("*.pt")) and not list(tmp_path.glob("*.pkl"))
