"""Resume state (optimizer, scheduler, RNG, loop counters) as safetensors + JSON, never pickle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from app.ml.checkpoint import CheckpointError, _write_atomic

STATE_JSON = "train_state.json"
STATE_TENSORS = "train_state.safetensors"


def _split(value: Any, path: str, tensors: dict[str, torch.Tensor]) -> Any:
    """A JSON-able skeleton of a nested state; tensors move into `tensors` under their path.
    Tuples and int-keyed dicts are tagged so that _join restores them exactly."""
    if isinstance(value, torch.Tensor):
        tensors[path] = value.detach().to("cpu").contiguous()
        return {"__tensor__": path}
    if isinstance(value, dict):
        items = {str(k): _split(v, f"{path}/{k}", tensors) for k, v in value.items()}
        return {"__dict__": items,
                "__intkeys__": bool(value) and all(isinstance(k, int) for k in value)}
    if isinstance(value, tuple):
        return {"__tuple__": [_split(v, f"{path}/{i}", tensors) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_split(v, f"{path}/{i}", tensors) for i, v in enumerate(value)]
    return value


def _join(value: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(value, list):
        return [_join(v, tensors) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value:
        return tensors[value["__tensor__"]]
    if "__tuple__" in value:
        return tuple(_join(v, tensors) for v in value["__tuple__"])
    items = {k: _join(v, tensors) for k, v in value["__dict__"].items()}
    return {int(k): v for k, v in items.items()} if value["__intkeys__"] else items


def save_train_state(folder: str | Path, optimizer, scheduler, meta: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()[0]
    doc = {
        "optimizer": _split(optimizer.state_dict(), "optimizer", tensors),
        "scheduler": _split(scheduler.state_dict(), "scheduler", tensors) if scheduler else None,
        "rng": _split(rng, "rng", tensors),
        "meta": meta,
    }
    try:
        text = json.dumps(doc, indent=1)
    except TypeError as e:
        raise CheckpointError(f"training state is not JSON-serializable: {e}") from e
    _write_atomic(folder / STATE_TENSORS, lambda p: save_file(tensors, str(p)))
    _write_atomic(folder / STATE_JSON, lambda p: p.write_text(text, encoding="utf-8"))


def has_train_state(folder: str | Path) -> bool:
    folder = Path(folder)
    return (folder / STATE_JSON).is_file() and (folder / STATE_TENSORS).is_file()


def load_train_state(folder: str | Path, optimizer, scheduler) -> dict[str, Any]:
    """Restore optimizer, scheduler and RNG in place; return the loop's meta dict."""
    from safetensors.torch import load_file

    folder = Path(folder)
    try:
        doc = json.loads((folder / STATE_JSON).read_text(encoding="utf-8"))
        tensors = load_file(str(folder / STATE_TENSORS), device="cpu")
        optimizer.load_state_dict(_join(doc["optimizer"], tensors))
        if scheduler is not None and doc["scheduler"] is not None:
            scheduler.load_state_dict(_join(doc["scheduler"], tensors))
        rng = _join(doc["rng"], tensors)
    except (OSError, KeyError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"cannot resume from {folder}: {e}") from e
    torch.set_rng_state(rng["torch"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    return doc["meta"]
