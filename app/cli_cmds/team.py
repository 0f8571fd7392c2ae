"""``defect-studio team PROJECT ACTION``: the roles and members of a team project.

    defect-studio team postgresql+psycopg://owner@qa/housing init-roles
    defect-studio team postgresql+psycopg://lead@qa/housing members list
    defect-studio team postgresql+psycopg://lead@qa/housing members add anna --role labeler \
        --password-stdin < anna.txt
    defect-studio team postgresql+psycopg://lead@qa/housing members set-role anna reviewer

Roles (app/store/team_roles.py) are enforced by PostgreSQL. init-roles sets them up (again):
the database's owner runs it. Members are managed by an admin of the project. A new member's
password comes from --password-stdin (after the project's own password, when that is read
from stdin too), never from the command line. Exit status: 0 done, 1 error (nothing changed).
"""

from __future__ import annotations

import argparse
import sys

from .command import Command, CommandError, add_project_arg


def add_parser(subparsers) -> argparse.ArgumentParser:
    from app.store.team_roles import ROLES

    p = subparsers.add_parser(
        "team", help="set up the roles of a team project and manage its members",
        description="Roles and members of team project PROJECT (enforced by the database).")
    add_project_arg(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("init-roles", help="create or repair the project's roles and grants "
                                          "(the database's owner)")
    members = actions.add_parser("members", help="list, add or change the project's members")
    what = members.add_subparsers(dest="members_action", metavar="list|add|set-role",
                                  required=True)
    what.add_parser("list", help="each member's login and role")
    add = what.add_parser("add", help="add a member (creates the login when it is new)")
    add.add_argument("login", metavar="USER")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password-stdin", dest="member_password_stdin", action="store_true",
                     help="the new member's password: a line of standard input")
    set_role = what.add_parser("set-role", help="give a member another role")
    set_role.add_argument("login", metavar="USER")
    set_role.add_argument("role", metavar="ROLE", choices=ROLES)
    return p


def run(args: argparse.Namespace) -> int:
    from app.store.team_roles import RoleError

    with Command("team", errors=(RoleError,)) as cmd:
        project = cmd.open(args.project)
        if not project.is_team:
            raise CommandError(f"{project.location} is a project file: one person, no roles")
        if args.action == "init-roles":
            print("Roles set up: " + ", ".join(project.members.set_up_roles()))
        elif args.members_action == "list":
            rows = project.members.list()
            if not rows:
                print("No members yet: add one with `defect-studio team PROJECT members add "
                      "USER --role ROLE`")
            for m in rows:
                print(f"{m.login}\t{m.role}")
        else:
            password = _member_password(args)
            m = project.members.add(args.login, args.role, password)
            print(f"{m.login} is now {m.role} of {project.location}"
                  + ("" if password or args.members_action == "set-role" else
                     " (no password set: give one with --password-stdin)"))
        return 0
    return cmd.status


def _member_password(args) -> str | None:
    if not getattr(args, "member_password_stdin", False):
        return None
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise CommandError("--password-stdin: no password on standard input")
    return line
