"""A small project with a row in every kind of history: images (one in a folder beside the
project, so its path starts with ../), classes, masks with several revisions, a tiny model with
predictions, a recipe with two versions, an inspection run with results and review decisions,
and their audit rows. Used by the project copy tests."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import cv2
import numpy as np

from app.core.inspection_record import InspectionRecord
from app.store import NewImage, Project

from .inspection import add_model, size_recipe


def _image(path: Path, value: int) -> NewImage:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((24, 32), value, np.uint8))
    data = path.read_bytes()
    return NewImage(str(path), hashlib.sha256(data).hexdigest(), len(data), 32, 24, 8, 1)


def make_full_project(folder: Path) -> Path:
    """Creates `folder`/work/line.dsproj (images in work/parts and in a sibling folder)."""
    path = folder / "work" / "line.dsproj"
    path.parent.mkdir(parents=True)
    with Project.create(path) as p:
        scratch = p.classes.add("scratch", "#00ff00")
        added = p.images.add_many([_image(folder / "work" / "parts" / "a.png", 90),
                                   _image(folder / "work" / "parts" / "b.png", 120),
                                   _image(folder / "elsewhere" / "c.png", 150)]).added
        for k in range(3):  # three revisions of a
            mask = np.zeros((24, 32), np.uint8)
            mask[2:4 + k, 3:9] = scratch.value
            p.masks.save(added[0], mask)
        p.masks.save(added[1], np.zeros((24, 32), np.uint8))
        p.images.set_split(added[:2], "train")
        p.images.set_status([added[1]], "labeled", is_good=True)
        model_id = add_model(p, "tiny")
        probs = np.zeros((2, 24, 32), np.uint8)
        probs[1, 5:9, 5:9] = 200
        p.models.save_prediction(added[0], model_id, probs, [p.classes.by_name("spot").value])
        p.models.set_active(model_id, chosen=True)
        spot = p.classes.by_name("spot").value
        first = p.recipes.save("size", size_recipe(spot).to_dict(), note="first")
        second = size_recipe(spot).to_dict()
        second["classes"][0]["threshold"] = 0.6
        p.recipes.save("size", second, note="stricter")
        run = p.runs.create("lot 1", model_id, first.id)
        r1 = p.runs.add_result(run.id, str(folder / "lot" / "p1.png"),
                               InspectionRecord("REWORK", risk=0.7, flagged=True, sha256="ab"))
        r2 = p.runs.add_result(run.id, str(folder / "lot" / "p2.png"),
                               InspectionRecord.failed("unreadable", "cd"))
        p.runs.decide(r1, "confirm", "REWORK", seconds=2.5)
        p.runs.decide(r1, "override", "OK", reason="dust, not a scratch", seconds=4.0)
        p.runs.decide(r2, "to_labeling", "SCRAP")
        p.runs.set_status(run.id, "done")
        p.settings.set("mm_per_pixel", 0.05)
    return path


def file_rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table of a project file, all columns, in key order; the format."""
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
               for t in tables}
        out["PRAGMA user_version"] = con.execute("PRAGMA user_version").fetchall()
        out["PRAGMA application_id"] = con.execute("PRAGMA application_id").fetchall()
        return out
    finally:
        con.close()
