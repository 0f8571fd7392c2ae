"""What grading one part needs, read on a worker: pixels, display copy, prediction, label.

The probability source is the model's stored prediction for the image (the active model, else
the newest); without one, the label mask is graded instead (`source == "labels"`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.display import apply_window, auto_window
from app.core.imageio import load_image
from app.jobs.context import JobContext
from app.jobs.prediction import default_model_id

PREDICTION, LABELS, NOTHING = "prediction", "labels", "nothing"
SOURCE_NOTES = {
    PREDICTION: "",
    LABELS: "grading labels (no prediction)",
    NOTHING: "no prediction and no labels for this image",
}


@dataclass(frozen=True, eq=False)
class PartData:
    """One image ready to grade; arrays are read-only by convention."""

    row: object  # ImageRow
    pixels: np.ndarray
    display: np.ndarray
    window: tuple[int, int]
    source: str  # PREDICTION | LABELS | NOTHING
    model_id: int | None
    probs: np.ndarray | None  # uint8 (C, H, W) when source is PREDICTION
    class_values: tuple[int, ...]  # channels of probs (or the project's classes for labels)
    label: np.ndarray | None  # uint8 (H, W), None when never labeled

    @property
    def shape(self) -> tuple[int, int]:
        return self.pixels.shape[:2]

    @property
    def note(self) -> str:
        return SOURCE_NOTES[self.source]


def load_part(project, image_id: int, ctx: JobContext | None = None) -> PartData:
    """Blocking; raises ImageReadError / KeyError with a reason a person can read."""
    row = project.images.get(image_id)
    pixels = load_image(project.images.abspath(row),
                        int(project.settings.get("max_image_pixels")))
    if ctx is not None:
        ctx.check()
    window = auto_window(pixels)
    display = apply_window(pixels, *window)
    label = project.masks.load(image_id)
    if label is not None and label.shape != pixels.shape[:2]:
        label = None  # a mask of another size cannot be graded on this image
    model_id = default_model_id(project)
    got = project.models.load_prediction(image_id, model_id) if model_id is not None else None
    if got is not None and got[0].shape[1:] == pixels.shape[:2]:
        probs, values = got
        return PartData(row, pixels, display, window, PREDICTION, model_id, probs,
                        tuple(values), label)
    values = tuple(c.value for c in project.classes.list())
    source = LABELS if label is not None else NOTHING
    return PartData(row, pixels, display, window, source, model_id, None, values, label)
