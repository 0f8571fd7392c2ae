"""app.ml.validate.evaluate's soft Dice and the trainer's checkpoint tie-break."""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn

from app.ml.data import Sample
from app.ml.spec import ModelSpec, Normalization
from app.ml.trainer import _better
from app.ml.validate import evaluate


class Constant(nn.Module):
    """Logits that give every pixel defect probability p (background 1 - p)."""

    def __init__(self, p: float):
        super().__init__()
        self.logit = math.log(p / (1 - p))

    def forward(self, x):
        n, _c, h, w = x.shape
        out = torch.zeros(n, 2, h, w)
        out[:, 1] = self.logit
        return out


def sample() -> Sample:
    image = np.full((64, 64), 100, np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[10:26, 10:26] = 1  # 256 defect pixels of 4096
    return Sample(lambda: image, lambda: mask, classes_present={1}, key="s")


@pytest.mark.parametrize("p", [0.2, 0.4])
def test_soft_dice_moves_while_argmax_finds_nothing(p):
    spec = ModelSpec(in_channels=1, num_classes=2, tile_size=64, encoder_weights=None)
    out = evaluate(Constant(p), [sample()], spec, Normalization(), [1])
    assert out["miou"] == 0.0  # argmax: all background
    q = round(p * 255) / 255  # probabilities are stored as uint8
    expected = 2 * q * 256 / (q * 4096 + 256)
    assert out["soft_dice"] == pytest.approx(expected, abs=2e-3)


def test_equal_scores_are_broken_by_soft_dice():
    assert _better(0.0, 0.1, None, None)
    assert _better(0.5, 0.0, 0.4, 0.9)  # a better score wins whatever the tie-break
    assert not _better(0.4, 0.9, 0.5, 0.0)
    assert _better(0.0, 0.2, 0.0, 0.1)  # mIoU still 0: the closer probabilities win
    assert not _better(0.0, 0.1, 0.0, 0.1)
    assert _better(0.0, 0.2, 0.0, None)  # state saved before the tie-break existed
