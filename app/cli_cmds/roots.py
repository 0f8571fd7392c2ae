"""``defect-studio roots PROJECT ACTION``: the storage roots of a team project, and where each
is on this workstation.

    defect-studio roots postgresql+psycopg://anna@qa/housing list
    defect-studio roots postgresql+psycopg://anna@qa/housing add parts
    defect-studio roots postgresql+psycopg://anna@qa/housing map parts /mnt/parts

A root's name is the team's (adding one is an admin's right); its folder is this
workstation's own (app/store/storage_roots.py). Exit status: 0 done, 1 error (nothing changed).
"""

from __future__ import annotations

import argparse

from .command import Command, CommandError, add_project_arg


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "roots", help="list, add or map the storage roots of a team project",
        description="The storage roots of team project PROJECT: the names the team shares and "
                    "the folder each is mapped to on this workstation.")
    add_project_arg(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="each root with its folder here (or 'not mapped here')")
    add = actions.add_parser("add", help="add a root the team's images live under")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--note", default="", help="what it holds (shown to the team)")
    mapping = actions.add_parser("map", help="say where root NAME is on this workstation")
    mapping.add_argument("name", metavar="NAME")
    mapping.add_argument("folder", metavar="FOLDER")
    return p


def run(args: argparse.Namespace) -> int:
    from app.store.storage_roots import StorageRootError

    with Command("roots", errors=(StorageRootError,)) as cmd:
        project = cmd.open(args.project, readonly=args.action != "add")
        if project.roots is None:
            raise CommandError(f"{project.location} is a project file: its images are found "
                               "beside it, it has no storage roots")
        if args.action == "add":
            project.roots.add(args.name, note=args.note)
            print(f"Added storage root {args.name!r}; map it here with "
                  f"`defect-studio roots PROJECT map {args.name} FOLDER`")
        elif args.action == "map":
            project.roots.map(args.name, args.folder)
            print(f"{args.name} -> {project.roots.folder(args.name)} on this workstation")
        else:
            mapping = project.roots.mapping()
            names = project.roots.names()
            if not names:
                print("No storage roots yet: importing images makes one of their folder")
            for name in names:
                print(f"{name}\t{mapping.get(name, 'not mapped here')}")
        return 0
    return cmd.status
