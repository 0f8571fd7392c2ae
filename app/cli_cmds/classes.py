"""``defect-studio classes PROJECT ACTION ...``: list, add, rename, recolour, order and delete the
defect classes of a project.

    defect-studio classes part.dsproj list
    defect-studio classes part.dsproj add pore --color "#ffcc00"
    defect-studio classes part.dsproj rename pore porosity
    defect-studio classes part.dsproj recolor porosity "#00aaff"
    defect-studio classes part.dsproj move porosity 1          # key 1 in the Label workspace
    defect-studio classes part.dsproj delete porosity --merge-into crack   # or --erase

A class is named by its name (or its mask value). Deleting a class that has pixels needs
--merge-into CLASS or --erase: each touched mask gets a new revision, and the audit trail
records the delete. Exit status: 0 done, 1 error (nothing changed).
"""

from __future__ import annotations

import argparse

from .command import Command, CommandError, add_project_arg
from .numbers import int_at_least


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "classes", help="list, add, rename, recolour, order or delete defect classes",
        description="List and edit the defect classes of PROJECT.")
    add_project_arg(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the classes in key order, with how many images use each")
    add = actions.add_parser("add", help="add a class (it goes last)")
    add.add_argument("name")
    add.add_argument("--color", metavar="#RRGGBB", help="its colour (default: the palette's next)")
    rename = actions.add_parser("rename", help="rename a class (masks are unchanged)")
    rename.add_argument("name")
    rename.add_argument("new_name", metavar="NEW_NAME")
    recolor = actions.add_parser("recolor", help="change a class's colour")
    recolor.add_argument("name")
    recolor.add_argument("color", metavar="#RRGGBB")
    move = actions.add_parser("move", help="put a class at POSITION (1 = first; keys 1-9)")
    move.add_argument("name")
    move.add_argument("position", type=int_at_least(1), metavar="POSITION")
    delete = actions.add_parser(
        "delete", help="delete a class; its pixels are merged into another class or erased")
    delete.add_argument("name")
    what = delete.add_mutually_exclusive_group()
    what.add_argument("--merge-into", metavar="CLASS", help="its pixels become this class")
    what.add_argument("--erase", action="store_true", help="its pixels become background")
    return p


def run(args: argparse.Namespace) -> int:
    from app.store.classes_repo import ClassError

    with Command("classes", errors=(ClassError,)) as cmd:
        project = cmd.open(args.project, readonly=args.action == "list")
        return ACTIONS[args.action](project, args)
    return cmd.status


def _list(project, args) -> int:
    classes = project.classes.list()
    if not classes:
        print("No defect classes yet: add one with `defect-studio classes PROJECT add NAME`")
        return 0
    print(f"{'key':>3}  {'value':>5}  {'colour':<7}  {'images':>6}  name")
    for i, c in enumerate(classes, start=1):
        key = str(i) if i <= 9 else "-"
        used = len(project.classes.images_using(c.value))
        print(f"{key:>3}  {c.value:>5}  {c.color:<7}  {used:>6}  {c.name}")
    return 0


def _add(project, args) -> int:
    row = project.classes.add(args.name, args.color)
    print(f"Added class {row.name!r} (value {row.value}, {row.color}, "
          f"position {len(project.classes.list())})")
    return 0


def _rename(project, args) -> int:
    old = _find(project, args.name)
    row = project.classes.update(old.value, name=args.new_name)
    print(f"Renamed class {old.name!r} to {row.name!r}")
    return 0


def _recolor(project, args) -> int:
    old = _find(project, args.name)
    row = project.classes.update(old.value, color=args.color)
    print(f"Class {row.name!r} is now {row.color} (was {old.color})")
    return 0


def _move(project, args) -> int:
    row = _find(project, args.name)
    count = len(project.classes.list())
    if not 1 <= args.position <= count:
        raise CommandError(f"position must be 1..{count}, not {args.position}")
    order = project.classes.move(row.value, args.position - 1)
    print("Order: " + ", ".join(f"{i} {c.name}" for i, c in enumerate(order, start=1)))
    return 0


def _delete(project, args) -> int:
    row = _find(project, args.name)
    target = _find(project, args.merge_into) if args.merge_into else None
    used = project.classes.images_using(row.value)
    if used and target is None and not args.erase:
        raise CommandError(f"class {row.name!r} is painted in {len(used)} image(s): pass "
                           "--merge-into CLASS to keep its pixels as another class, or --erase")
    changed = project.classes.delete(row.value, target.value if target else None)
    where = f"merged into {target.name!r}" if target else "erased"
    print(f"Deleted class {row.name!r}" +
          (f"; its pixels were {where} in {changed} mask(s)" if changed else ""))
    return 0


ACTIONS = {"list": _list, "add": _add, "rename": _rename, "recolor": _recolor, "move": _move,
           "delete": _delete}


def _find(project, name: str):
    from app.store.classes_repo import ClassError

    row = project.classes.by_name(name)
    if row is None and name.isdigit():
        row = project.classes.by_value().get(int(name))
    if row is None:
        known = ", ".join(c.name for c in project.classes.list()) or "none"
        raise ClassError(f"no defect class {name!r} (classes: {known})")
    return row
