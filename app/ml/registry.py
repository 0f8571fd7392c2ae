"""Name -> entry registries for architectures and encoders, and the one `create_model`.

Importing this module does not import torch; building a model does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.ml.spec import ModelSpec

if TYPE_CHECKING:
    from pathlib import Path

    import torch.nn as nn

ENCODER_DEPTH = 5


@dataclass(frozen=True)
class ArchitectureEntry:
    name: str
    smp_class: str  # attribute name in segmentation_models_pytorch
    takes_decoder_channels: bool  # only the U-Nets take a per-stage channel list
    description: str

    def kwargs(self, spec: ModelSpec) -> dict[str, Any]:
        if spec.decoder_channels is None:
            return {}
        return {"decoder_channels": spec.decoder_channels}


@dataclass(frozen=True)
class EncoderEntry:
    name: str  # as smp 0.6 spells it
    description: str

    def imagenet_source(self) -> str:
        """Where its ImageNet weights come from: "bundled" (installed with a package, no network
        needed), "download" (smp's Hugging Face files) or "none"."""
        from app.ml import bundled_weights

        if bundled_weights.has_bundled(self.name):
            return "bundled" if bundled_weights.available(self.name) else "none"
        return "download"


ARCHITECTURES: dict[str, ArchitectureEntry] = {
    e.name: e
    for e in (
        ArchitectureEntry("Unet", "Unet", True, "U-Net: sharp edges, the default"),
        ArchitectureEntry("UnetPlusPlus", "UnetPlusPlus", True, "U-Net++: nested skips, slower"),
        ArchitectureEntry("FPN", "FPN", False, "Feature pyramid: light, output at 1/4 scale"),
        ArchitectureEntry("DeepLabV3Plus", "DeepLabV3Plus", False, "DeepLab v3+: wide context"),
        ArchitectureEntry("Linknet", "Linknet", False, "LinkNet: the fastest decoder"),
    )
}

ENCODERS: dict[str, EncoderEntry] = {
    e.name: e
    for e in (
        EncoderEntry("resnet18", "ResNet-18, 11 M parameters: fast on CPU"),
        EncoderEntry("resnet34", "ResNet-34, 21 M parameters: the GPU default"),
        EncoderEntry("efficientnet-b0", "EfficientNet-B0, 4 M parameters"),
        EncoderEntry("mobilenet_v2", "MobileNet v2, 2 M parameters: the lightest"),
        EncoderEntry("tu-tf_efficientnet_lite0",
                     "EfficientNet-Lite0, 3 M parameters: ImageNet weights bundled (no "
                     "download), the CPU default with a frozen encoder"),
    )
}


def _lookup(table: dict, name: str, kind: str):
    if name in table:
        return table[name]
    for key, entry in table.items():
        if key.lower() == str(name).lower():
            return entry
    raise ValueError(f"Unknown {kind} {name!r}. Valid {kind}s: {', '.join(table)}")


def get_architecture(name: str) -> ArchitectureEntry:
    return _lookup(ARCHITECTURES, name, "architecture")


def get_encoder(name: str) -> EncoderEntry:
    return _lookup(ENCODERS, name, "encoder")


def validate_spec(spec: ModelSpec) -> None:
    """Raise ValueError when the spec names something unknown or an option its parts lack."""
    arch = get_architecture(spec.architecture)
    get_encoder(spec.encoder)
    if spec.decoder_channels is None:
        return
    if not arch.takes_decoder_channels:
        takes = [a.name for a in ARCHITECTURES.values() if a.takes_decoder_channels]
        raise ValueError(
            f"{arch.name} has no decoder_channels setting (only {', '.join(takes)} do); "
            "set decoder_channels to None"
        )
    if len(spec.decoder_channels) != ENCODER_DEPTH or min(spec.decoder_channels) < 1:
        raise ValueError(
            f"decoder_channels needs {ENCODER_DEPTH} positive values, got {spec.decoder_channels}"
        )
    estimate = decoder_parameters(spec.decoder_channels)
    if estimate > MAX_DECODER_PARAMETERS:
        raise ValueError(
            f"decoder_channels {list(spec.decoder_channels)} would make a decoder of about "
            f"{estimate / 1e6:,.0f} M parameters (at most {MAX_DECODER_PARAMETERS / 1e6:.0f} M); "
            "use fewer channels, e.g. [256, 128, 64, 32, 16]"
        )


# A bound checked before anything is built: a config asking for 65536 channels would otherwise
# allocate until the machine runs out of memory. The stock U-Net decoder has about 2-3 M.
MAX_DECODER_PARAMETERS = 60_000_000
_DEEPEST_ENCODER_CHANNELS = 512  # what the first decoder block takes in (ResNet-18/34)


def decoder_parameters(channels) -> int:
    """Estimated weights of a U-Net decoder: two 3x3 convolutions per block (skips left out)."""
    total, before = 0, _DEEPEST_ENCODER_CHANNELS
    for c in channels:
        total += 9 * (before * c + c * c)
        before = c
    return total


@dataclass
class CreatedModel:
    model: nn.Module
    weights_note: str  # plain words for the user, e.g. why ImageNet weights were not used
    pretrained: bool  # encoder started from ImageNet or imported weights


def create_model(
    spec: ModelSpec,
    *,
    pretrained: bool = True,
    encoder_weights_file: str | Path | None = None,
) -> CreatedModel:
    """Build the model of `spec`. Encoder weights: from `encoder_weights_file` when given, else
    ImageNet when spec.encoder_weights == "imagenet" and `pretrained`; falls back to random init
    with a note, never raises for missing weights (a bad weights *file* does raise)."""
    from app.ml import weights
    from app.ml.compat import import_smp

    validate_spec(spec)
    arch = get_architecture(spec.architecture)
    encoder = get_encoder(spec.encoder)
    smp = import_smp()
    model = getattr(smp, arch.smp_class)(
        encoder_name=encoder.name,
        encoder_depth=ENCODER_DEPTH,
        encoder_weights=None,  # loaded below, so a failed download cannot abort construction
        in_channels=spec.in_channels,
        classes=spec.num_classes,
        **arch.kwargs(spec),
    )
    if encoder_weights_file is not None:
        note = weights.import_encoder_weights(model, spec, encoder_weights_file)
        return CreatedModel(model, note, True)
    if pretrained and spec.encoder_weights == "imagenet":
        ok, note = weights.load_imagenet_weights(model, spec)
        return CreatedModel(model, note, ok)
    return CreatedModel(model, "Random init (no pretrained weights requested)", False)
