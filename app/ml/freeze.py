"""A frozen encoder: the decoder trains on features the (pretrained) encoder computes as loaded.

Frozen means both its weights (requires_grad off, so the optimizer never gets them) and its
batch-norm running statistics (those modules are put back in eval mode after every
`model.train()`). ModelSpec.unfrozen_stages lets the last encoder stages train with the decoder.

Stages are found from the encoder itself, not from a per-encoder table: stage k holds the
parameters that feature map k depends on and feature map k - 1 does not (gradients of each
feature map on a tiny input).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn

from app.ml.spec import ModelSpec

PROBE_SIZE = 64  # px; any multiple of the stride will do


@dataclass
class Freeze:
    frozen_modules: list[nn.Module] = field(default_factory=list)
    note: str = ""

    def hold(self) -> None:
        """Call after model.train(): frozen modules keep their running statistics."""
        for m in self.frozen_modules:
            m.eval()


def encoder_stages(encoder: nn.Module, in_channels: int) -> list[list[str]]:
    """Names of the encoder's parameters, per stage (the encoder's feature maps after its input)."""
    named = [(n, p) for n, p in encoder.named_parameters() if p.requires_grad]
    modes = [(m, m.training) for m in encoder.modules()]
    encoder.eval()  # no running-statistics update from the probe
    try:
        device = named[0][1].device if named else torch.device("cpu")
        x = torch.zeros(1, in_channels, PROBE_SIZE, PROBE_SIZE, device=device)
        with torch.enable_grad():
            features = [f for f in encoder(x)[1:] if f.requires_grad]
            seen: set[str] = set()
            stages = []
            for f in features:
                grads = torch.autograd.grad(f.float().sum(), [p for _, p in named],
                                            retain_graph=True, allow_unused=True)
                reached = [n for (n, _), g in zip(named, grads, strict=True) if g is not None]
                stages.append([n for n in reached if n not in seen])
                seen.update(reached)
    finally:
        for m, training in modes:
            m.training = training
    return stages


def freeze_encoder(model: nn.Module, spec: ModelSpec) -> Freeze:
    """Freeze model.encoder as spec says (nothing when spec.freeze_encoder is False)."""
    if not spec.freeze_encoder:
        return Freeze()
    encoder = model.encoder
    train_names: set[str] = set()
    if spec.unfrozen_stages:
        stages = encoder_stages(encoder, spec.in_channels)  # type: ignore[arg-type]  # torch types a module's attribute as Tensor | Module
        for stage in stages[len(stages) - spec.unfrozen_stages:]:
            train_names.update(stage)
    for name, p in encoder.named_parameters():  # type: ignore[union-attr]  # torch types a module's attribute as Tensor | Module
        p.requires_grad_(name in train_names)
    frozen = []
    for m in encoder.modules():  # type: ignore[union-attr]  # torch types a module's attribute as Tensor | Module
        own = list(m.parameters(recurse=False))
        if own and not any(p.requires_grad for p in own):
            frozen.append(m)
        elif not own and list(m.buffers(recurse=False)) and not train_names:
            frozen.append(m)  # e.g. batch norm without affine weights, in a fully frozen encoder
    total = sum(1 for _ in encoder.parameters())  # type: ignore[misc, union-attr]  # torch types a module's attribute as Tensor | Module
    if train_names:
        note = (f"Encoder frozen except its last {spec.unfrozen_stages} stage(s) "
                f"({len(train_names)} of {total} encoder tensors train)")
    else:
        note = "Encoder frozen: only the decoder trains"
    return Freeze(frozen, note)
