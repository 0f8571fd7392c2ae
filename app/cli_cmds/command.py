"""Command: the one skeleton every CLI command runs in; the command keeps only its work.

    def run(args) -> int:
        with Command("export", errors=(DatasetError, OSError),
                     interrupted="Interrupted: the export is incomplete.") as cmd:
            project = cmd.open(args.project, readonly=True)
            ctx = cmd.job()                     # progress bar on stderr, Ctrl-C cancels
            report = export_project(project, ..., ctx)
            cmd.end_progress()
            print(...)
            return 0
        return cmd.status                       # 1 after an error, 130 after Ctrl-C

It owns what every command did by hand: opening the project (a clear line when it cannot),
the progress bar and the Ctrl-C handler (restored after), closing the project, and turning
what went wrong into one line and an exit status: ``CommandError`` and the ``errors`` given
print ``defect-studio NAME: error: MESSAGE`` (1); ``Canceled`` prints ``interrupted`` (130);
with ``crashed`` any other exception prints ``CRASHED: Type: message`` (or what a callable
``crashed`` makes of it) with status 1 instead of a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C
PROJECT_HELP = ("project file (.dsproj) or team project address "
                "(postgresql+psycopg://USER@HOST/DATABASE)")


def project_location(text: str) -> str | Path:
    """PROJECT on the command line: a team project's URL as it is (a Path would fold its '//'),
    anything else a file path."""
    from app.store.location import is_team_url

    return text if is_team_url(text) else Path(text)


class _PasswordFromStdin(argparse.Action):
    """--password-stdin: the team project's password is the first line of standard input, so it
    is never on a command line. It goes where libpq looks (PGPASSWORD of this process only)."""

    def __call__(self, parser, namespace, values, option_string=None):
        line = sys.stdin.readline()
        if not line:
            parser.error("--password-stdin: standard input is empty")
        os.environ["PGPASSWORD"] = line.rstrip("\r\n")
        setattr(namespace, self.dest, True)


def add_project_arg(parser: argparse.ArgumentParser, help: str = PROJECT_HELP) -> None:
    """The PROJECT argument every command takes (a file or a team URL) and --password-stdin.
    A team password comes from --password-stdin, PGPASSWORD, ~/.pgpass, the URL (never echoed)
    or, on a terminal, a prompt."""
    parser.add_argument("project", type=project_location, metavar="PROJECT", help=help)
    parser.add_argument("--password-stdin", action=_PasswordFromStdin, nargs=0, default=False,
                        help="read a team project's password from the first line of stdin")


class CommandError(Exception):
    """What the user did wrong or what is missing: one line, exit status 1."""


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


class Command:
    def __init__(self, name: str, *, errors: tuple[type[BaseException], ...] = (),
                 crashed: str | Callable[[Exception], str] | None = None,
                 interrupted: str | Callable[[BaseException], str] = "Interrupted."):
        self.name = name
        self.errors = tuple(errors)
        self.crashed = crashed
        self.interrupted = interrupted
        self.status = 1
        self.project = None
        self.bar = None
        self.ctx = None
        self._previous_sigint = None

    def fail(self, message: str) -> int:
        print(f"defect-studio {self.name}: error: {message}", file=sys.stderr)
        return 1

    def open(self, path: str | Path, readonly: bool = False, create: bool | None = None,
             prefix: str = ""):
        """The project at ``path`` (a file or a team URL), closed when the command ends.
        ``create``: None opens only; False/True refuses/creates a missing project (the
        --create flag; a team project is missing when its database is empty)."""
        from app.store import ProjectError

        try:
            self.project = _open_or_create(path, readonly, create)
        except (ProjectError, OSError) as e:
            raise CommandError(f"{prefix}{e}") from None
        return self.project

    def job(self, log_fn: Callable[[str], None] | None = _to_stderr):
        """A JobContext with a progress bar on stderr; the first Ctrl-C cancels it."""
        from app.jobs.context import JobContext

        from .progress import TextProgress, cancel_on_ctrl_c

        self.bar = TextProgress()
        self.ctx = JobContext(progress_fn=self.bar, log_fn=log_fn)
        self._previous_sigint = cancel_on_ctrl_c(self.ctx)
        return self.ctx

    def end_progress(self) -> None:
        """End the bar's line before printing results."""
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> Command:
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        try:
            return exc is not None and self._report(exc)
        finally:
            if self._previous_sigint is not None:
                signal.signal(signal.SIGINT, self._previous_sigint)
                self._previous_sigint = None
            if self.project is not None:
                self.project.close()
                self.project = None

    def _report(self, exc: BaseException) -> bool:
        """Say what went wrong and set ``status``; False lets the exception through."""
        from app.jobs.context import Canceled
        from app.store.errors import ProjectError  # the store's messages are said as they are

        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: app.cli's
            return False
        self.end_progress()
        if isinstance(exc, Canceled):
            text = self.interrupted(exc) if callable(self.interrupted) else self.interrupted
            print(text, file=sys.stderr)
            self.status = INTERRUPTED
        elif isinstance(exc, (CommandError, ProjectError, *self.errors)):
            self.status = self.fail(str(exc))
        elif callable(self.crashed):
            self.status = self.fail(self.crashed(exc))
        elif self.crashed is not None:
            self.status = self.fail(f"{self.crashed}: {type(exc).__name__}: {exc}")
        else:
            return False
        return True


def _open_or_create(location: str | Path, readonly: bool, create: bool | None):
    from app.store import Project
    from app.store.errors import TeamAuthError
    from app.store.location import TeamUrl, is_team_url

    if not is_team_url(str(location)):
        path = Path(location)
        if create is not None and not path.exists():
            if not create:
                raise CommandError(f"no project at {path}; pass --create to make a new one")
            return Project.create(path)
        return Project.open(path, readonly=readonly)
    url = TeamUrl.parse(str(location))
    try:
        return _open_team(url, readonly, create)
    except TeamAuthError:
        if not sys.stdin.isatty():
            raise
    import getpass

    return _open_team(url.with_password(getpass.getpass(f"Password for {url}: ")), readonly,
                      create)


def _open_team(url, readonly: bool, create: bool | None):
    from app.store import Project
    from app.store.errors import EmptyTeamError

    try:
        return Project.open(url, readonly=readonly)
    except EmptyTeamError:
        if not create:
            raise CommandError(f"{url} holds no project yet"
                               + ("; pass --create to make one" if create is False else "")
                               ) from None
        return Project.create(url)
