"""``defect-studio [PROJECT.dsproj]`` opens the window; ``defect-studio COMMAND ...`` runs headless.

Each subcommand is a small module in app/cli_cmds exposing ``add_parser(subparsers)`` and
``run(args) -> int``; list it in COMMANDS to add it. Modules import their heavy dependencies
inside ``run`` so that ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys

from app.cli_cmds.command import INTERRUPTED

COMMANDS = (
    "app.cli_cmds.import_folder",
    "app.cli_cmds.import_dataset",
    "app.cli_cmds.export",
    "app.cli_cmds.train",
    "app.cli_cmds.predict",
    "app.cli_cmds.inspect",
    "app.cli_cmds.report",
    "app.cli_cmds.deploy",
    "app.cli_cmds.grade",
    "app.cli_cmds.recipe",
    "app.cli_cmds.classes",
    "app.cli_cmds.recover",
    "app.cli_cmds.audit",
    "app.cli_cmds.worker",
    "app.cli_cmds.jobs",
    "app.cli_cmds.roots",
    "app.cli_cmds.team",
    "app.cli_cmds.project",
    "app.cli_cmds.assign",
)


def version() -> str:
    try:
        return importlib.metadata.version("defect-studio")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="defect-studio",
        usage="%(prog)s [PROJECT.dsproj] | COMMAND ...",
        description="Label, train, grade and review industrial defects. Without a command, "
                    "opens the application window (and PROJECT.dsproj when given).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog=parser.prog)
    for name in COMMANDS:
        module = importlib.import_module(name)
        p = module.add_parser(sub)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and (argv[0].endswith(".dsproj") or _is_team_url(argv[0])):  # open it in the window
        return _window(argv)
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            return _window(argv)
        return args.run(args)
    except KeyboardInterrupt:
        # Ctrl-C before a command installs its own handler (while torch loads, say): nothing
        # was written yet, so a sentence, not a traceback.
        print("\nInterrupted: nothing was changed.", file=sys.stderr)
        return INTERRUPTED


def _is_team_url(text: str) -> bool:
    if "://" not in text:
        return False  # SQLAlchemy only for what may be a URL: `--help` stays instant
    from app.store.location import is_team_url

    return is_team_url(text)


def _window(argv: list[str]) -> int:
    from app.ui.main import run_app  # Qt only when the window is wanted

    return run_app(["defect-studio", *argv])


if __name__ == "__main__":
    raise SystemExit(main())
