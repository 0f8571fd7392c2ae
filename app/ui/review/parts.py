"""Reading the facts a review needs out of stored results (no Qt): classes, zones, grades.

Results come from app.jobs.inspection as JSON; these helpers accept the spellings it and
`ComponentResult.to_dict()` use ("class" or "class_name" or "class_value"; zones as a
{name: mm²} dict or a list of names), so a result written by an older build still reads.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.core.grading import Recipe


def component_class(c: Mapping, names: Mapping[int, str] | None = None) -> str:
    """The defect class name of a component dict."""
    for key in ("class", "class_name"):
        if isinstance(c.get(key), str) and c[key]:
            return c[key]
    value = c.get("class_value", c.get("class"))
    if value is None:
        return "unknown"
    return (names or {}).get(int(value), f"class {value}")


def component_zones(c: Mapping) -> list[str]:
    """Zone names a component touches."""
    zones = c.get("zones") or []
    if isinstance(zones, Mapping):
        return [str(z) for z in zones]
    if isinstance(zones, str):
        return [zones]
    return [str(z) for z in zones]


def reason_text(r) -> str:
    """A stored reason: a string, or a dict with "text" (grade reasons, borderline findings)."""
    if isinstance(r, Mapping):
        text = str(r.get("text", ""))
        return f"borderline: {text}" if r.get("kind") == "borderline" else text
    return str(r)


def merged_lines(texts) -> list[str]:
    """Repeated lines once, with a count, in first-seen order: five components near the same
    threshold read "borderline: crack near threshold (×5)", not five equal lines."""
    counts: dict[str, int] = {}
    for t in texts:
        counts[t] = counts.get(t, 0) + 1
    return [t if n == 1 else f"{t} (×{n})" for t, n in counts.items()]


def result_classes(result, names=None) -> set[str]:
    return {component_class(c, names) for c in result.components}


def result_zones(result) -> set[str]:
    return {z for c in result.components for z in component_zones(c)}


def run_recipe(project, run) -> Recipe | None:
    """The recipe version the run used, or None when it cannot be read."""
    try:
        return Recipe.from_dict(project.recipes.get_by_id(run.recipe_id).body)
    except (KeyError, ValueError, TypeError):
        return None


def class_names(project) -> dict[int, str]:
    return {c.value: c.name for c in project.classes.list()}
