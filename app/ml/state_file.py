"""Reading a flat {name: tensor} weights file safely: the lowest piece of checkpoint loading.

Its own module so that app.ml.checkpoint (which builds models through app.ml.registry) and
app.ml.weights (which app.ml.registry calls) both use it without importing each other.
"""

from __future__ import annotations

from pathlib import Path

import torch


class CheckpointError(Exception):
    """A checkpoint or weights file that cannot (or must not) be loaded."""


def load_state_file(path: str | Path) -> dict[str, torch.Tensor]:
    """A flat {name: tensor} dict from .safetensors, or from .pt/.pth through torch's
    weights-only unpickler (which refuses code-carrying pickles without running them)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no such file: {path}")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path), device="cpu")
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - every failure is "not a safe weights file"
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckpointError(f"{path.name} is not a plain weights file ({first})") from None
    if not isinstance(state, dict) or not state:
        raise CheckpointError(f"{path.name} holds a {type(state).__name__}, not a dict of tensors")
    bad = [k for k, v in state.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise CheckpointError(
            f"{path.name} is not a flat dict of tensors (entry {bad[0]!r} is "
            f"{type(state[bad[0]]).__name__}); export the model's state_dict alone"
        )
    return state
