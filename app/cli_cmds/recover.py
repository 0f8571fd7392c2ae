"""``defect-studio recover PROJECT``: save a copy of what can still be read from a damaged project.

The copy goes beside the project as NAME-recovered.dsproj (never over an existing file); the
damaged file is only read. Exit status: 0 a copy was saved, 1 nothing could be read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .command import Command, CommandError, project_location


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "recover", help="save a copy of what can still be read from a damaged project",
        description="Save a copy of what can still be read from the damaged project PROJECT "
                    "beside it (NAME-recovered.dsproj). PROJECT itself is only read.")
    p.add_argument("project", type=project_location, metavar="PROJECT",
                   help="project file (.dsproj)")
    return p


def run(args: argparse.Namespace) -> int:
    from app.store import ProjectError
    from app.store.salvage import save_readable_copy

    with Command("recover", errors=(ProjectError, OSError)) as cmd:
        if not isinstance(args.project, Path):
            raise CommandError("recover reads damaged project files; a team project's "
                               "database is restored from its server's backups")
        if not args.project.is_file():
            raise CommandError(f"no project file at {args.project}")
        report = save_readable_copy(args.project)
        print(report.summary())
        for table, rows in report.rows.items():
            cut = "  (cut short by damage)" if table in report.incomplete else ""
            print(f"  {table}: {rows} rows{cut}")
        return 0
    return cmd.status
