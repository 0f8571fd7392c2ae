"""Send a reviewed part to labeling (no Qt): make it a project image and give it a pre-label.

A stored result keeps no probability maps (only per-component boxes, areas and peak
probabilities), so the pre-label comes, best first, from:
1. "prediction": the run's model's probability maps for the image, stored in the project
   (project.models.save_prediction). The Label workspace shows them as pre-labels to accept
   (app.ui.label.prelabels). An existing prediction is used as it is; otherwise the
   workspace predicts the image in the background with app.jobs.prediction (prelabeler.py).
2. "boxes": when no prediction can be had (no model, no checkpoint, no torch), each
   component's bounding box filled with its class value, stored as a mask revision with
   source "prelabel": a coarse start the labeler trims with the eraser.
An image that already has a label mask keeps it: a pre-label never replaces work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.core.imageio import read_header, sha256_file
from app.store import NewImage, RevisionConflict

PRELABEL = "prelabel"


def image_file(project, result) -> Path:
    """Absolute path of a result's part image (stored absolute, or relative to the project)."""
    p = Path(result.image_path)
    return p if p.is_absolute() else (project.root / p).resolve()


def ensure_image(project, result) -> tuple[int, bool]:
    """(image id, added): the part's project image (same path, else same content), added
    from the file's header if the project has neither."""
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
    return project.images.by_rel_path(project.images.rel(path)).id, False  # raced: present


def has_prediction(project, image_id: int, model_id: int | None) -> bool:
    return model_id is not None and image_id in project.models.predicted_image_ids(model_id)


def boxes_mask(components, shape: tuple[int, int]) -> np.ndarray:
    """uint8 mask: each component's bbox filled with its class value (largest first, so a
    small defect inside a big one's box stays visible)."""
    mask = np.zeros(shape, np.uint8)
    for c in sorted(components, key=lambda c: -(c.area_px or 0)):
        value, bbox = c.class_value or 0, c.bbox
        if 1 <= value <= 255 and any(bbox):
            x, y, w, h = (max(int(v), 0) for v in bbox)
            mask[y:y + h, x:x + w] = value
    return mask


def write_box_prelabel(project, image_id: int, result) -> int | None:
    """Stores the boxes pre-label as a mask revision; None when the image has labels already
    or the result has no components."""
    if project.images.has_annotation(image_id) or not result.components:
        return None
    row = project.images.get(image_id)
    mask = boxes_mask(result.components, (row.height, row.width))
    if not mask.any():
        return None
    try:  # base None: someone who labeled the image meanwhile keeps their mask
        return project.masks.save(image_id, mask, source=PRELABEL, base_revision=None)
    except RevisionConflict:
        return None


def describe(added: bool, prelabel: str) -> str:
    """The decision's reason text: what sending to labeling did."""
    where = "added to the project images" if added else "already a project image"
    return f"{where}; pre-label: {prelabel}"
