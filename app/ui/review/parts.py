"""Reading the facts a review needs out of stored results (no Qt): classes, zones, grades.

Results come typed (app.core.inspection_record, through project.runs): the spellings older
builds stored are read there, once.
"""

from __future__ import annotations

from app.core.grading import Recipe


def merged_lines(texts) -> list[str]:
    """Repeated lines once, with a count, in first-seen order: five components near the same
    threshold read "borderline: crack near threshold (×5)", not five equal lines."""
    counts: dict[str, int] = {}
    for t in texts:
        counts[t] = counts.get(t, 0) + 1
    return [t if n == 1 else f"{t} (×{n})" for t, n in counts.items()]


def result_classes(result, names=None) -> set[str]:
    return {c.class_label(names) for c in result.components}


def result_zones(result) -> set[str]:
    return {z for c in result.components for z in c.zones}


def run_recipe(project, run) -> Recipe | None:
    """The recipe version the run used, or None when it cannot be read."""
    try:
        return Recipe.from_dict(project.recipes.get_by_id(run.recipe_id).body)
    except (KeyError, ValueError, TypeError):
        return None


def class_names(project) -> dict[int, str]:
    return {c.value: c.name for c in project.classes.list()}
