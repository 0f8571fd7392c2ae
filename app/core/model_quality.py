"""Whether a trained model is worth using, and whether it beats another, judged on its stored
validation metrics (app.core.metrics.summarize, plus the trainer's "soft_dice").

    verdict = assess(row.metrics)    # ModelVerdict(useful=False, reason=..., suggestion=...)
    is_better(new.metrics, active.metrics)

A model that finds nothing (validation mIoU under MIN_MIOU) or rejects most good parts is "not
useful yet": it is kept, but never used for pre-labels or inspection unless a person makes it
active. The training job stores the verdict with the model (metrics["verdict"]).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .statuses import CANCELED

MIN_MIOU = 0.05  # below this a model finds (almost) nothing
MAX_FALSE_REJECTS = 0.5  # above this it rejects most good parts
MIN_GOOD_PARTS = 3  # fewer good validation parts than this say nothing about false rejects
FEW_IMAGES = 20  # fewer training images than this: more labels are the first remedy
SHORT_RUN_EPOCHS = 10  # fewer epochs than this (or a stopped run): training longer may help

NOT_USEFUL = "not useful yet"
VERDICT_KEY = "verdict"  # where the training job stores ModelVerdict.to_dict() in the metrics


@dataclass(frozen=True)
class ModelVerdict:
    useful: bool | None  # None: no validation images to judge it by
    reason: str = ""  # why it is not useful (or why it cannot be judged)
    suggestion: str = ""  # what to do about it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelVerdict:
        useful = d.get("useful")
        return cls(None if useful is None else bool(useful), str(d.get("reason", "")),
                   str(d.get("suggestion", "")))

    @property
    def text(self) -> str:
        """One line for lists and logs: empty for a useful model."""
        if self.useful is False:
            return f"{NOT_USEFUL}: {self.reason}; {self.suggestion}"
        return self.reason


def verdict_of(metrics: dict[str, Any]) -> ModelVerdict:
    """The stored verdict, else (models registered before verdicts were stored) assessed now."""
    stored = metrics.get(VERDICT_KEY)
    return ModelVerdict.from_dict(stored) if isinstance(stored, dict) else assess(metrics)


def assess(metrics: dict[str, Any]) -> ModelVerdict:
    miou = metrics.get("miou")
    if miou is None:
        return ModelVerdict(None, "no validation images to judge it by")
    reasons = []
    if miou < MIN_MIOU:
        reasons.append(f"it finds almost nothing (validation mIoU {miou:.3f})")
    false_rejects = metrics.get("false_reject_rate")
    good = metrics.get("good_parts")  # absent in models validated before it was stored
    judged = good is None or good >= MIN_GOOD_PARTS
    if false_rejects is not None and judged and false_rejects > MAX_FALSE_REJECTS:
        reasons.append(f"it rejects {false_rejects:.0%} of the good parts")
    if not reasons:
        return ModelVerdict(True)
    return ModelVerdict(False, " and ".join(reasons), _suggestion(metrics))


def _suggestion(metrics: dict[str, Any]) -> str:
    tips = []
    train_images = metrics.get("train_images")
    if train_images is not None and train_images < FEW_IMAGES:
        tips.append(f"label more images (it learned from {train_images})")
    epochs = metrics.get("epochs_done")
    if metrics.get("status") == CANCELED or (epochs is not None and epochs < SHORT_RUN_EPOCHS):
        tips.append("train longer")
    if not tips:
        tips = ["label more images", "train longer"]
    return ", or ".join(tips)


def is_better(new: dict[str, Any], old: dict[str, Any] | None) -> bool:
    """`new` beats `old` on the validation split: higher mIoU, on a tie higher soft Dice.
    A model that is not useful beats nothing; any useful model beats no model at all."""
    if verdict_of(new).useful is False:
        return False
    if old is None:
        return True
    a, b = new.get("miou"), old.get("miou")
    if a is None:
        return False  # nothing to compare on: a person decides
    if b is None or verdict_of(old).useful is False:
        return True
    if abs(a - b) > 1e-9:
        return a > b
    return (new.get("soft_dice") or 0.0) > (old.get("soft_dice") or 0.0) + 1e-9
