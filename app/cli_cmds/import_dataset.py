"""``defect-studio import-dataset PROJECT PATH --format png|coco|labelme``: read an export
(ours or another tool's) into a project, all or nothing.

Exit status: 0 done, 1 refused or failed (nothing imported), 130 interrupted (nothing imported).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .command import Command, add_project_arg
from .export import FORMATS

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
    add_project_arg(p)
    p.add_argument("path", type=Path, help="dataset folder (or COCO .json file)")
    p.add_argument("--format", required=True, choices=FORMATS, help="dataset format")
    p.add_argument("--create", action="store_true", help="create PROJECT if it does not exist")
    return p


def run(args: argparse.Namespace) -> int:
    from app.core.interchange import DatasetError
    from app.jobs.interchange import import_dataset

    with Command("import-dataset", errors=(DatasetError, ValueError, OSError),
                 interrupted="Interrupted: nothing was imported.") as cmd:
        project = cmd.open(args.project, create=args.create)
        report = import_dataset(project, args.path, args.format, cmd.job())
        cmd.end_progress()
        print(f"Imported {len(report.added)} image(s) from {report.source} ({report.format}) "
              f"in {report.seconds:.1f} s: {report.masks} with a mask, {report.good} good, "
              f"{report.unlabeled} unlabeled")
        if report.classes_created:
            print(f"  new classes: {', '.join(report.classes_created)}")
        if report.already_present:
            print(f"Already in project: {len(report.already_present)} image(s), left as they "
                  "are")
        for w in report.warnings:
            print(f"  warning: {w}")
        return 0
    return cmd.status
