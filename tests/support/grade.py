"""Helpers for the Grade workspace tests: synthetic predictions stored as a model's.

No tests here; imported by the Grade tests (tests/ui/test_grade_*), the what-if and CLI tests.
"""

from __future__ import annotations

import cv2
import numpy as np


def synthetic_probs(mask: np.ndarray, class_values: list[int], seed: int = 0,
                    peak: tuple[int, int] = (110, 250)) -> np.ndarray:
    """uint8 (C, H, W): each labeled defect blurred to soft probabilities peaking somewhere in
    `peak` (so some fall under a 0.5 threshold: escapes), with low-level noise."""
    rng = np.random.default_rng(seed)
    out = []
    for v in class_values:
        n, comps = cv2.connectedComponents((mask == v).astype(np.uint8), connectivity=8)
        levels = np.concatenate([[0], rng.uniform(*peak, n - 1)]).astype(np.float32)
        hit = levels[comps]
        soft = cv2.GaussianBlur(hit, (0, 0), 1.2) if n > 1 else hit
        noise = rng.exponential(2.0, mask.shape).astype(np.float32)
        out.append(np.clip(np.maximum(soft, noise), 0, 255).astype(np.uint8))
    return np.stack(out)


def register_model(project, name: str = "synthetic") -> int:
    """A model row (no checkpoint on disk: only its stored predictions are used)."""
    row = project.models.register(name, project.models.folder / name, {}, {}, "0" * 64, 0)
    project.settings.set("active_model_id", row.id)
    return row.id


def store_predictions(project, model_id: int, image_ids=None, seed: int = 0) -> None:
    """A synthetic prediction per labeled image (from its mask), or per image in image_ids."""
    values = [c.value for c in project.classes.list()]
    ids = image_ids if image_ids is not None else [
        r.id for r in project.images.list(status="labeled")]
    for i in ids:
        mask = project.masks.load(i)
        if mask is None:
            row = project.images.get(i)
            mask = np.zeros((row.height, row.width), np.uint8)
        project.models.save_prediction(i, model_id, synthetic_probs(mask, values, seed + i),
                                       values)


# -- a tiny part whose grade hangs on the threshold --------------------------------------------

W, H = 60, 40
CORE = (28, 18, 3, 3)  # x, y, w, h: p = 0.9, 9 px
HALO = (26, 16, 8, 8)  # p = 0.45 around it: 64 px in all


def tiny_part_project(tmp_path, rules=None, zones=None):
    """(project path, image id, model id): one 60 x 40 gray part, class crack (value 1), a
    prediction whose defect is 9 px at threshold 0.5 and 64 px at 0.4, recipe "part" v1:
    crack threshold 0.5; by default any crack over 20 px is SCRAP."""
    import hashlib

    from app.core.grading import ClassSetting, Recipe, Rule, ZoneSet
    from app.store import NewImage, Project

    img = np.full((H, W), 100, np.uint8)
    img[:, :10] = 160  # not flat, so the display window is not degenerate
    path = tmp_path / "part.png"
    cv2.imwrite(str(path), img)
    data = path.read_bytes()
    project_path = tmp_path / "tiny.dsproj"
    with Project.create(project_path) as p:
        crack = p.classes.add("crack", "#ff0000").value
        (image_id,) = p.images.add_many([NewImage(str(path), hashlib.sha256(data).hexdigest(),
                                                  len(data), W, H, 8, 1)]).added
        mask = np.zeros((H, W), np.uint8)
        x, y, w, h = HALO
        mask[y:y + h, x:x + w] = crack
        p.masks.save(image_id, mask)
        p.images.set_status([image_id], "labeled")
        probs = np.zeros((1, H, W), np.uint8)
        probs[0, y:y + h, x:x + w] = round(0.45 * 255)
        x, y, w, h = CORE
        probs[0, y:y + h, x:x + w] = round(0.9 * 255)
        model_id = register_model(p)
        p.models.save_prediction(image_id, model_id, probs, [crack])
        recipe = Recipe(
            name="part", classes=(ClassSetting(crack, "crack", 0.5),),
            zones=zones or ZoneSet(),
            rules=rules or (Rule(crack, grade="SCRAP", max_area_mm2=20),))
        p.recipes.save("part", recipe.to_dict())
    return project_path, image_id, model_id


def center_color(image, x: float, y: float, zoom: int = 10):
    """(r, g, b) of the widget pixel over image pixel (x, y) at a fitted zoom with 0 offset."""
    from PySide6.QtGui import QColor

    c = QColor(image.pixel(int(x * zoom + zoom // 2), int(y * zoom + zoom // 2)))
    return c.red(), c.green(), c.blue()
