"""``defect-studio report PROJECT RUN_ID --out DIR``: an inspection run's report files.

Writes results.csv and results.json (a row per part, for MES import), summary.json (counts
per grade, defect Pareto by class and zone) and PNG charts; see app.jobs.reports. Opens the
project read-only, so it runs while the application has the project open.

Exit status: 0 written, 1 error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .command import Command, CommandError, add_project_arg
from .numbers import int_at_least


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "report", help="write an inspection run's CSV/JSON report, summary and charts",
        description="Write the report of inspection run RUN_ID of PROJECT into the folder DIR.")
    add_project_arg(p)
    p.add_argument("run_id", type=int_at_least(1), metavar="RUN_ID", help="inspection run id")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="output folder (created; report files in it are replaced)")
    return p


def run(args: argparse.Namespace) -> int:
    from app.jobs.reports import write_report

    with Command("report") as cmd:
        project = cmd.open(args.project, readonly=True)
        try:
            project.runs.get(args.run_id)
        except KeyError:
            known = ", ".join(str(r.id) for r in project.runs.list()) or "none"
            raise CommandError(f"no inspection run {args.run_id} (runs: {known})") from None
        try:
            files = write_report(project, args.run_id, args.out)
        except OSError as e:
            raise CommandError(f"cannot write the report: {e}") from e
        print(f"Report of run {args.run_id} written to {args.out}:")
        for f in files.all():
            print(f"  {f.name}")
        return 0
    return cmd.status
