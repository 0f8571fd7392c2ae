"""What a model is (ModelSpec) and how its input is scaled (Normalization). No torch here,
so the UI can show and edit both without loading torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

STRIDE = 32  # every registered encoder downsamples 5 times; inputs must be multiples of this
ENCODER_STAGES = 5  # one per downsampling
CPU_ENCODER = "tu-tf_efficientnet_lite0"  # its ImageNet weights come with a package
SLIM_DECODER = (64, 32, 16, 16, 8)  # several times faster on CPU than the stock U-Net decoder


@dataclass(frozen=True)
class ModelSpec:
    """A segmentation model, rebuilt by name. num_classes counts background (1 + defect classes)."""

    architecture: str = "Unet"
    encoder: str = "resnet18"
    decoder_channels: tuple[int, ...] | None = None  # None: the architecture's stock decoder
    in_channels: int = 3
    num_classes: int = 2
    tile_size: int = 256
    encoder_weights: str | None = "imagenet"
    # Train the decoder only: the encoder's weights and batch-norm statistics stay as loaded,
    # except its last `unfrozen_stages` stages (0..5), which train with the decoder.
    freeze_encoder: bool = False
    unfrozen_stages: int = 0

    def __post_init__(self) -> None:
        if self.decoder_channels is not None:
            object.__setattr__(
                self, "decoder_channels", tuple(int(c) for c in self.decoder_channels))
        if self.in_channels not in (1, 3):
            raise ValueError(f"in_channels must be 1 or 3, got {self.in_channels}")
        if self.num_classes < 2:
            raise ValueError("num_classes counts background and at least one defect class, "
                             f"got {self.num_classes}")
        if self.tile_size <= 0 or self.tile_size % STRIDE:
            raise ValueError(
                f"tile_size must be a positive multiple of {STRIDE}, got {self.tile_size}")
        if self.encoder_weights not in ("imagenet", None):
            raise ValueError(
                f"encoder_weights must be 'imagenet' or None, got {self.encoder_weights!r}")
        if not 0 <= self.unfrozen_stages <= ENCODER_STAGES:
            raise ValueError(
                f"unfrozen_stages must be 0..{ENCODER_STAGES}, got {self.unfrozen_stages}")
        if self.unfrozen_stages and not self.freeze_encoder:
            raise ValueError("unfrozen_stages applies to a frozen encoder only")

    def replace(self, **changes: Any) -> ModelSpec:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["decoder_channels"] = list(self.decoder_channels) if self.decoder_channels else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelSpec:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        dc = known.get("decoder_channels")
        known["decoder_channels"] = tuple(dc) if dc else None
        return cls(**known)


def default_spec(device: str = "cpu", num_classes: int = 2, in_channels: int = 3) -> ModelSpec:
    """A model that trains in reasonable time on `device` ("cpu", "mps", "cuda", "cuda:1")."""
    if str(device).startswith("cuda"):
        return ModelSpec("Unet", "resnet34", None, in_channels, num_classes, 512)
    from app.ml import bundled_weights  # no torch: it only looks for the file

    if bundled_weights.available(CPU_ENCODER):
        # An ImageNet encoder that needs no download, frozen: only the slim decoder trains. On
        # the same short CPU budget it began to segment where a randomly started ResNet-18 had
        # not (docs/FIGURES.md, "CPU default model").
        return ModelSpec("Unet", CPU_ENCODER, SLIM_DECODER, in_channels, num_classes, 192,
                         freeze_encoder=True)
    # Without those weights: the lighter, fully trained model.
    return ModelSpec("Unet", "resnet18", SLIM_DECODER, in_channels, num_classes, 256)


@dataclass(frozen=True)
class Normalization:
    """Image -> network input: scale by dtype (uint8 /255, uint16 /65535), then (x - mean) / std
    per input channel."""

    mean: tuple[float, ...] = (0.5,)
    std: tuple[float, ...] = (0.25,)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", tuple(float(m) for m in self.mean))
        object.__setattr__(self, "std", tuple(max(float(s), 1e-6) for s in self.std))
        if len(self.mean) != len(self.std):
            raise ValueError("mean and std need one value per channel")

    @classmethod
    def imagenet(cls, in_channels: int = 3) -> Normalization:
        if in_channels == 1:
            return cls((0.449,), (0.226,))
        return cls((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))

    def for_channels(self, n: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """mean, std with one value per channel (a single value is broadcast)."""
        if len(self.mean) == n:
            return self.mean, self.std
        if len(self.mean) == 1:
            return self.mean * n, self.std * n
        raise ValueError(f"normalization has {len(self.mean)} channels, input has {n}")

    def to_dict(self) -> dict[str, Any]:
        return {"mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Normalization:
        return cls(tuple(d["mean"]), tuple(d["std"]))
