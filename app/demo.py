"""The demo project: a handful of procedurally generated part images, built locally (no download).

Each part is a machined disc (brushed-metal texture, a darker sealing ring) photographed in gray.
Defects are drawn into the image and into the mask at the same time, so labels are exact: cracks
(thin random walks) and pores (small dark pits). Two defect classes, one zone ("sealing face", an
annulus: a polygon with a hole) and a recipe ("housing") come with it. Fixed seeds: the same demo
every time, on every machine.

The demo is the whole loop, not only its start: while it is built, a model is fitted on the
labeled parts (the live pixel classifier, seconds on a 2-core CPU: app.jobs.demo_model says why
not the U-Net), predicts every part, and grades a folder of new parts ("new-parts") as one
inspection run, so every workspace has real content.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import cv2
import numpy as np

from app.core.grading.recipe import ClassSetting, Recipe
from app.core.grading.rules import Rule
from app.core.grading.zones import Polygon, Zone, ZoneSet
from app.core.imageio import sha256_file
from app.store import NewImage, Project

SIZE = 512
CENTER = SIZE / 2
SEAL_R = (150.0, 200.0)  # inner and outer radius of the sealing face, px
MM_PER_PIXEL = 0.05
N_PARTS = 12
GOOD_PARTS = (3, 7)  # indices of parts without defects
N_NEW_PARTS = 8  # the lot of new parts the demo's inspection run grades
NEW_PARTS_FIRST = 100  # their seeds: other parts than the labeled ones
NEW_GOOD_PARTS = (2, 5)  # indices of the new parts without defects
DEMO_RUN_NAME = "Demo lot 1"
# DEFECT_STUDIO_DEMO_MODEL=0 builds the parts only: no model, predictions or inspection run
# (tests that only open the demo use it; tests/test_demo.py builds the whole loop).
MODEL_ENV = "DEFECT_STUDIO_DEMO_MODEL"


def _texture(rng: np.random.Generator) -> np.ndarray:
    """Brushed metal: directional noise, radial shading, a darker sealing ring."""
    noise = rng.normal(0, 1, (SIZE, SIZE)).astype(np.float32)
    brushed = cv2.GaussianBlur(noise, (0, 0), sigmaX=9, sigmaY=0.8)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    r = np.hypot(xx - CENTER, yy - CENTER)
    img = 150 + 10 * brushed / (brushed.std() + 1e-6) - 0.08 * r
    ring = (r >= SEAL_R[0]) & (r <= SEAL_R[1])
    img[ring] -= 25
    img[r > 240] = 40  # background outside the part
    img += rng.normal(0, 2.0, img.shape).astype(np.float32)
    return img


def _crack(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, value: int) -> None:
    x, y = rng.uniform(140, 370, 2)
    angle = rng.uniform(0, 2 * np.pi)
    pts = [(x, y)]
    for _ in range(int(rng.integers(8, 16))):
        angle += rng.normal(0, 0.35)
        x, y = x + 6 * np.cos(angle), y + 6 * np.sin(angle)
        pts.append((x, y))
    poly = np.round(np.array(pts)).astype(np.int32).reshape(-1, 1, 2)
    width = int(rng.integers(2, 4))
    m = np.zeros_like(mask)
    cv2.polylines(m, [poly], False, 1, width)
    mask[m > 0] = value
    img[m > 0] -= 50


def _pore(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, value: int) -> None:
    x, y = rng.uniform(120, 390, 2)
    radius = int(rng.integers(3, 7))
    m = np.zeros_like(mask)
    cv2.circle(m, (int(x), int(y)), radius, 1, -1)
    mask[m > 0] = value
    img[m > 0] -= 70


def make_part(index: int, crack: int, pore: int,
              good: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 image, uint8 mask) for part `index`; deterministic. `good` None: as GOOD_PARTS."""
    rng = np.random.default_rng(1000 + index)
    img = _texture(rng)
    mask = np.zeros((SIZE, SIZE), np.uint8)
    if not (index in GOOD_PARTS if good is None else good):
        for _ in range(int(rng.integers(0, 3)) + (index % 2)):
            _crack(img, mask, rng, crack)
        for _ in range(int(rng.integers(1, 4))):
            _pore(img, mask, rng, pore)
    return np.clip(img, 0, 255).astype(np.uint8), mask


def _ring(radius: float, n: int = 48) -> list[tuple[float, float]]:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return [(round(CENTER + radius * np.cos(a), 2), round(CENTER + radius * np.sin(a), 2))
            for a in t]


