"""A project with an inspection run and an open Review workspace, for the Review UI tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

from app.core.grading import Recipe
from app.core.inspection_record import InspectionRecord
from app.store import NewImage, Project
from app.ui.review.workspace import ReviewWorkspace

W, H = 64, 48


def write_png(path: Path, value: int) -> NewImage:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = np.full((H, W), value, np.uint8)
    img[10:20, 10:40] = 30
    cv2.imwrite(str(path), img)
    data = path.read_bytes()
    return NewImage(str(path), hashlib.sha256(data).hexdigest(), len(data), W, H, 8, 1)


def component(cls, value, grade, bbox, zone="whole-image"):
    return {"class": cls, "class_value": value, "grade": grade, "bbox": list(bbox),
            "area_px": bbox[2] * bbox[3], "area_mm2": 0.5, "length_mm": 1.2,
            "zones": {zone: 0.5}, "reasons": [f"{cls} too big"] if grade != "OK" else [],
            "borderline": []}


def build_project(tmp_path, model=False):
    """(project, run, {letter: result id}); parts A-E in tmp_path/line3, a good part in the
    project. `model`: the run names a registered model (its checkpoint is never loaded)."""
    p = Project.create(tmp_path / "review.dsproj")
    crack = p.classes.add("crack", "#ff0000").value
    pore = p.classes.add("pore", "#00ff00").value
    good = write_png(tmp_path / "good" / "good-01.png", 120)
    p.images.add_many([NewImage(**{**good.__dict__, "is_good": True})])
    recipe = p.recipes.save("housing", Recipe(name="housing").to_dict())
    model_id = None
    if model:
        folder = p.models.folder / "m1"
        folder.mkdir(parents=True)
        model_id = p.models.register("unet", folder, {}, {}, "sha", 3).id
    run = p.runs.create("lot 42", model_id, recipe.id)
    line = tmp_path / "line3"
    parts = {
        "A": ("SCRAP", 0.9, True, [component("crack", crack, "SCRAP", (10, 10, 30, 10),
                                             "sealing face")]),
        "B": ("REWORK", 0.6, True, [component("pore", pore, "REWORK", (40, 30, 6, 6))]),
        "C": ("OK", 0.2, True, [component("pore", pore, "OK", (5, 30, 4, 4))]),
        "D": ("OK", 0.0, False, []),
    }
    ids = {}
    for i, (key, (grade, risk, flagged, comps)) in enumerate(parts.items()):
        img = write_png(line / f"part-{key}.png", 90 + 10 * i)
        # stored as inspection does: relative inside the project folder, else absolute
        stored = f"line3/part-{key}.png" if key in "AC" else img.path
        ids[key] = p.runs.add_result(run.id, stored, InspectionRecord.from_dict(dict(
            sha256=img.sha256, grade=grade, reasons=[{"kind": "area", "text": f"{key} reason"}],
            components=comps, risk=risk, flagged=flagged)))
    ids["E"] = p.runs.add_result(run.id, "line3/missing.png",
                                 InspectionRecord.failed("cannot open"))
    p.runs.set_status(run.id, "done")
    return p, run, ids


def open_workspace(qtbot, project):
    ws = ReviewWorkspace()
    qtbot.addWidget(ws)
    ws.resize(1200, 800)
    ws.show()
    qtbot.waitActive(ws)  # the window the keys go to; its dialogs take over when open
    with qtbot.waitSignal(ws.part_shown, timeout=10_000):
        ws.set_project(project)
    ws.view.setFocus()
    return ws


