"""SQL from outside Defect Studio, on either engine: what someone with a database client (or a
file tool) could run against a project, to test that the database itself refuses it."""

from __future__ import annotations

import sqlite3

REFUSED: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
try:
    import psycopg

    REFUSED += (psycopg.Error,)
except ImportError:  # pragma: no cover - psycopg is a dependency
    pass


def outside_sql(project, statement: str, url: str | None = None) -> None:
    """Runs `statement` in its own connection (a project file: sqlite3; a team project: psycopg
    as `url`'s user, default the project's own) and commits it."""
    if not project.is_team:
        con = sqlite3.connect(project.path)
        try:
            con.execute(statement)
            con.commit()
        finally:
            con.close()
        return
    from sqlalchemy.engine import make_url

    u = make_url(url) if url else project.team.url
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database,
                         password=u.password) as con:
        con.execute(statement)