def demo_recipe(crack: int, pore: int) -> Recipe:
    seal = Zone("sealing face", (Polygon(_ring(SEAL_R[1]), (_ring(SEAL_R[0]),)),), severity=2)
    return Recipe(
        name="housing",
        # noise floors: the smallest drawn pore is 28 px (0.07 mm2), a crack 100 px or more; the
        # demo model's false cracks along the ring's edges stay under 60 px (0.15 mm2)
        classes=(ClassSetting(crack, "crack", 0.5, 0.15), ClassSetting(pore, "pore", 0.5, 0.05)),
        zones=ZoneSet((seal,), reference_size=(SIZE, SIZE)),
        rules=(
            Rule(crack, "sealing face", "SCRAP", max_area_mm2=0.0),
            Rule(crack, grade="REWORK", max_length_mm=1.5),
            Rule(pore, "sealing face", "SCRAP", max_area_mm2=0.1),
            Rule(pore, grade="REWORK", max_count=3),
        ),
    ).with_mm_per_pixel(MM_PER_PIXEL)


def with_model_default() -> bool:
    return os.environ.get(MODEL_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def build_demo_project(folder: str | Path, ctx=None, with_model: bool | None = None) -> Path:
    """Writes the demo into `folder` (created) and returns the project path `folder/demo.dsproj`.

    The demo is built in a sibling folder and moved into place when complete, so a demo that
    was interrupted is built again rather than opened half-made. An existing demo is reused.
    `ctx` (a JobContext) reports progress and can cancel; `with_model` False: the parts only (no
    model, predictions or inspection run); None: as DEFECT_STUDIO_DEMO_MODEL says (default yes).
    """
    folder = Path(folder)
    path = folder / "demo.dsproj"
    if path.exists():
        return path
    staging = folder.with_name(folder.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with_model = with_model_default() if with_model is None else with_model
    with Project.create(staging / path.name) as project:
        _labeled_parts(project, staging / "demo-parts")
        new_parts = _new_parts(staging / "new-parts")
        if with_model:
            _close_the_loop(project, new_parts, ctx)
    if folder.exists():  # an empty or stale folder without a project
        shutil.rmtree(folder)
    staging.rename(folder)
    return path


def _labeled_parts(project: Project, images_dir: Path) -> None:
    """Classes, the twelve parts (nine labeled, three left for the engineer), the recipe."""
    images_dir.mkdir(parents=True, exist_ok=True)
    project.settings.set("mm_per_pixel", MM_PER_PIXEL)
    project.settings.set("calibrated", True)
    crack = project.classes.add("crack", "#ff3b30").value
    pore = project.classes.add("pore", "#ffcc00").value
    parts, new = [], []
    for i in range(N_PARTS):
        img, mask = make_part(i, crack, pore)
        p = images_dir / f"part-{i + 1:02d}.png"
        cv2.imwrite(str(p), img)
        parts.append(mask)
        new.append(NewImage(str(p), sha256_file(p), p.stat().st_size, SIZE, SIZE, 8, 1,
                            is_good=i in GOOD_PARTS))
    ids = project.images.add_many(new).added
    # The last three parts are left unlabeled, for the engineer to label or pre-label.
    labeled = ids[: N_PARTS - 3]
    for image_id, mask in zip(labeled, parts, strict=False):  # parts[-3:] stay unlabeled
        project.masks.save(image_id, mask, source="demo")
    project.images.set_status(labeled, "labeled")
    project.recipes.save("housing", demo_recipe(crack, pore).to_dict())


def _new_parts(folder: Path) -> list[Path]:
    """A lot of new parts for the inspection run (not in the project's image list)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(N_NEW_PARTS):
        img, _ = make_part(NEW_PARTS_FIRST + k, 1, 2, good=k in NEW_GOOD_PARTS)
        p = folder / f"new-{k + 1:02d}.png"
        cv2.imwrite(str(p), img)
        paths.append(p)
    return paths


def _class_values(project: Project) -> tuple[int, int]:
    by_name = {c.name: c.value for c in project.classes.list()}
    return by_name["crack"], by_name["pore"]


def _close_the_loop(project: Project, new_parts: list[Path], ctx) -> None:
    """Fit the demo's model, predict every part, inspect the new parts."""
    from app.jobs.context import JobContext
    from app.jobs.demo_model import train_demo_model
    from app.jobs.inspection import inspect
    from app.jobs.prediction import predict_images

    ctx = ctx or JobContext()
    rows = project.images.list()
    held_out = [(r.id, make_part(i, *_class_values(project))[1]) for i, r in enumerate(rows)
                if r.status == "unlabeled"]  # their defects are drawn, so known exactly
    model = train_demo_model(project, ctx, held_out)
    predict_images(project, model.id, [r.id for r in rows], ctx)
    recipe = project.recipes.get("housing")
    inspect(project, new_parts, model.id, recipe.ref, ctx,
            name=DEMO_RUN_NAME)
