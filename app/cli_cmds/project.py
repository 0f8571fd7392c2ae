"""``defect-studio project copy SRC DST``: copy a project between a file and a team database.

SRC and DST are each a project file (.dsproj) or a team project address
(postgresql+psycopg://user@host/database). DST must be new: a file that does not exist yet, or
an empty database. Every row is copied as it is (audit trail, mask revisions, recipes, review
decisions, predictions, models with their checkpoint files); see app/store/project_copy.py for
how image paths and model files move. A password is read from the address, from PGPASSWORD or
~/.pgpass, or asked for with --ask-password; it is never stored. Exit status: 0 copied, 1 not.
"""

from __future__ import annotations

import argparse

from .command import Command


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("project", help="project commands (copy between a file and a team "
                                              "database)",
                              description="Project commands.")
    sub = p.add_subparsers(dest="project_command", metavar="ACTION", required=True)
    c = sub.add_parser("copy", help="copy a project to a new file or an empty team database",
                       description="Copy the project SRC to DST with every row intact. Each is "
                                   "a .dsproj file or a postgresql+psycopg://user@host/database "
                                   "address; DST must be a new file or an empty database.")
    c.add_argument("src", metavar="SRC", help="project file or team project address")
    c.add_argument("dst", metavar="DST", help="new project file or empty team database")
    c.add_argument("--ask-password", action="store_true",
                   help="ask for the password of each team address (not echoed)")
    return p


def _location(text: str, ask: bool):
    from pathlib import Path

    from app.store.location import TeamUrl, is_team_url

    if not is_team_url(text):
        return Path(text)
    url = TeamUrl.parse(text)
    if ask and url.password is None:
        import getpass

        url = url.with_password(getpass.getpass(f"Password for {url.display()}: "))
    return url


def run(args: argparse.Namespace) -> int:
    from app.store import ProjectError
    from app.store.project_copy import copy_location

    with Command("project copy", errors=(ProjectError, OSError)) as cmd:
        src = _location(args.src, args.ask_password)
        dst = _location(args.dst, args.ask_password)
        report = copy_location(src, dst)
        print(report.summary())
        for table, rows in report.rows.items():
            print(f"  {table}: {rows} rows")
        for warning in report.warnings:
            print(f"warning: {warning}")
        return 0
    return cmd.status
