"""Subcommands of ``defect-studio``: one module each, with ``add_parser(subparsers)`` and
``run(args) -> int``. Registered in app.cli.COMMANDS."""
