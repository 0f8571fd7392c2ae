"""``defect-studio grade PROJECT --recipe NAME[@VERSION] IMAGES... --report out.csv|out.json``

Grades parts with a recipe version and a model; writes one row per part: the image, its grade,
the reasons, the model and the recipe version. IMAGES are project image ids, files or folders:
a project image uses the model's stored prediction (predicted now when there is none); any
other file is predicted with the model (torch is loaded only then). Nothing is written to the
project.

Exit status: 0 done (parts that cannot be read are rows with an error, not fatal), 1 error
(unknown project, recipe or model, bad arguments), 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .command import Command, CommandError, add_project_arg
from .numbers import int_at_least

FIELDS = ("image", "image_id", "grade", "reasons", "components", "source", "model", "recipe",
          "error")


@dataclass(frozen=True)
class PartRef:
    """A part to grade: a project image (image_id) or a file outside the project."""

    path: Path
    image_id: int | None = None


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "grade", help="grade parts with a recipe and a model, write a report",
        description="Grade images with recipe NAME[@VERSION] (default: the latest version) and "
                    "a trained model; write one row per part (grade, reasons, model, recipe "
                    "version) to a .csv or .json report.")
    add_project_arg(p)
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="project image ids, image files or folders")
    p.add_argument("--recipe", required=True, metavar="NAME[@VERSION]", help="grading recipe")
    p.add_argument("--report", required=True, type=Path, metavar="OUT.csv|OUT.json",
                   help="where to write the report (format from the extension)")
    p.add_argument("--model", type=int_at_least(1), metavar="ID",
                   help="model id (default: the active model, else the newest)")
    p.add_argument("--device", default="auto", metavar="DEV",
                   help="auto (default), cpu, cuda, cuda:N or mps (for images predicted now)")
    return p


def run(args: argparse.Namespace) -> int:
    with Command("grade", errors=(ValueError,), crashed="grading failed",
                 interrupted="Interrupted: no report written.") as cmd:
        if args.report.suffix.lower() not in (".csv", ".json"):
            raise CommandError(f"the report must end in .csv or .json, not {args.report.name!r}")
        project = cmd.open(args.project, readonly=True)
        ctx = cmd.job(log_fn=None)
        recipe_row, recipe = load_recipe(project, args.recipe)
        model_row = pick_model(project, args.model)
        parts = resolve_parts(project, args.images)
        if not parts:
            raise CommandError("no images to grade")
        grader = Grader(project, model_row, recipe, None if args.device == "auto" else args.device)
        rows = []
        for i, part in enumerate(parts):
            ctx.check()
            ctx.progress(i, len(parts), f"Grading {part.path.name}")
            rows.append(grader.row(part, recipe_row.ref))
        ctx.progress(len(parts), len(parts), "Graded")
        cmd.end_progress()
        write_report(rows, args.report)
        print(summary(rows, recipe_row.ref, model_row, args.report))
        return 0
    return cmd.status


# -- lookups -------------------------------------------------------------------------------------

def load_recipe(project, ref: str):
    """(RecipeRow, Recipe) of NAME or NAME@VERSION; ValueError naming the recipes there."""
    from app.core.grading import Recipe

    name, _, version = ref.partition("@")
    if version and not version.isdigit():
        raise ValueError(f"bad recipe reference {ref!r}: use NAME or NAME@VERSION")
    try:
        row = project.recipes.get(ref)
    except KeyError as e:
        known = project.recipes.versions(name)
        if version and known:
            raise ValueError(f"recipe {name!r} has no version {version} (versions: "
                             f"{', '.join(str(r.version) for r in known)})") from None
        raise ValueError(str(e).strip("'\"")) from None
    return row, Recipe.from_dict(row.body)


def pick_model(project, model_id: int | None):
    from app.jobs.prediction import default_model_id, no_model_reason

    if model_id is None:
        model_id = default_model_id(project)
        if model_id is None:
            raise ValueError(no_model_reason(project) + (
                "" if project.models.list() else ", or name one with --model"))
    try:
        return project.models.get(model_id)
    except KeyError:
        known = ", ".join(f"{m.id} ({m.name})" for m in project.models.list()) or "none"
        raise ValueError(f"no model {model_id} in this project (models: {known})") from None


def resolve_parts(project, refs: list[str]) -> list[PartRef]:
    """Ids and paths -> parts; folders expand to the images in them (masks left out)."""
    from app.jobs.inspection import collect_images

    parts: list[PartRef] = []
    for ref in refs:
        path = Path(ref)
        if ref.isdigit() and not path.exists():
            try:
                row = project.images.get(int(ref))
            except KeyError:
                raise ValueError(f"no image with id {ref} in this project") from None
            parts.append(PartRef(project.images.abspath(row), row.id))
            continue
        if not path.exists():
            raise ValueError(f"{ref}: no such file or folder")
        files, _notes = collect_images([path])
        for f in files:
            row = project.images.by_rel_path(project.images.rel(f.resolve()))
            parts.append(PartRef(f, row.id if row is not None else None))
    return list(dict.fromkeys(parts))


# -- grading -------------------------------------------------------------------------------------

class Grader:
    """Grades parts with one recipe and one model; the model is loaded on first need."""

    def __init__(self, project, model_row, recipe, device: str | None = None):
        from app.core.grading import ZoneCache

        self.project, self.model_row, self.recipe = project, model_row, recipe
        self.device = device
        self.zones = ZoneCache()
        self._model = None
        self.max_pixels = int(project.settings.get("max_image_pixels"))

    def row(self, part: PartRef, recipe_ref: str) -> dict:
        from app.core.grading import grade
        from app.core.imageio import ImageReadError

        row = {"image": str(part.path), "image_id": part.image_id, "grade": None,
               "reasons": [], "components": 0, "source": "", "model": self.model_row.id,
               "recipe": recipe_ref, "error": None}
        try:
            probs, values, row["source"] = self._probs(part)
        except (ImageReadError, OSError, ValueError) as e:
            row["error"] = str(e)
            return row
        verdict = grade(probs, values, self.recipe, self.zones)
        row.update(grade=verdict.grade, reasons=[r.text for r in verdict.reasons],
                   components=len(verdict.components))
        return row

    def _probs(self, part: PartRef):
        if part.image_id is not None:
            got = self.project.models.load_prediction(part.image_id, self.model_row.id)
            if got is not None:
                return got[0], got[1], "stored prediction"
        from app.core.imageio import load_image

        image = load_image(part.path, self.max_pixels)
        model = self._load_model()
        return model.predict(image), list(model.config.class_values), "predicted"

    def _load_model(self):
        if self._model is None:
            from app.ml.inference import load_model_for_inference

            self._model = load_model_for_inference(
                self.project.models.path(self.model_row), self.device)
        return self._model


# -- output --------------------------------------------------------------------------------------

def write_report(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
        return
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({**r, "reasons": "; ".join(r["reasons"]),
                        "image_id": "" if r["image_id"] is None else r["image_id"],
                        "error": r["error"] or ""})


def summary(rows: list[dict], recipe_ref: str, model_row, report: Path) -> str:
    counts = Counter(r["grade"] for r in rows if r["error"] is None)
    errors = sum(1 for r in rows if r["error"] is not None)
    grades = ", ".join(f"{g} {n}" for g, n in counts.most_common()) or "none graded"
    lines = [f"Graded {len(rows)} part(s) with recipe {recipe_ref} and model {model_row.id} "
             f"({model_row.name}): {grades}" + (f"; {errors} could not be read" if errors else ""),
             f"Report: {report}"]
    lines += [f"  {r['image']}: {r['error']}" for r in rows if r["error"] is not None]
    return "\n".join(lines)
