"""A tiny inspection line: parts of known sizes, a size recipe, tiny models (jobs, deploy, reports,
CLI).
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.core.grading import ClassSetting, Polygon, Recipe, Rule, Zone, ZoneSet
from app.ml.checkpoint import CheckpointConfig, ClassInfo, save_checkpoint  # noqa: E402
from app.ml.registry import create_model  # noqa: E402
from app.ml.spec import ModelSpec, Normalization  # noqa: E402
from app.store import Project

torch = pytest.importorskip("torch")


SPEC = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 2, 64, None)


SIZES = {"p36": 36, "p44": 44, "p48": 48, "p64": 64}


def add_model(project: Project, name: str = "tiny", constant: float | None = 0.9,
              seed: int = 0) -> int:
    """Registers a tiny random model; `constant` sets its output to that probability."""
    spot = project.classes.ensure("spot")
    torch.manual_seed(seed)
    model = create_model(SPEC, pretrained=False).model
    if constant is not None:
        head = model.segmentation_head[0]
        with torch.no_grad():
            head.weight.zero_()
            head.bias.copy_(torch.tensor([0.0, math.log(constant / (1 - constant))]))
    folder = project.models.folder / name
    config = save_checkpoint(folder, model, CheckpointConfig(
        SPEC, [ClassInfo(spot.value, "spot", "#ff0000")], Normalization((0.4,), (0.2,))))
    row = project.models.register(name, folder, config.to_dict(), {}, config.weights_sha256, 0)
    return row.id


def size_recipe(value: int) -> Recipe:
    edge = Zone("edge", (Polygon([(0, 0), (9, 0), (9, 99), (0, 99)]),), severity=2)
    return Recipe(
        name="size",
        classes=(ClassSetting(value, "spot", 0.5),),
        zones=ZoneSet((edge,)),
        rules=(Rule(value, grade="REWORK", max_area_mm2=2000),
               Rule(value, grade="SCRAP", max_area_mm2=3000)),
    )


def write_parts(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, size in SIZES.items():
        cv2.imwrite(str(folder / f"{stem}.png"), np.full((size, size), 100, np.uint8))
    (folder / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(12))  # no IHDR
    (folder / "notes.txt").write_text("not a part")
    return folder


def make_inspection_project(tmp_path: Path) -> tuple[Path, int, Path]:
    """(project path, model id, folder of parts inside the project folder)."""
    path = tmp_path / "line.dsproj"
    with Project.create(path) as p:
        model_id = add_model(p)
        p.recipes.save("size", size_recipe(p.classes.by_name("spot").value).to_dict())
    return path, model_id, write_parts(tmp_path / "lot")

