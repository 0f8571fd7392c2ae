"""What grading one part needs, read on a worker: pixels, display copy, prediction, label.

The probability source is the stored predictions for the image of the models that grade
without being named (app.jobs.good_only.default_pair: the active model, and a good-parts-only
model beside a model of another kind), their channels stacked (app.core.grading.merge_channels:
the anomaly map is the class "anomaly"); without any, the label mask is graded instead
(`source == "labels"`). `missing` says which model of the pair has not predicted the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.display import apply_window, auto_window
from app.core.grading import merge_channels
from app.core.imageio import load_image
from app.jobs.context import JobContext
from app.jobs.good_only import default_pair

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
    anomaly_model_id: int | None = None  # the good-parts-only model whose map is graded too
    missing: str = ""  # why a model of the pair is not graded on this part ("" none)

    @property
    def shape(self) -> tuple[int, int]:
        return self.pixels.shape[:2]

    @property
    def note(self) -> str:
        return "; ".join(n for n in (SOURCE_NOTES[self.source], self.missing) if n)


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
    model_id, good_id = default_pair(project)
    maps, missing = [], []
    for mid, what in ((model_id, "the model"), (good_id, "the good-parts model")):
        got = project.models.load_prediction(image_id, mid) if mid is not None else None
        if got is not None and got[0].shape[1:] == pixels.shape[:2]:
            maps.append(got)
        elif mid is not None and good_id is not None:  # one model alone: SOURCE_NOTES says it
            missing.append(f"{what} (#{mid}) has not predicted this image")
    if len(maps) == 2:
        try:
            probs, values = merge_channels(maps)
        except ValueError as e:  # both models name one class: grade the model's alone
            maps, missing = maps[:1], [f"the good-parts model is not graded: {e}"]
    if len(maps) == 1:
        probs, values = maps[0]
    if maps:
        return PartData(row, pixels, display, window, PREDICTION, model_id, probs,
                        tuple(values), label, good_id, "; ".join(missing))
    values = tuple(c.value for c in project.classes.list())
    source = LABELS if label is not None else NOTHING
    return PartData(row, pixels, display, window, source, model_id, None, values, label,
                    good_id, "; ".join(missing))
