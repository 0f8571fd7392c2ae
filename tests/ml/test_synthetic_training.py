"""Synthetic defects in training: which classes get them, same seed same samples, a tiny run."""

from __future__ import annotations

import numpy as np
import pytest

from app.ml import synthetic_training
from app.ml.checkpoint import ClassInfo
from app.ml.data import Sample
from app.ml.spec import ModelSpec
from app.ml.synthetic import synthetic_samples
from app.ml.synthetic_training import (
    FEW_EXAMPLES,
    auto_rule,
    make_synthetic,
    synthetic_classes,
    synthetic_count,
)
from app.ml.trainer import BaseCallback, TrainConfig, Trainer


def in_memory(image, mask, key):
    present = frozenset(int(v) for v in np.unique(mask) if v)
    return Sample(lambda: image, (lambda: mask) if present else None, is_good=not present,
                  classes_present=present, key=key, pixels=image.size)


def samples_with(counts: dict[int, int], good: int = 4) -> list[Sample]:
    """`counts[v]` parts holding one square of class v each, and `good` good parts."""
    rng = np.random.default_rng(0)
    out = []
    for v, n in counts.items():
        for i in range(n):
            image = rng.normal(80, 5, (40, 40)).clip(0, 255).astype(np.uint8)
            mask = np.zeros((40, 40), np.uint8)
            mask[10:16, 12:20] = v
            image[mask > 0] = 200
            out.append(in_memory(image, mask, f"{v}-{i}"))
    for i in range(good):
        image = rng.normal(80, 5, (40, 40)).clip(0, 255).astype(np.uint8)
        out.append(in_memory(image, np.zeros((40, 40), np.uint8), f"good-{i}"))
    return out


def test_auto_follows_the_measurement_and_picks_classes_with_few_examples_only(monkeypatch):
    # measured on magnetic-tile (docs/FIGURES.md): no gain, so auto adds none
    assert FEW_EXAMPLES == 0 and "did not help" in auto_rule()
    assert synthetic_classes(samples_with({1: 1, 2: 3}), [1, 2], "auto") == []
    monkeypatch.setattr(synthetic_training, "FEW_EXAMPLES", 5)  # were a gain measured below 5
    assert auto_rule().startswith("Auto adds them only for a class in fewer than 5")
    samples = samples_with({1: 3, 2: 5})
    assert synthetic_classes(samples, [1, 2, 3], "auto") == [1]
    assert synthetic_classes(samples, [1, 2, 3], "on") == [1, 2]  # class 3 has no example
    assert synthetic_classes(samples, [1, 2, 3], "off") == []
    assert synthetic_classes(samples_with({1: 3}, good=0), [1], "on") == []  # nothing to paste on
    assert synthetic_count(samples, [1, 2], "auto") == 16  # at least 16 ...
    # ... at most 4 per good part
    assert synthetic_count(samples_with({1: 3}, good=1), [1], "on") == 4
    with pytest.raises(ValueError, match="auto, on, off"):
        synthetic_classes(samples, [1], "sometimes")


def test_synthetic_samples_hold_pasted_defects_on_good_parts_and_repeat_by_seed():
    samples = samples_with({1: 2, 2: 2}, good=3)
    goods = {s.key: s.load()[0] for s in samples if s.is_good}
    a = make_synthetic(samples, [1, 2], "on", seed=3)
    b = make_synthetic(samples, [1, 2], "on", seed=3)
    c = make_synthetic(samples, [1, 2], "on", seed=4)
    assert len(a) == synthetic_count(samples, [1, 2], "on") == 12
    assert {next(iter(s.classes_present)) for s in a} == {1, 2}
    differs = False
    for sa, sb, sc in zip(a, b, c, strict=True):
        image, mask = sa.load()
        again = sb.load()
        assert np.array_equal(image, again[0]) and np.array_equal(mask, again[1])
        assert not sa.is_good
        # Only the planned class is pasted, and it looks like the patches (bright squares).
        assert set(np.unique(mask).tolist()) <= {0, *sa.classes_present}
        assert mask.any()
        good = goods[sa.key.split(" on ")[1]]
        assert image[mask > 0].mean() > good[mask > 0].mean() + 60
        differs |= not np.array_equal(mask, sc.load()[1])
    assert differs  # another seed, other pastes


class Messages(BaseCallback):
    def __init__(self):
        self.messages = []

    def on_message(self, text):
        self.messages.append(text)


@pytest.mark.parametrize("mode", ["on", "off"])
def test_a_tiny_training_run_with_synthetic_defects(tmp_path, mode):
    spec = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 2, 32, None)
    train = synthetic_samples(8, 48, seed=0)
    config = TrainConfig(epochs=1, batch_size=4, crops_per_image=1, device="cpu", synthetic=mode)
    rec = Messages()
    t = Trainer(spec, [ClassInfo(1, "scratch")], train, synthetic_samples(2, 48, seed=1),
                tmp_path, config, callbacks=[rec])
    result = t.fit()
    assert result.status == "completed" and result.best_dir is not None
    extra = synthetic_count(train, [1], mode)
    assert len(t.dataset) == len(train) + extra
    assert result.crops_trained == len(t.dataset)
    noted = [m for m in rec.messages if m.startswith("Synthetic defects")]
    assert bool(noted) == (mode == "on")
    if noted:
        assert f"{extra} good parts with pasted defects of scratch" in noted[0]
