"""Recipe files in and out of a project (the CLI's `recipe` command and the Grade workspace).

    row, text = export_text(project, "housing@3")
    export_recipe(project, "housing@3", path)            # canonical bytes, written atomically
    imported = import_recipe(project, path, name=None)   # the next version of the file's name

Import checks the whole file first (app.core.grading.recipe_file); a bad file raises
RecipeFileError and writes nothing. An import equal to the latest version saves nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.core.grading import Recipe
from app.core.grading.recipe_file import MAX_BYTES, RecipeFileError, dumps, loads


@dataclass(frozen=True)
class Imported:
    row: object  # RecipeRow: the version the file became (or already was)
    created: bool  # False: the file equals the latest version, nothing was saved


def class_names(project) -> dict[int, str]:
    return {c.value: c.name for c in project.classes.list()}


def export_text(project, ref: str):
    """(RecipeRow, file text) of recipe version `ref` (NAME or NAME@VERSION)."""
    row = project.recipes.get(ref)
    recipe = Recipe.from_dict(row.body)
    return row, dumps(recipe, class_names(project), row.note)


def export_recipe(project, ref: str, path: str | Path):
    row, text = export_text(project, ref)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(text.encode("utf-8"))
    os.replace(tmp, path)
    return row


def read_recipe_file(project, path: str | Path) -> tuple[Recipe, str]:
    """(recipe, note) from a file, its classes mapped to this project's; RecipeFileError."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise RecipeFileError(f"cannot read {path.name}: {e.strerror or e}") from None
    project_classes = {c.name: c.value for c in project.classes.list()}
    return loads(data, project_classes)


def import_recipe(project, path: str | Path, name: str | None = None,
                  note: str | None = None) -> Imported:
    """Save the file as the next version of recipe `name` (default: the file's own name),
    with `note` (default: the file's note)."""
    recipe, file_note = read_recipe_file(project, path)
    name = (name if name is not None else recipe.name).strip()
    if not name or "@" in name:
        raise RecipeFileError("the recipe needs a name without '@' (the file has none: give one)")
    body = Recipe.from_dict({**recipe.to_dict(), "name": name}).to_dict()
    before = project.recipes.versions(name)
    row = project.recipes.save(name, body, file_note if note is None else note)
    return Imported(row, created=not before or row.version != before[-1].version)
