"""`python -m app`: the command line; with no subcommand it starts the desktop app."""

from app.cli import main

raise SystemExit(main())
