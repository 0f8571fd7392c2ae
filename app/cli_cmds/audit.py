"""``defect-studio audit verify PROJECT``: check the project's audit trail (its hash chain).

Opens the project read-only (it may be open in the application). Prints the number of rows
checked and the head hash (write it down to check later that nothing was rewritten since), or
the first row that does not hold and why. Exit status: 0 the trail holds, 1 error, 3 altered.
"""

from __future__ import annotations

import argparse

from .command import Command, add_project_arg

ALTERED = 3


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("audit", help="check the project's audit trail",
                              description="Audit trail commands.")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="check the audit trail's hash chain; name the first "
                                      "altered row",
                       description="Check every row of PROJECT's audit trail against its hash "
                                   "chain and the append-only guards.")
    add_project_arg(v)
    return p


def run(args: argparse.Namespace) -> int:
    from app.store.project import check_audit_chain

    with Command("audit") as cmd:
        project = cmd.open(args.project, readonly=True)
        check = check_audit_chain(project.db)
        if check.ok and check.rows == 0 and project.audit.list(limit=1):
            print("This project predates the audit chain; it is chained when next opened for "
                  "writing.")
            return 0
        print(check.sentence())
        if check.ok:
            print(f"head {check.head}")
            return 0
        return ALTERED
    return cmd.status
