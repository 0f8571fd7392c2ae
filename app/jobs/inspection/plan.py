"""Where an inspection run's parts are and what it was asked to inspect: stored paths, the
run's plan (kept in the audit trail), and the recipe and model it names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from app.core.grading import Recipe

PLAN_ACTION = "run.plan"


def stored_path(project, path: str | Path) -> str:
    """How a part's path is stored: relative to the project folder ('/') when inside it,
    else absolute."""
    p = Path(path).absolute()
    root = Path(project.root).absolute()
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


def image_abspath(project, image_path: str) -> Path:
    """The file of a stored image_path."""
    p = Path(image_path)
    return p if p.is_absolute() else Path(project.root) / p


def plan_paths(project, paths: Sequence[Path]) -> list[str]:
    return list(dict.fromkeys(stored_path(project, p) for p in paths))


def run_plan(project, run_id: int) -> list[str]:
    """The stored image paths run `run_id` was asked to inspect (latest plan)."""
    for row in project.audit.list(action=PLAN_ACTION, entity="inspection_run"):
        if row.entity_id == run_id:  # newest first
            return list(row.detail.get("images", []))
    return []


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


def default_run_name() -> str:
    return "Inspection " + datetime.now().strftime("%Y-%m-%d %H:%M")
