"""The training loop on a tiny synthetic set: learns, checkpoints, cancels, resumes, survives
OOM.
"""

import threading
import time

import numpy as np
import pytest
import torch

from app.ml.checkpoint import ClassInfo, build_model, load_checkpoint
from app.ml.inference import load_model_for_inference
from app.ml.spec import ModelSpec
from app.ml.synthetic import synthetic_samples
from app.ml.trainer import BaseCallback, TrainConfig, Trainer, TrainingError, cosine_lr

SPEC = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 2, 32, None)
CLASSES = [ClassInfo(1, "scratch")]
TRAIN = synthetic_samples(8, 48, seed=0)
VAL = synthetic_samples(4, 48, seed=1)


class Record(BaseCallback):
    def __init__(self, stop_at_step=None, cancel=None):
        self.steps, self.epochs, self.checkpoints, self.messages = [], [], [], []
        self.stop_at_step, self.cancel, self.cancelled_at = stop_at_step, cancel, None

    def on_step(self, step, loss):
        self.steps.append((step, loss))
        if step == self.stop_at_step:
            self.cancelled_at = time.perf_counter()
            self.cancel.set()

    def on_epoch(self, epoch, metrics):
        self.epochs.append((epoch, metrics))

    def on_checkpoint(self, path):
        self.checkpoints.append(path)

    def on_message(self, text):
        self.messages.append(text)


def trainer(tmp_path, callbacks=(), cancel=None, val=VAL, **cfg):
    config = TrainConfig(**{"epochs": 2, "batch_size": 4, "lr": 3e-3, "crops_per_image": 2,
                            "device": "cpu", **cfg})
    return Trainer(SPEC, CLASSES, TRAIN, val, tmp_path, config, callbacks=callbacks, cancel=cancel)


def test_training_learns_reports_and_checkpoints(tmp_path):
    rec = Record()
    t = trainer(tmp_path, [rec])
    result = t.fit()
    assert result.status == "completed" and result.epochs_done == 2
    assert [s for s, _ in rec.steps] == list(range(1, 9))  # 16 crops / batch 4, two epochs
    first, last = (m["train_loss"] for m in result.history)
    assert last < first
    epoch, metrics = rec.epochs[-1]
    assert epoch == 1
    for key in ("miou", "iou", "dice", "pixel_precision", "pixel_recall", "detection_recall",
                "escapes", "false_reject_rate", "train_loss"):
        assert key in metrics
    assert metrics["parts"] == len(VAL) and 0.0 <= metrics["miou"] <= 1.0
    assert rec.checkpoints and rec.checkpoints[0] == result.best_dir == tmp_path / "best"
    assert any("Random init" in m for m in rec.messages)

    # The last checkpoint is the trained model, bit for bit.
    config, state = load_checkpoint(result.last_dir)
    again = build_model(config, state).eval()
    x = torch.randn(2, 1, 64, 64)
    t.model.eval()
    with torch.no_grad():
        assert torch.equal(t.model(x), again(x))
    assert config.metrics["epoch"] == 1 and config.normalization == t.norm
    best = load_model_for_inference(result.best_dir, device="cpu")
    probs = best.predict(np.zeros((50, 70), np.uint8))
    assert probs.shape == (1, 50, 70) and probs.dtype == np.uint8


def test_cancel_is_honoured_fast_and_keeps_the_best(tmp_path):
    cancel = threading.Event()
    rec = Record(stop_at_step=6, cancel=cancel)  # inside the second epoch
    result = trainer(tmp_path, [rec], cancel, epochs=5).fit()
    assert time.perf_counter() - rec.cancelled_at < 2.0
    assert result.status == "canceled" and result.epochs_done == 1
    assert result.best_dir is not None and (result.best_dir / "weights.safetensors").is_file()
    assert max(s for s, _ in rec.steps) == 6


def test_resume_continues_from_the_saved_epoch(tmp_path):
    straight = trainer(tmp_path / "a", epochs=2)
    straight.fit()

    trainer(tmp_path / "b", epochs=1).fit()
    rec = Record()
    resumed = trainer(tmp_path / "b", [rec], epochs=2)
    result = resumed.fit(resume=True)
    assert [e for e, _ in rec.epochs] == [1]
    assert result.epochs_done == 2 and len(result.history) == 2
    assert rec.steps[0][0] == 5  # step count carried over
    for (k, a), b in zip(straight.model.state_dict().items(),
                         resumed.model.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, msg=k)  # same data order, RNG and optimizer state
    with pytest.raises(TrainingError, match="nothing to resume"):
        trainer(tmp_path / "c").fit(resume=True)


def test_out_of_memory_halves_the_batch(tmp_path, monkeypatch):
    real = Trainer.train_step

    def step(self, x, y):
        if x.shape[0] > 2:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(self, x, y)

    monkeypatch.setattr(Trainer, "train_step", step)
    rec = Record()
    result = trainer(tmp_path, [rec], epochs=1).fit()
    assert result.status == "completed" and result.batch_size == 2
    assert any("batch size lowered to 2" in m for m in rec.messages)

    def always(self, x, y):
        raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(Trainer, "train_step", always)
    with pytest.raises(TrainingError, match="batch size 1"):
        trainer(tmp_path / "again", epochs=1).fit()


