"""Which models are good-parts-only models, and which pair grades without being named.

    is_good_only(row)              # a ModelRow of kind "anomaly" (app.ml.anomaly_model)
    default_pair(project)          # (segmentation model id, good-parts-only model id)
    find_model(project, "good-only-20260101")   # by name or id, for --anomaly-model

The pair follows the one active-model rule (ModelsRepo.ranked: the active model first, then
the useful ones, newest first): the first good-parts-only model of that order, and the first
model of another kind. Without a model of another kind, the good-parts-only model grades alone.
Torch-free: the kind is read from the model's stored config.json.
"""

from __future__ import annotations

GOOD_ONLY_KIND = "anomaly"  # app.ml.anomaly_model.KIND (that module imports torch)


def is_good_only(row) -> bool:
    """Whether the ModelRow is a good-parts-only model."""
    return str((row.config or {}).get("kind", "")) == GOOD_ONLY_KIND


def good_only_models(project) -> list:
    """The project's good-parts-only models, oldest first."""
    return [m for m in project.models.list() if is_good_only(m)]


def default_good_only(project):
    """The good-parts-only model (ModelRow) that grades when none is named, or None."""
    return next((m for m in project.models.ranked() if is_good_only(m)), None)


def default_pair(project) -> tuple[int | None, int | None]:
    """(model, good-parts-only model) that grade when none is named: see the module docstring.
    (None, None) without models; (good-only id, None) when it is the only kind there is."""
    ranked = project.models.ranked()
    good = next((m.id for m in ranked if is_good_only(m)), None)
    main = next((m.id for m in ranked if not is_good_only(m)), None)
    if main is None:
        return good, None
    return main, good


def find_model(project, name_or_id: str | int):
    """The ModelRow named `name_or_id` (its id, or its exact name); ValueError listing the
    project's models when there is none."""
    models = project.models.list()
    text = str(name_or_id).strip()
    by_id = [m for m in models if text.isdigit() and m.id == int(text)]
    by_name = [m for m in models if m.name == text]
    if by_id or by_name:
        return (by_id or by_name)[0]  # an id first: names are free text
    known = ", ".join(f"{m.id} {m.name}" for m in models) or "none"
    raise ValueError(f"no model {text!r} in this project (models: {known})")
