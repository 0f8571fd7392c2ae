"""``defect-studio inspect PROJECT IMAGES... --model ID --recipe NAME[@V]``: an inspection run.

Predicts and grades every image (files and folders), stores one result per part in the
project, prints the counts per grade and the flagged parts, most risky first.

Exit status: 0 done (unreadable images are stored with their reason, not fatal), 1 error,
130 interrupted with Ctrl-C (the parts done are kept: continue with --resume RUN_ID).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from .numbers import int_at_least

SHOW_FLAGGED = 20


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "inspect", help="grade images of new parts with a model and a recipe",
        description="Run an inspection: predict each image with a trained model, grade it with "
                    "a recipe, store the results in PROJECT (reviewed in the Review workspace).")
    p.add_argument("project", type=Path, metavar="PROJECT", help="project file (.dsproj)")
    p.add_argument("images", nargs="*", metavar="IMAGES",
                   help="image files and folders (searched recursively); with --resume, "
                        "default: the run's own list")
    p.add_argument("--model", type=int_at_least(1), metavar="ID", help="model id (required for a new run)")
    p.add_argument("--recipe", metavar="NAME[@V]",
                   help="recipe name, latest version, or NAME@VERSION (required for a new run)")
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
    from app.jobs.context import Canceled, JobContext
    from app.jobs.inspection import InspectionCanceled, inspect
    from app.store import Project, ProjectError

    from .progress import TextProgress, cancel_on_ctrl_c

    if args.resume is None and (args.model is None or args.recipe is None or not args.images):
        return _fail("a new run needs IMAGES, --model ID and --recipe NAME[@V] "
                     "(or --resume RUN_ID)")
    try:
        project = Project.open(args.project)
    except (ProjectError, OSError) as e:
        return _fail(str(e))
    bar = TextProgress()
    ctx = JobContext(progress_fn=bar, log_fn=lambda m: print(m, file=sys.stderr))
    previous = cancel_on_ctrl_c(ctx)
    try:
        if args.resume is not None:
            try:
                project.runs.get(args.resume)
            except KeyError:
                known = ", ".join(str(r.id) for r in project.runs.list()) or "none"
                return _fail(f"no inspection run {args.resume} (runs: {known})")
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        row = inspect(project, args.images or None, args.model, args.recipe, ctx,
                      run_id=args.resume, name=args.name,
                      device=None if args.device == "auto" else args.device)
        bar.close()
        print("\n".join(summary_lines(project, row)))
        if args.report:
            from app.jobs.reports import report_rows, write_csv

            write_csv(report_rows(project, row.id), args.report)
            print(f"Report: {args.report}")
        return 0
    except InspectionCanceled as e:
        bar.close()
        n = len(project.runs.done_paths(e.run_id))
        print(f"Interrupted: run {e.run_id} keeps its {n} inspected part(s). Continue with "
              f"`defect-studio inspect {args.project} --resume {e.run_id}`.", file=sys.stderr)
        return 130
    except Canceled:
        bar.close()
        print("Interrupted.", file=sys.stderr)
        return 130
    except ValueError as e:
        bar.close()
        return _fail(str(e))
    except Exception as e:  # noqa: BLE001 - a clear line instead of a traceback
        bar.close()
        return _fail(f"inspection failed: {type(e).__name__}: {e}")
    finally:
        signal.signal(signal.SIGINT, previous)
        project.close()


def summary_lines(project, row) -> list[str]:
    from app.jobs.inspection import run_counts
    from app.jobs.reports import run_info

    info = run_info(project, row.id)
    counts = run_counts(project, row.id)
    grades = ", ".join(f"{g} {counts.by_grade[g]}" for g in
                       sorted(counts.by_grade, key=lambda g: (info.grades.index(g)
                                                               if g in info.grades else 99, g)))
    lines = [f"Run {row.id} ({row.name}): {counts.total} part(s), model {row.model_id} "
             f"({info.model_name}), recipe {info.recipe_ref}, status {row.status}",
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


def _fail(message: str) -> int:
    print(f"defect-studio inspect: error: {message}", file=sys.stderr)
    return 1
