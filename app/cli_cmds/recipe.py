"""``defect-studio recipe list|show|export|import``: grading recipes as files.

    defect-studio recipe list   PROJECT
    defect-studio recipe show   PROJECT NAME[@VERSION] [--json]
    defect-studio recipe export PROJECT NAME[@VERSION] OUT.json   (- for standard output)
    defect-studio recipe import PROJECT FILE.json [--name NAME] [--note TEXT]

The file format is docs/RECIPE_FORMAT.md. Import saves the next version of the recipe (a file
equal to the latest version saves nothing); a bad file changes nothing.

Exit status: 0 done, 1 error (unknown project or recipe, bad file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .command import Command, CommandError, add_project_arg


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "recipe", help="list, show, export and import grading recipes",
        description="Grading recipes as files: list the versions in a project, show one, "
                    "export a version to a JSON file, import a file as a new version "
                    "(format: docs/RECIPE_FORMAT.md).")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = sub.add_parser("list", help="every recipe version, with author, date and note")
    add_project_arg(a)
    a = sub.add_parser("show", help="one recipe version: classes, zones, rules, scale")
    add_project_arg(a)
    a.add_argument("ref", metavar="NAME[@VERSION]", help="default version: the latest")
    a.add_argument("--json", action="store_true", help="print the recipe file instead")
    a = sub.add_parser("export", help="write a recipe version to a JSON file")
    add_project_arg(a)
    a.add_argument("ref", metavar="NAME[@VERSION]", help="default version: the latest")
    a.add_argument("out", metavar="OUT.json", help="the file to write, or - for standard output")
    a = sub.add_parser("import", help="save a recipe file as the next version of a recipe")
    add_project_arg(a)
    a.add_argument("file", type=Path, metavar="FILE.json")
    a.add_argument("--name", help="recipe name (default: the name in the file)")
    a.add_argument("--note", help="version note (default: the note in the file)")
    return p


def run(args: argparse.Namespace) -> int:
    from app.core.grading.recipe_file import RecipeFileError

    with Command("recipe", errors=(RecipeFileError, ValueError)) as cmd:
        project = cmd.open(args.project, readonly=args.action != "import")
        try:
            return ACTIONS[args.action](project, args)
        except KeyError as e:  # unknown recipe or version: the repository's message names them
            raise CommandError(str(e).strip("'\"")) from e
        except OSError as e:
            raise CommandError(f"cannot write {args.out}: {e.strerror or e}") from e
    return cmd.status


def _list(project, _args) -> int:
    names = project.recipes.names()
    if not names:
        print("No recipes yet (Grade workspace: Save, or `defect-studio recipe import`).")
    for name in names:
        for r in project.recipes.versions(name):
            note = f"  {r.note}" if r.note else ""
            print(f"{r.ref:<24} {r.created_at}  {r.author}{note}")
    return 0


def _show(project, args) -> int:
    from app.core.grading import Recipe
    from app.jobs.recipe_files import class_names, export_text

    row, text = export_text(project, args.ref)
    if args.json:
        sys.stdout.write(text)
        return 0
    recipe, names = Recipe.from_dict(row.body), class_names(project)
    cal = recipe.calibration
    au, lu = cal.area_unit, cal.length_unit
    print(f"{row.ref}  saved {row.created_at} by {row.author}")
    if row.note:
        print(f"Note: {row.note}")
    print(f"Calibration: {cal.mm_per_pixel:g} mm/px" if cal.is_calibrated
          else "Calibration: none (areas in px)")
    print(f"Grades: {' < '.join(recipe.scale.levels)}")
    print("Classes:")
    for c in recipe.classes:
        print(f"  {names.get(c.value, c.name):<16} threshold {c.threshold:.2f}  min area "
              f"{c.min_area_mm2:g} {au}")
    ref = recipe.zones.reference_size
    print(f"Zones (px of a {ref[0]} x {ref[1]} image):" if ref else "Zones:")
    for z in recipe.zones.zones:
        holes = sum(len(p.holes) for p in z.polygons)
        print(f"  {z.name:<16} severity {z.severity}  {len(z.polygons)} area(s), {holes} hole(s)")
    if not recipe.zones.zones:
        print("  none (the whole image)")
    print("Rules:")
    for r in recipe.rules:
        limits = [f"{label} {v:g} {unit}" for label, v, unit in (
            ("min area", r.min_area_mm2 or None, au), ("max area", r.max_area_mm2, au),
            ("max length", r.max_length_mm, lu), ("max count", r.max_count, "")) if v is not None]
        print(f"  {names.get(r.class_value, recipe.class_name(r.class_value))} in {r.zone}: "
              f"{', '.join(limits) or 'allowed'} -> {r.grade}")
    if not recipe.rules:
        print("  none (every part is graded " + recipe.scale.best + ")")
    return 0


def _export(project, args) -> int:
    from app.jobs.recipe_files import export_recipe, export_text

    if args.out == "-":
        sys.stdout.write(export_text(project, args.ref)[1])
        return 0
    row = export_recipe(project, args.ref, args.out)
    print(f"Exported {row.ref} to {args.out}")
    return 0


def _import(project, args) -> int:
    from app.jobs.recipe_files import import_recipe

    out = import_recipe(project, args.file, args.name, args.note)
    if out.created:
        print(f"Imported {args.file.name} as {out.row.ref}")
    else:
        print(f"Nothing imported: {args.file.name} equals {out.row.ref}")
    return 0


ACTIONS = {"list": _list, "show": _show, "export": _export, "import": _import}
