"""Losses by name; each falls as the prediction improves and gives gradients."""

import pytest
import torch

from app.ml.losses import LOSSES, make_loss


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_rank_predictions(name):
    target = torch.zeros(2, 8, 8, dtype=torch.long)
    target[:, 2:5, 2:5] = 1
    target[1, 6:, 6:] = 2
    good = torch.nn.functional.one_hot(target, 3).permute(0, 3, 1, 2).float() * 8
    bad = good.roll(1, dims=1)
    loss = make_loss(name, class_weights=[0.5, 1.0, 2.0])
    assert loss(good, target) < loss(bad, target)
    logits = torch.zeros(2, 3, 8, 8, requires_grad=True)
    loss(logits, target).backward()
    assert logits.grad.abs().sum() > 0


def test_unknown_loss_lists_names():
    with pytest.raises(ValueError, match="dice_focal") as e:
        make_loss("lovasz")
    assert "weighted_ce" in str(e.value)
