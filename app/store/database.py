"""The SQLAlchemy engine over one project file, with our pragmas and explicit transactions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

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


class Database:
    """Owns the engine; hands out short transactional sessions, one per unit of work."""

    def __init__(self, path: Path, readonly: bool):
        self.path = path
        self.readonly = readonly
        self.engine = make_engine(path, readonly)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._open = threading.local()  # the unit of work this thread is inside, if any

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work. Called again inside one (same thread), it joins it: a repository
        method run from inside another's transaction commits or rolls back with it."""
        outer = getattr(self._open, "session", None)
        if outer is not None:
            yield outer
            return
        with self._sessions() as s, s.begin():
            self._open.session = s
            try:
                yield s
            finally:
                self._open.session = None

    def checkpoint(self) -> None:
        """Folds the WAL back into the file (outside any transaction: it cannot run in one)."""
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]  # a fresh raw connection is open
        finally:
            raw.close()

    def dispose(self) -> None:
        if not self.readonly:
            self.checkpoint()  # leave one self-contained file behind
        self.engine.dispose()
