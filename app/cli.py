"""``defect-studio``: the GUI when run bare, headless subcommands otherwise.

Each subcommand is a small module in app/cli_cmds exposing ``add_parser(subparsers)`` and
``run(args) -> int``; list it in COMMANDS to add it. Modules import their heavy dependencies
inside ``run`` so that ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata

COMMANDS = (
    "app.cli_cmds.import_folder",
)


def version() -> str:
    try:
        return importlib.metadata.version("defect-studio")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="defect-studio",
        description="Label, train, grade and review industrial defects. "
                    "Without a command, opens the application window.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(name)
        p = module.add_parser(sub)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from app.ui.main import run_app  # Qt only when the window is wanted

        return run_app()
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
