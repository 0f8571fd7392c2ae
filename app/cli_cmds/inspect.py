"""``defect-studio inspect PROJECT IMAGES... --model ID --recipe NAME[@V]``: an inspection run.
``--anomaly-model NAME_OR_ID`` grades a good-parts-only model beside the model (its anomaly map
as the class "anomaly").

Predicts and grades every image (files and folders), stores one result per part in the
project, prints the counts per grade and the flagged parts, most risky first.

Exit status: 0 done (unreadable images are stored with their reason, not fatal), 1 error,
130 interrupted with Ctrl-C (the parts done are kept: continue with --resume RUN_ID).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .command import Command, CommandError, add_project_arg
from .numbers import int_at_least

SHOW_FLAGGED = 20


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "inspect", help="grade images of new parts with a model and a recipe",
        description="Run an inspection: predict each image with a trained model, grade it with "
                    "a recipe, store the results in PROJECT (reviewed in the Review workspace).")
    add_project_arg(p)
    p.add_argument("images", nargs="*", metavar="IMAGES",
                   help="image files and folders (searched recursively); with --resume, "
                        "default: the run's own list")
    p.add_argument("--model", type=int_at_least(1), metavar="ID",
                   help="model id (required for a new run)")
    p.add_argument("--recipe", metavar="NAME[@V]",
                   help="recipe name, latest version, or NAME@VERSION (required for a new run)")
    p.add_argument("--anomaly-model", metavar="NAME_OR_ID",
                   help="a good-parts-only model graded beside --model: its anomaly map is the "
                        "class 'anomaly' of the recipe (new runs; a resumed run keeps its own)")
    p.add_argument("--name", help="run name (default: 'Inspection <date time>')")
    p.add_argument("--resume", type=int_at_least(1), metavar="RUN_ID",
                   help="continue a stopped run, skipping the parts it already has")
    p.add_argument("--report", type=Path, metavar="OUT.csv",
                   help="also write the run's results as CSV (see `defect-studio report`)")
    p.add_argument("--device", default="auto", metavar="DEV",
                   help="auto (default), cpu, cuda, cuda:N or mps")
    p.add_argument("--threads", type=int_at_least(1), metavar="N", help="CPU threads for torch")
    return p


def run(args: argparse.Namespace) -> int:
    from app.jobs.inspection import InspectionCanceled, inspect

    def interrupted(e) -> str:
        if not isinstance(e, InspectionCanceled):
            return "Interrupted."
        n = len(cmd.project.runs.done_paths(e.run_id))
        return (f"Interrupted: run {e.run_id} keeps its {n} inspected part(s). Continue with "
                f"`defect-studio inspect {cmd.project.location} --resume {e.run_id}`.")

    with Command("inspect", errors=(ValueError,), crashed="inspection failed",
                 interrupted=interrupted) as cmd:
        if args.resume is None and (args.model is None or args.recipe is None
                                    or not args.images):
            raise CommandError("a new run needs IMAGES, --model ID and --recipe NAME[@V] "
                               "(or --resume RUN_ID)")
        project = cmd.open(args.project)
        ctx = cmd.job()
        if args.resume is not None:
            try:
                project.runs.get(args.resume)
            except KeyError:
                known = ", ".join(str(r.id) for r in project.runs.list()) or "none"
                raise CommandError(f"no inspection run {args.resume} (runs: {known})") from None
        good = None
        if args.anomaly_model is not None:
            from app.jobs.good_only import find_model

            good = find_model(project, args.anomaly_model).id
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        row = inspect(project, args.images or None, args.model, args.recipe, ctx,
                      run_id=args.resume, name=args.name, anomaly_model_id=good,
                      device=None if args.device == "auto" else args.device)
        cmd.end_progress()
        print("\n".join(summary_lines(project, row)))
        if args.report:
            from app.jobs.reports import report_rows, write_csv

            write_csv(report_rows(project, row.id), args.report)
            print(f"Report: {args.report}")
        return 0
    return cmd.status


def summary_lines(project, row) -> list[str]:
    from app.jobs.inspection import run_counts
    from app.jobs.reports import run_info

    info = run_info(project, row.id)
    counts = run_counts(project, row.id)
    grades = ", ".join(f"{g} {counts.by_grade[g]}" for g in
                       sorted(counts.by_grade, key=lambda g: (info.grades.index(g)
                                                               if g in info.grades else 99, g)))
    good = info.anomaly_model
    beside = f" + good-parts model {good['id']} ({good['name']})" if good else ""
    lines = [f"Run {row.id} ({row.name}): {counts.total} part(s), model {row.model_id} "
             f"({info.model_name}){beside}, recipe {info.recipe_ref}, status {row.status}",
             f"  {grades or 'no graded parts'}; errors {counts.errors}; "
             f"flagged for review {counts.flagged}"]
    flagged = project.runs.results(row.id, flagged_only=True)
    if flagged:
        lines.append("Flagged, most risky first:")
    for r in flagged[:SHOW_FLAGGED]:
        if r.error is not None:
            why = f"error: {r.error}"
        else:
            texts = [x.text for x in r.reasons if not x.is_note]
            why = texts[0] if texts else ""
        lines.append(f"  {r.risk:4.2f}  {r.grade or '-':<7} {r.image_path}: {why}")
    if len(flagged) > SHOW_FLAGGED:
        lines.append(f"  ... and {len(flagged) - SHOW_FLAGGED} more")
    return lines