def test_early_stopping_and_no_validation(tmp_path, monkeypatch):
    monkeypatch.setattr(Trainer, "_validate", lambda self: {"miou": 0.5})  # never improves
    result = trainer(tmp_path / "a", epochs=5, patience=1).fit()
    assert result.status == "early_stopped" and result.epochs_done == 2 and result.best_epoch == 0

    monkeypatch.undo()
    result = trainer(tmp_path / "b", val=[], epochs=1).fit()
    assert result.status == "completed" and result.best_dir is not None
    assert "miou" not in result.history[0]


def test_stop_lands_inside_a_step_and_the_model_is_left_without_hooks(tmp_path):
    """Cancel set while a step's loss is computed: its backward is cut short, no optimizer
    step happens, fit reports "canceled", and the model keeps no interrupt hooks."""
    cancel = threading.Event()
    rec = Record()
    t = trainer(tmp_path, [rec], cancel=cancel)
    calls = []

    def loss_then_cancel(logits, target):
        calls.append(1)
        if len(calls) == 3:
            cancel.set()  # as Stop does from the UI thread, here mid-step
        return torch.nn.functional.cross_entropy(logits, target)

    original = t._setup

    def setup(resume):
        meta = original(resume)
        t.loss_fn = loss_then_cancel
        return meta

    t._setup = setup
    result = t.fit()
    assert result.status == "canceled"
    assert [s for s, _ in rec.steps] == [1, 2]  # step 3 never finished
    assert len(calls) == 3
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in t.model.modules())
    state = t.optimizer.state_dict()["state"]
    assert all(int(s["step"]) == 2 for s in state.values())  # two optimizer steps, not three


def test_interrupt_hooks_raise_in_forward_and_backward():
    from app.ml.interrupt import interrupt_on

    class Stop(Exception):
        pass

    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Conv2d(4, 2, 3))
    cancel = threading.Event()
    hooks = interrupt_on(model, cancel, Stop)
    x = torch.randn(2, 1, 16, 16)
    out = model(x)
    out.register_hook(lambda g: cancel.set())  # cancel once backward has started
    with pytest.raises(Stop):
        out.sum().backward()
    cancel.set()
    with pytest.raises(Stop):
        model(x)
    cancel.clear()
    model.zero_grad(set_to_none=True)
    model(x).sum().backward()  # the next step is unaffected
    assert all(p.grad is not None for p in model.parameters())
    hooks.remove()
    cancel.set()
    model(x)  # hooks gone: nothing raises


def test_the_learning_rate_follows_the_time_budget(tmp_path):
    """With minutes set, the cosine runs over the share of the budget used, not over epochs."""
    t = trainer(tmp_path, minutes=10, epochs=3, lr=1e-3)
    floor = 1e-5
    assert t.lr_at(0, 0.0) == pytest.approx(1e-3)
    assert t.lr_at(0, 150.0) == pytest.approx(floor + (1e-3 - floor) * 0.5 * (1 + 2 ** -0.5))
    assert t.lr_at(2, 300.0) == t.lr_at(50, 300.0) == pytest.approx((1e-3 + floor) / 2)
    assert t.lr_at(0, 600.0) == pytest.approx(floor)
    assert t.lr_at(9, 900.0) == pytest.approx(floor)  # past the budget: stays at the floor
    by_epochs = trainer(tmp_path / "e", epochs=4, lr=1e-3)
    assert by_epochs.lr_at(2, 300.0) == pytest.approx((1e-3 + floor) / 2)  # time ignored


class LrRecord(Record):
    def __init__(self):
        super().__init__()
        self.trainer, self.lrs = None, []

    def on_step(self, step, loss):
        super().on_step(step, loss)
        self.lrs.append((self.trainer.elapsed(), self.trainer.optimizer.param_groups[0]["lr"]))


def test_a_time_budget_ends_the_run_on_time_and_keeps_the_best(tmp_path):
    budget_s = 6.0
    trainer(tmp_path / "warm", epochs=1)._setup(False)  # imports: not this test's business
    rec = LrRecord()
    t = trainer(tmp_path, [rec], minutes=budget_s / 60, epochs=1, patience=0)
    rec.trainer = t
    started = time.perf_counter()
    result = t.fit()
    took = time.perf_counter() - started
    assert result.status == "completed" and result.time_up
    assert budget_s - 2.0 < took < budget_s + 2.0, took
    assert result.epochs_done == len(result.history) and "miou" in result.history[-1]
    assert (result.best_dir / "weights.safetensors").is_file()
    assert any(m.startswith("Time budget of 6 s used") for m in rec.messages)
    # Each step's learning rate was set from the budget's clock just before the step: between
    # the cosine at the end of the step and at the end of the step before.
    lrs = [lr for _, lr in rec.lrs]
    assert lrs == sorted(lrs, reverse=True) and lrs[-1] < lrs[0]
    previous = 0.0
    for elapsed, lr in rec.lrs:
        assert cosine_lr(3e-3, elapsed / budget_s) <= lr <= cosine_lr(3e-3, previous / budget_s)
        previous = elapsed
    assert result.crops_trained == 4 * len(rec.steps) and result.crops_per_s > 0
    assert result.seconds == pytest.approx(took, abs=0.5)
