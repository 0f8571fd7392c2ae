"""The SQLAlchemy engine over one project, with our pragmas and explicit transactions.

Two engines, one store: a `.dsproj` file (SQLite, one person) or a PostgreSQL URL (a team,
psycopg 3). Every repository talks to `Database.session()`; only this module and migrations.py
know which engine is below.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from .errors import RoleRefusedError
from .location import TeamUrl
from .team_roles import is_refusal, refusal_message, role_of
from .user import current_user

BUSY_TIMEOUT_MS = 10_000


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def make_engine(path: Path, readonly: bool) -> Engine:
    if readonly:
        url = f"sqlite:///file:{path.as_posix()}?mode=ro&uri=true"
    else:
        url = f"sqlite:///{path.as_posix()}"
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transactions out of the driver's hands (it does not wrap DDL) and into ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            cur.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed stroke survives a power cut too, not only a killed process.
            cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front, so a read-then-write unit never fails on
        # upgrade; the busy timeout makes concurrent writers wait instead.
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


PING_AFTER_S = 5.0  # a pooled connection idle this long is pinged before use


def make_team_engine(url: TeamUrl, readonly: bool) -> Engine:
    """PostgreSQL through psycopg 3. READ COMMITTED, as the server's default; the few
    read-then-write units that must not interleave (the audit chain) take a lock of their own
    (`Database.serialize`). A lost connection is noticed before use: one the driver knows is
    broken is replaced at once; one idle for PING_AFTER_S is pinged first (a round trip that
    pool_pre_ping would spend on every unit of work: a labeler saving strokes back to back
    does not pay it). One that died within those seconds fails its first statement; the pool
    then drops all its connections and the caller's error says so (a save is never retried
    blindly: it might have committed)."""
    engine = create_engine(url.sqlalchemy_url(), pool_size=4,
                           connect_args={"connect_timeout": 10,
                                         "application_name": "defect-studio"})

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _fresh(_dbapi_conn, record):  # just opened or just used: no ping for a while
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        idle = time.monotonic() - record.info.get("idle_since", float("-inf"))
        if dbapi_conn.broken or dbapi_conn.closed:
            raise DisconnectionError("the connection to the server was lost")
        if idle >= PING_AFTER_S:
            try:
                engine.dialect.do_ping(dbapi_conn)  # pool_pre_ping's own ping: ";"
            except Exception as e:  # noqa: BLE001 - the pool retries with a new connection
                raise DisconnectionError(str(e)) from e

    if readonly:
        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    return engine


class Database:
    """Owns the engine; hands out short transactional sessions, one per unit of work."""

    def __init__(self, path: Path | None, readonly: bool, team: TeamUrl | None = None):
        self.path = path  # the project file (SQLite); None for a team project
        self.team = team  # the server and database (PostgreSQL); None for a file
        self.readonly = readonly
        if team is not None:
            self.engine = make_team_engine(team, readonly)
            self.dialect = "postgresql"
            with self.engine.connect() as conn:
                self.identity = str(conn.exec_driver_sql("SELECT session_user").scalar_one())
                conn.rollback()
        else:
            assert path is not None
            self.engine = make_engine(path, readonly)
            self.dialect = "sqlite"
            self.identity = current_user()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._open = threading.local()  # the unit of work this thread is inside, if any
        self._role: tuple[str | None] | None = None

    @classmethod
    def for_url(cls, url: TeamUrl, readonly: bool = False) -> Database:
        return cls(None, readonly, url)

    @property
    def is_team(self) -> bool:
        return self.team is not None

    @property
    def label(self) -> str:
        """What to call this project in messages: its file name, or server/database."""
        return self.team.display() if self.team is not None else str(self.path)

    @property
    def role(self) -> str | None:
        """The team role of this connection's login (app/store/team_roles.py), asked once:
        "admin" for a project file, None for a login with no role in the project."""
        if self._role is None and self.team is None:
            self._role = ("admin",)  # a project file: one person, every right
        if self._role is None:
            with self.engine.connect() as conn:
                self._role = (role_of(conn),)
                conn.rollback()
        return self._role[0]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work. Called again inside one (same thread), it joins it: a repository
        method run from inside another's transaction commits or rolls back with it. What the
        database refuses for want of a right is a RoleRefusedError in the user's words."""
        outer = getattr(self._open, "session", None)
        if outer is not None:
            yield outer
            return
        try:
            with self._sessions() as s, s.begin():
                s.info["author"] = self.identity
                s.info["dialect"] = self.dialect
                self._open.session = s
                try:
                    yield s
                finally:
                    self._open.session = None
        except DBAPIError as e:
            if not is_refusal(e):
                raise
            raise RoleRefusedError(refusal_message(self.role, str(e.orig))) from None

    def checkpoint(self) -> None:
        """Folds the WAL back into the file (outside any transaction: it cannot run in one)."""
        if self.dialect != "sqlite":
            return
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]  # a fresh raw connection is open
        finally:
            raw.close()

    def dispose(self) -> None:
        if not self.readonly:
            self.checkpoint()  # leave one self-contained file behind
        self.engine.dispose()


def serialize(s: Session, name: str) -> None:
    """Makes read-then-write units named `name` take turns until the transaction ends.

    SQLite needs nothing: every writing transaction began IMMEDIATE, so writers already take
    turns. PostgreSQL runs them side by side; a transaction-scoped advisory lock, keyed by the
    name, makes those that must not interleave (appending to the audit chain) wait instead."""
    if s.info.get("dialect") == "postgresql":
        s.execute(text(SERIALIZE_SQL.replace("%(k)s", ":k")), {"k": serialize_key(name)})


SERIALIZE_SQL = "SELECT pg_advisory_xact_lock(%(k)s)"  # the driver's placeholder style


def serialize_key(name: str) -> int:
    """The advisory lock key of `name` (serialize)."""
    return zlib.crc32(name.encode())


def db_now(s: Session) -> datetime:
    """The database's clock (PostgreSQL: now(), the transaction's start), so that deadlines
    shared by clients (leases) do not depend on each workstation's clock. SQLite: this one's."""
    if s.info.get("dialect") == "postgresql":
        return s.execute(text("SELECT now()")).scalar_one().astimezone(timezone.utc)
    return datetime.now(timezone.utc)


def stamp(at: datetime) -> str:
    """A time as stored (utcnow's form): UTC ISO text, milliseconds, sorts as it compares."""
    return at.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def author_of(s: Session) -> str:
    """Who this unit of work is done by: the database role of a team project's connection,
    the OS account for a project file. Every revision, decision and audit row carries it."""
    return str(s.info.get("author") or current_user())
