"""Project files left at an old schema version (migrated only that far), for the migration and
append-only tests."""

from __future__ import annotations

from sqlalchemy import create_engine

from app.store.migrations import migrate


def make_old_project(path, version):
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.connection.dbapi_connection.isolation_level = None
        migrate(conn, target=version)
    engine.dispose()

