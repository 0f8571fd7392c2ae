"""Waiting for the job queue to change: LISTEN/NOTIFY on PostgreSQL, a plain sleep on SQLite.

    with JobListener(project.db, NEW_CHANNEL) as listener:
        while not stop.is_set():
            job = project.jobs.claim(name)
            if job is None:
                listener.wait(5.0)     # returns at once when a job is enqueued (PostgreSQL)

The listener holds one connection of its own, in autocommit (a LISTEN inside a transaction
hears nothing until it ends). On SQLite, one person's file, `wait` sleeps the timeout: callers
poll. `wait` returns the payloads heard (job ids as text), empty on a timeout.
"""

from __future__ import annotations

import threading
from typing import Any

from .database import Database


class JobListener:
    def __init__(self, db: Database, channel: str):
        self._db = db
        self.channel = channel
        self._raw: Any = None  # the pool's connection, held out of the pool while we listen
        self._stop = threading.Event()
        self.listens = db.dialect == "postgresql"  # False: `wait` only sleeps (SQLite)
        if self.listens:
            self._connect()

    def _connect(self) -> None:
        raw = self._db.engine.raw_connection()
        try:
            conn: Any = raw.driver_connection
            conn.rollback()  # the pool's connection may sit in a transaction: end it first
            conn.autocommit = True
            conn.execute(f'LISTEN "{self.channel}"')  # a fixed name of ours, not user input
        except BaseException:
            raw.invalidate()
            raise
        self._raw = raw

    def wait(self, timeout: float) -> list[str]:
        if not self.listens:
            self._stop.wait(timeout)
            return []
        try:
            if self._raw is None:
                self._connect()  # after a lost connection: listen again
            conn = self._raw.driver_connection
            heard = [n.payload for n in conn.notifies(timeout=timeout, stop_after=1)]
            # Drain what else arrived meanwhile, without waiting (a burst is one wake).
            heard += [n.payload for n in conn.notifies(timeout=0)]
            return heard
        except Exception:  # noqa: BLE001 - the server went away: sleep; the caller polls on
            self.close()
            self._stop.wait(timeout)
            return []

    def interrupt(self) -> None:
        """Makes a SQLite `wait` return at once (PostgreSQL: its timeout bounds the wait)."""
        self._stop.set()

    def close(self) -> None:
        if self._raw is not None:
            raw, self._raw = self._raw, None
            raw.invalidate()  # never hand a LISTENing connection back to the pool

    def __enter__(self) -> JobListener:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
