"""``defect-studio recover PROJECT``: save a copy of what can still be read from a damaged project.

The copy goes beside the project as NAME-recovered.dsproj (never over an existing file); the
damaged file is only read. Exit status: 0 a copy was saved, 1 nothing could be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "recover", help="save a copy of what can still be read from a damaged project",
        description="Save a copy of what can still be read from the damaged project PROJECT "
                    "beside it (NAME-recovered.dsproj). PROJECT itself is only read.")
    p.add_argument("project", type=Path, metavar="PROJECT", help="project file (.dsproj)")
    return p


def run(args: argparse.Namespace) -> int:
    from app.store import ProjectError
    from app.store.salvage import save_readable_copy

    if not args.project.is_file():
        return _fail(f"no project file at {args.project}")
    try:
        report = save_readable_copy(args.project)
    except (ProjectError, OSError) as e:
        return _fail(str(e))
    print(report.summary())
    for table, rows in report.rows.items():
        cut = "  (cut short by damage)" if table in report.incomplete else ""
        print(f"  {table}: {rows} rows{cut}")
    return 0


def _fail(message: str) -> int:
    print(f"defect-studio recover: error: {message}", file=sys.stderr)
    return 1
