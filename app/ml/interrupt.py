"""Cancel inside a training step, not only between steps.

A CPU training step of the default spec takes seconds (3-7 s on a busy 2-core machine), longer
than a user waits after pressing Stop. `interrupt_on` checks the cancel flag at every
convolution: before it runs (forward) and when its gradient arrives (backward, through a hook on
its output tensor). Raising there unwinds the step; autograd frees the graph, the optimizer has
not stepped, and the next step (after zero_grad) is unaffected. Convolutions do nearly all the
work and their outputs are never modified in place (BatchNorm follows them), so hooking them
gives a check every few tens of milliseconds at negligible cost (a Python call each).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import torch
import torch.nn as nn


class InterruptHooks:
    """The installed hooks; `remove()` takes them off again (before the model is handed on)."""

    def __init__(self, handles: list) -> None:
        self.handles = handles

    def remove(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles = []


def interrupt_on(model: nn.Module, cancel: threading.Event,
                 error: Callable[[], BaseException]) -> InterruptHooks:
    """Raise `error()` from inside forward or backward of `model` once `cancel` is set."""

    def check(*_args) -> None:
        if cancel.is_set():
            raise error()

    def pre_forward(_module, _inputs) -> None:
        check()

    def post_forward(_module, _inputs, output) -> None:
        if torch.is_grad_enabled() and isinstance(output, torch.Tensor) and output.requires_grad:
            output.register_hook(check)

    handles = []
    for module in model.modules():
        if isinstance(module, nn.modules.conv._ConvNd):
            handles.append(module.register_forward_pre_hook(pre_forward))
            handles.append(module.register_forward_hook(post_forward))
    return InterruptHooks(handles)
