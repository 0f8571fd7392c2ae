"""``defect-studio assign PROJECT --to NAME IMAGE...``: a lead assigns images to a person.

    defect-studio assign part.dsproj --to anna 12 13 parts/p7.png
    defect-studio assign postgresql+psycopg://lead@server/line4 --to anna 12 13
    defect-studio assign part.dsproj --nobody 12        # anyone may take it again

IMAGE is an image id or its path. NAME is the person's database login (a team project) or
account name: "next image" in the Label workspace takes the images assigned to them first.
The audit trail records who assigned what. Exit status: 0 done, 1 error (nothing changed).
"""

from __future__ import annotations

import argparse

from .command import Command


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("assign", help="assign images to a person",
                              description="Assign images of PROJECT to a person; Label's "
                                          "\"next image\" takes their images first.")
    p.add_argument("project", metavar="PROJECT",
                   help="project file (.dsproj) or team project URL (postgresql+psycopg://...)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--to", metavar="NAME", help="the person (their login)")
    who.add_argument("--nobody", action="store_true", help="unassign: anyone may take them")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image id or path")
    return p


def run(args: argparse.Namespace) -> int:
    from .predict import resolve_images

    with Command("assign", errors=(ValueError,)) as cmd:
        name = None if args.nobody else args.to.strip()
        if not args.nobody and not name:
            return cmd.fail("--to needs a name")
        project = cmd.open(args.project)
        ids = resolve_images(project, args.images)
        project.images.assign(ids, name)
        count = "1 image" if len(ids) == 1 else f"{len(ids)} images"
        print(f"{count} assigned to {name}" if name else f"{count} unassigned")
        return 0
    return cmd.status
