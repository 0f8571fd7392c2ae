"""Send a reviewed part to labeling (no Qt): add it to the project's training images with the
model's result as a pre-label mask to correct (a mask revision with source "prelabel").

What the pre-label is made of, best first, from what is actually stored:
1. "prediction": probability maps stored for the image and the run's model
   (project.models.load_prediction, or maps passed in, e.g. fresh from app.jobs.prediction);
   each pixel gets the most probable class whose recipe threshold it reaches.
2. "contours": the result's components kept their outline points ("contour"/"polygon");
   they are filled with their class value.
3. "boxes": only bounding boxes were stored; each box is filled with its class value, a
   coarse start the labeler trims with the eraser.
An image that already has a label mask keeps it ("kept"): a pre-label never replaces work.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from app.core.grading import Recipe
from app.core.grading.components import threshold_level
from app.core.imageio import read_header, sha256_file
from app.store import NewImage

from .parts import image_file

PRELABEL = "prelabel"


@dataclass(frozen=True)
class LabelingOutcome:
    image_id: int
    added: bool  # False: the part was already a project image
    prelabel: str  # "prediction", "contours", "boxes", "kept" or "none"
    revision_id: int | None = None

    def describe(self) -> str:
        where = "added to the training images" if self.added else "already a project image"
        what = {"kept": "its label mask was kept", "none": "no defects to pre-label"}.get(
            self.prelabel, f"pre-label from the {self.prelabel}")
        return f"{where}; {what}"


def ensure_image(project, result) -> tuple[int, bool]:
    """(image id, added): the part's project image, added from the file's header if new."""
    path = image_file(project, result)
    row = project.images.by_rel_path(project.images.rel(path))
    if row is None and result.sha256:
        row = next((r for r in project.images.list() if r.sha256 == result.sha256), None)
    if row is not None:
        return row.id, False
    header = read_header(path)
    new = NewImage(str(path), sha256_file(path), path.stat().st_size, header.width,
                   header.height, header.bit_depth, header.channels)
    added = project.images.add_many([new]).added
    if added:
        return added[0], True
    # added by someone else between the lookup and the write
    return project.images.by_rel_path(project.images.rel(path)).id, False


def mask_from_probs(probs: np.ndarray, class_values, recipe: Recipe | None) -> np.ndarray:
    """uint8 label mask: the most probable class among those at or over their threshold."""
    levels = np.array([threshold_level(recipe.threshold(v)) if recipe else 128
                       for v in class_values], np.uint8).reshape(-1, 1, 1)
    passing = np.where(probs >= np.maximum(levels, 1), probs, 0)
    best = passing.argmax(axis=0)
    lut = np.asarray(list(class_values), np.uint8)
    return np.where(passing.max(axis=0) > 0, lut[best], 0).astype(np.uint8)


def mask_from_components(components, shape) -> tuple[np.ndarray, str]:
    """(mask, "contours" | "boxes" | "none") from stored component dicts."""
    mask = np.zeros(shape, np.uint8)
    kind = "none"
    for c in components:
        value = int(c.get("class_value", 0) or 0)
        if not value:
            continue
        pts = c.get("contour") or c.get("polygon")
        if pts:
            cv2.fillPoly(mask, [np.round(np.asarray(pts, np.float64)).astype(np.int32)], value)
            kind = "contours"
        elif c.get("bbox"):
            x, y, w, h = (int(v) for v in c["bbox"])
            mask[y:y + h, x:x + w] = value
            kind = "boxes" if kind == "none" else kind
    return mask, kind


def stored_prediction(project, image_id: int, model_id: int | None):
    if model_id is None:
        return None
    try:
        return project.models.load_prediction(image_id, model_id)
    except (KeyError, ValueError):
        return None


def write_prelabel(project, image_id: int, result, model_id: int | None,
                   recipe: Recipe | None, prediction=None) -> tuple[str, int | None]:
    """Stores the best pre-label available (see the module doc); returns (kind, revision)."""
    if project.images.has_annotation(image_id):
        return "kept", None
    row = project.images.get(image_id)
    prediction = prediction or stored_prediction(project, image_id, model_id)
    if prediction is not None and prediction[0].shape[1:] == (row.height, row.width):
        probs, values = prediction
        mask, kind = mask_from_probs(probs, values, recipe), "prediction"
    else:
        mask, kind = mask_from_components(result.components, (row.height, row.width))
        if kind == "none":
            return kind, None
    return kind, project.masks.save(image_id, mask, source=PRELABEL)


def send_to_labeling(project, result, model_id: int | None, recipe: Recipe | None,
                     prediction=None) -> LabelingOutcome:
    """Adds the part (unless present) and its pre-label. The caller records the decision."""
    image_id, added = ensure_image(project, result)
    kind, revision = write_prelabel(project, image_id, result, model_id, recipe, prediction)
    return LabelingOutcome(image_id, added, kind, revision)
