"""Self-describing checkpoints: a folder with config.json (everything needed to rebuild and run
the model) and weights.safetensors. Never pickle: foreign .pt files go through a
weights-only loader and must be a flat dict of tensors."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from app.core.hashing import sha256_file  # noqa: F401 - re-exported for runtime.py
from app.ml.spec import ModelSpec, Normalization
from app.ml.state_file import CheckpointError, load_state_file

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "weights.safetensors"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ClassInfo:
    """A defect class as the model knows it; output channel i+1 is the i-th class by value."""

    value: int
    name: str
    color: str = "#ff0000"


@dataclass
class CheckpointConfig:
    spec: ModelSpec
    classes: list[ClassInfo]
    normalization: Normalization
    data_fingerprint: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    created: str = field(
        default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    torch_version: str = field(default_factory=lambda: torch.__version__)
    weights_sha256: str = ""
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # settings of non-network kinds
    kind: str = ""  # config.json "kind" (app.ml.inference.MODEL_KINDS); "" = by architecture

    def __post_init__(self) -> None:
        self.classes = sorted(self.classes, key=lambda c: c.value)
        if len(self.classes) + 1 != self.spec.num_classes:
            raise CheckpointError(
                f"{len(self.classes)} defect classes but the model has {self.spec.num_classes} "
                "outputs (background + one per class)"
            )

    @property
    def class_values(self) -> list[int]:
        return [c.value for c in self.classes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "spec": self.spec.to_dict(),
            "classes": [asdict(c) for c in self.classes],
            "normalization": self.normalization.to_dict(),
            "data_fingerprint": self.data_fingerprint,
            "metrics": self.metrics,
            "created": self.created,
            "torch_version": self.torch_version,
            "weights_sha256": self.weights_sha256,
            "notes": list(self.notes),
            **({"extra": self.extra} if self.extra else {}),
            **({"kind": self.kind} if self.kind else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckpointConfig:
        if d.get("format", 0) > FORMAT_VERSION:
            raise CheckpointError(f"checkpoint format {d['format']} is newer than this program")
        try:
            return cls(
                spec=ModelSpec.from_dict(d["spec"]),
                classes=[ClassInfo(int(c["value"]), str(c["name"]), str(c.get("color", "#ff0000")))
                         for c in d["classes"]],
                normalization=Normalization.from_dict(d["normalization"]),
                data_fingerprint=d.get("data_fingerprint", ""),
                metrics=d.get("metrics", {}),
                created=d.get("created", ""),
                torch_version=d.get("torch_version", ""),
                weights_sha256=d.get("weights_sha256", ""),
                notes=list(d.get("notes", [])),
                extra=dict(d.get("extra", {})),
                kind=str(d.get("kind", "")),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"bad checkpoint config: {e}") from e


def _write_atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def save_checkpoint(
    folder: str | Path, model: nn.Module, config: CheckpointConfig
) -> CheckpointConfig:
    """Write weights, then config (a config therefore always describes complete weights)."""
    from safetensors.torch import save

    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    return write_checkpoint(folder, save(state, metadata={"format": "pt"}), config)


def write_checkpoint(
    folder: str | Path, weights: bytes, config: CheckpointConfig
) -> CheckpointConfig:
    """Write safetensors bytes, then the config with their sha256 (hashed in memory)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config.weights_sha256 = hashlib.sha256(weights).hexdigest()
    _write_atomic(folder / WEIGHTS_NAME, lambda p: p.write_bytes(weights))
    text = json.dumps(config.to_dict(), indent=2)
    _write_atomic(folder / CONFIG_NAME, lambda p: p.write_text(text, encoding="utf-8"))
    return config


def copy_checkpoint(src: str | Path, dst: str | Path) -> None:
    """Copy a checkpoint folder's two files (weights first, like save_checkpoint)."""
    import shutil

    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for name in (WEIGHTS_NAME, CONFIG_NAME):
        _write_atomic(dst / name, lambda p, n=name: shutil.copyfile(src / n, p))


def _paths(path: str | Path) -> tuple[Path, Path]:
    path = Path(path)
    if path.is_dir():
        return path / CONFIG_NAME, path / WEIGHTS_NAME
    if path.name == CONFIG_NAME:
        return path, path.with_name(WEIGHTS_NAME)
    raise CheckpointError(f"{path} is not a checkpoint folder or its {CONFIG_NAME}")


def read_config(path: str | Path) -> CheckpointConfig:
    config_path, _ = _paths(path)
    try:
        return CheckpointConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as e:
        raise CheckpointError(f"cannot read {config_path}: {e}") from e
    except RecursionError:
        raise CheckpointError(f"{config_path} is nested too deeply to be a model "
                              "config") from None


def load_checkpoint(
    path: str | Path, verify: bool = True
) -> tuple[CheckpointConfig, dict[str, torch.Tensor]]:
    """(config, state_dict) from a checkpoint folder; checks the weights' sha256."""
    config = read_config(path)
    _, weights = _paths(path)
    if not weights.is_file():
        raise CheckpointError(f"missing {weights}")
    if verify and config.weights_sha256 and sha256_file(weights) != config.weights_sha256:
        raise CheckpointError(
            f"{weights} does not match the sha256 in its config (changed or damaged)")
    return config, load_state_file(weights)


def build_model(config: CheckpointConfig, state: dict[str, torch.Tensor]) -> nn.Module:
    """Rebuild the network by name and load its weights (no download)."""
    from app.ml.registry import create_model

    model = create_model(config.spec, pretrained=False).model
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise CheckpointError(
            f"weights do not fit {config.spec.architecture}/{config.spec.encoder}: {e}") from e
    return model
