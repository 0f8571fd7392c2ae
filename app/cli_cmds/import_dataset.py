"""``defect-studio import-dataset PROJECT PATH --format png|coco|labelme``: read an export
(ours or another tool's) into a project, all or nothing.

Exit status: 0 done, 1 refused or failed (nothing imported), 130 interrupted (nothing imported).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from .export import FORMATS, fail

EPILOG = """\
PATH is the export folder (png: holds manifest.json; labelme: a folder of labelme files;
coco: holds annotations.json, or the COCO .json file itself). Relative paths in the dataset
must stay inside its folder; absolute paths are accepted for images only. Classes are matched
by name and created when missing. Images already in the project are left as they are.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "import-dataset", help="import a PNG-mask, COCO or labelme dataset into a project",
        description="Import the images and masks of the dataset at PATH into PROJECT.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", type=Path, help="project file (.dsproj)")
    p.add_argument("path", type=Path, help="dataset folder (or COCO .json file)")
    p.add_argument("--format", required=True, choices=FORMATS, help="dataset format")
    p.add_argument("--create", action="store_true", help="create PROJECT if it does not exist")
    return p


def run(args: argparse.Namespace) -> int:
    from app.core.interchange import DatasetError
    from app.jobs.context import Canceled, JobContext
    from app.jobs.interchange import import_dataset
    from app.store import Project, ProjectError

    from .progress import TextProgress, cancel_on_ctrl_c

    try:
        if args.project.exists():
            project = Project.open(args.project)
        elif args.create:
            project = Project.create(args.project)
        else:
            return _fail(f"no project at {args.project}; pass --create to make a new one")
    except (ProjectError, OSError) as e:
        return _fail(str(e))
    bar = TextProgress()
    ctx = JobContext(progress_fn=bar, log_fn=lambda m: print(m, file=sys.stderr))
    previous = cancel_on_ctrl_c(ctx)
    try:
        report = import_dataset(project, args.path, args.format, ctx)
    except Canceled:
        bar.close()
        print("Interrupted: nothing was imported.", file=sys.stderr)
        return 130
    except (DatasetError, ValueError, OSError) as e:
        bar.close()
        return _fail(str(e))
    finally:
        signal.signal(signal.SIGINT, previous)
        project.close()
    bar.close()
    print(f"Imported {len(report.added)} image(s) from {report.source} ({report.format}) in "
          f"{report.seconds:.1f} s: {report.masks} with a mask, {report.good} good, "
          f"{report.unlabeled} unlabeled")
    if report.classes_created:
        print(f"  new classes: {', '.join(report.classes_created)}")
    if report.already_present:
        print(f"Already in project: {len(report.already_present)} image(s), left as they are")
    for w in report.warnings:
        print(f"  warning: {w}")
    return 0


def _fail(message: str) -> int:
    return fail(message, "import-dataset")
