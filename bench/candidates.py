"""Candidate CPU models, by name, for bench_candidates.py (speed) and bench_quality.py (quality).

Each is a function (num_classes, in_channels) -> ModelSpec, so the benches size them to the data.
"default" is whatever app.ml.spec.default_spec picks for the CPU today.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.ml.spec import ModelSpec, default_spec  # noqa: E402

SLIM = (64, 32, 16, 16, 8)
LITE0 = "tu-tf_efficientnet_lite0"

CANDIDATES = {
    "default": lambda n, ch: default_spec("cpu", n, ch),
    # Frozen ImageNet Lite0 (bundled weights) under the slim decoder, 192 px tiles.
    "lite0-frozen": lambda n, ch: ModelSpec("Unet", LITE0, SLIM, ch, n, 192,
                                            freeze_encoder=True),
    # The same with the last two encoder stages trained along.
    "lite0-last2": lambda n, ch: ModelSpec("Unet", LITE0, SLIM, ch, n, 192,
                                           freeze_encoder=True, unfrozen_stages=2),
    # The CPU default before the frozen Lite0 (ImageNet cannot be downloaded offline: random).
    "resnet18-slim": lambda n, ch: ModelSpec("Unet", "resnet18", SLIM, ch, n, 256),
}


def candidate_spec(name: str, num_classes: int, in_channels: int) -> ModelSpec:
    if name not in CANDIDATES:
        raise SystemExit(f"unknown candidate {name!r}; candidates: {', '.join(CANDIDATES)}")
    return CANDIDATES[name](num_classes, in_channels)
