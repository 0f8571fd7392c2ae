"""Where an inspection run's parts are and what it was asked to inspect: stored paths, the
run's plan (kept in the audit trail), and the recipe and models it names.

The plan ("run.plan" audit row of the run) holds the images asked for and, when the run grades
with a good-parts-only model beside its model, that model's id (`anomaly_model_id`): the run's
row names one model (`model_id`), its plan the second, so no column is needed for it and the
choice is in the tamper-evident trail with the run's images.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from app.core.grading import Recipe

from ..good_only import is_good_only

PLAN_ACTION = "run.plan"


def stored_path(project, path: str | Path) -> str:
    """How a part's path is stored: relative to the project folder ('/') when inside it,
    else absolute. In a team project, `<storage root>/<path inside it>` (a folder under no
    root becomes one), so every workstation and the team worker find the part through their
    own mapping of the root."""
    if getattr(project, "roots", None) is not None:
        return project.roots.locate(path)
    p = Path(path).absolute()
    root = Path(project.root).absolute()
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


def image_abspath(project, image_path: str) -> Path:
    """The file of a stored image_path (a team project's: through this workstation's roots)."""
    p = Path(image_path)
    if p.is_absolute():
        return p
    if getattr(project, "roots", None) is not None:
        return project.roots.resolve(image_path)
    return Path(project.root) / p


def plan_paths(project, paths: Sequence[Path]) -> list[str]:
    return list(dict.fromkeys(stored_path(project, p) for p in paths))


def record_plan(project, run_id: int, images: list[str],
                anomaly_model_id: int | None = None) -> None:
    """Keep what run `run_id` inspects: its images and its good-parts-only model, if any."""
    extra = {"anomaly_model_id": int(anomaly_model_id)} if anomaly_model_id is not None else {}
    project.audit.record(PLAN_ACTION, "inspection_run", run_id, images=images, **extra)


def _plan(project, run_id: int) -> dict:
    for row in project.audit.list(action=PLAN_ACTION, entity="inspection_run"):
        if row.entity_id == run_id:  # newest first
            return row.detail
    return {}


def run_plan(project, run_id: int) -> list[str]:
    """The stored image paths run `run_id` was asked to inspect (latest plan)."""
    return list(_plan(project, run_id).get("images", []))


def run_anomaly_model(project, run_id: int) -> int | None:
    """The good-parts-only model run `run_id` grades with beside its model (latest plan), or
    None: a run of one model."""
    value = _plan(project, run_id).get("anomaly_model_id")
    return int(value) if value is not None else None


def load_recipe(project, ref: str | int) -> Recipe:
    """A Recipe from name, name@version, or a recipe version id."""
    body = recipe_row(project, ref).body
    return Recipe.from_dict(body)


def recipe_row(project, ref: str | int):
    try:
        if isinstance(ref, int):
            return project.recipes.get_by_id(ref)
        return project.recipes.get(str(ref))
    except KeyError as e:
        raise ValueError(str(e).strip("'\"")) from None
    except ValueError:  # name@notanumber
        raise ValueError(f"bad recipe reference {ref!r}: use NAME or NAME@VERSION") from None


def model_row(project, model_id: int):
    try:
        return project.models.get(model_id)
    except KeyError:
        known = ", ".join(str(m.id) for m in project.models.list()) or "none"
        raise ValueError(f"no model {model_id} in this project (models: {known})") from None


def anomaly_model_row(project, model_id: int, main_model_id: int | None):
    """The good-parts-only model `model_id`, checked to pair with model `main_model_id`."""
    row = model_row(project, model_id)
    if not is_good_only(row):
        raise ValueError(f"model {row.id} ({row.name}) is not a good-parts-only model: the "
                         "good-parts model must be one trained on good parts")
    if main_model_id is not None:
        main = model_row(project, main_model_id)
        if is_good_only(main):
            raise ValueError(f"model {main.id} ({main.name}) is a good-parts-only model too: "
                             "pair a good-parts-only model with a defect-segmentation model")
    return row


def default_run_name() -> str:
    return "Inspection " + datetime.now().strftime("%Y-%m-%d %H:%M")
