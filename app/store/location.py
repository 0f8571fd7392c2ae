"""Where a project lives: a `.dsproj` file, or a team database given by URL.

    postgresql+psycopg://anna@qa-server/housing        (psycopg 3; `postgresql://` means it too)
    postgresql+psycopg://anna@/housing?host=/run/pg    (a local server's socket folder)

The password is never part of what is kept: `TeamUrl.display()` and `str()` leave it out; it is
asked for when connecting (or read from the PGPASSWORD variable or ~/.pgpass by libpq itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .errors import ProjectError

SCHEMES = ("postgresql", "postgresql+psycopg", "postgres")


def is_team_url(text: str) -> bool:
    """True for a PostgreSQL URL (a team project), False for anything else (a file path)."""
    head = str(text).split("://", 1)[0].lower() if "://" in str(text) else ""
    return head in SCHEMES


@dataclass(frozen=True)
class TeamUrl:
    """A PostgreSQL database of a team project; the password travels apart, never stored."""

    url: URL
    password: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, text: str, password: str | None = None) -> TeamUrl:
        if not is_team_url(text):
            raise ProjectError(f"{text!r} is not a team project address: it starts with "
                               "postgresql+psycopg://user@host/database")
        try:
            url = make_url(str(text).replace("postgres://", "postgresql://", 1))
        except ArgumentError as e:
            raise ProjectError(f"{text!r} is not a valid team project address ({e})") from None
        if not url.database:
            raise ProjectError(f"{text!r} names no database: add /DATABASE after the host")
        url = url.set(drivername="postgresql+psycopg")
        if url.password is not None:  # typed into the address: use it, keep it apart
            password = password or url.password
            url = url.set(password=None)
        return cls(url, password)

    def with_password(self, password: str | None) -> TeamUrl:
        return TeamUrl(self.url, password)

    def sqlalchemy_url(self) -> URL:
        return self.url.set(password=self.password) if self.password else self.url

    def display(self) -> str:
        """user@host/database, no password: for titles, messages and the recent list."""
        return self.url.render_as_string(hide_password=True)

    def short(self) -> str:
        """user@host:port/database: the window title's words for a team project."""
        u = self.url
        host = (u.host or str(u.query.get("host", "local"))) + (f":{u.port}" if u.port else "")
        return f"{u.username + '@' if u.username else ''}{host}/{u.database}"

    def __str__(self) -> str:
        return self.display()

    @property
    def database(self) -> str:
        return str(self.url.database)

    @property
    def user(self) -> str:
        return str(self.url.username or "")
