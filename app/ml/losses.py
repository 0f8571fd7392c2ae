"""Segmentation losses on logits (N, 1+C, H, W) and index targets (N, H, W), by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


class DiceLoss(nn.Module):
    """1 - soft Dice, averaged over the defect channels (background would swamp it)."""

    def __init__(self, smooth: float = 1.0) -> None:
        super().__init__()
        self.smooth = smooth

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        probs = logits.float().softmax(1)[:, 1:]
        onehot = F.one_hot(target, logits.shape[1]).permute(0, 3, 1, 2)[:, 1:].to(probs.dtype)
        dims = (0, 2, 3)
        inter = (probs * onehot).sum(dims)
        total = probs.sum(dims) + onehot.sum(dims)
        return 1.0 - ((2 * inter + self.smooth) / (total + self.smooth)).mean()


class FocalLoss(nn.Module):
    """Multi-class focal loss: cross-entropy damped on easy pixels, which are mostly background."""

    def __init__(self, gamma: float = 2.0, weight: torch.Tensor | None = None) -> None:
        super().__init__()
        self.gamma = gamma
        self.register_buffer("weight", weight, persistent=False)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        logp = logits.float().log_softmax(1)
        logp_t = logp.gather(1, target[:, None]).squeeze(1)
        loss = -((1 - logp_t.exp()) ** self.gamma) * logp_t
        if self.weight is not None:
            loss = loss * self.weight[target]  # type: ignore[index]  # torch types a module's attribute as Tensor | Module
        return loss.mean()


class WeightedCrossEntropy(nn.Module):
    def __init__(self, weight: torch.Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("weight", weight, persistent=False)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.float(), target, weight=self.weight)  # type: ignore[arg-type]  # torch types a module's attribute as Tensor | Module


class Sum(nn.Module):
    def __init__(self, *terms: nn.Module) -> None:
        super().__init__()
        self.terms = nn.ModuleList(terms)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return sum(t(logits, target) for t in self.terms)


def _weights(class_weights: Sequence[float] | None) -> torch.Tensor | None:
    return None if class_weights is None else torch.as_tensor(class_weights, dtype=torch.float32)


LOSSES: dict[str, Callable[[Sequence[float] | None], nn.Module]] = {
    "dice_focal": lambda w: Sum(DiceLoss(), FocalLoss(weight=_weights(w))),
    "dice_ce": lambda w: Sum(DiceLoss(), WeightedCrossEntropy(_weights(w))),
    "weighted_ce": lambda w: WeightedCrossEntropy(_weights(w)),
    "focal": lambda w: FocalLoss(weight=_weights(w)),
    "dice": lambda w: DiceLoss(),
}
DEFAULT_LOSS = "dice_focal"


def make_loss(name: str = DEFAULT_LOSS, class_weights: Sequence[float] | None = None) -> nn.Module:
    """Loss by name; class_weights has one weight per output channel (background first)."""
    if name not in LOSSES:
        raise ValueError(f"Unknown loss {name!r}. Valid losses: {', '.join(LOSSES)}")
    return LOSSES[name](class_weights)
