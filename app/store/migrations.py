"""The schema, as ordered migration steps. A new project runs them all; an older one runs the rest.

Formats 1-6 are frozen SQLite steps (STEPS): never edit a released step. From format 6 on, the
schema moves by Alembic revisions (app/store/revisions/), which run on SQLite and PostgreSQL
alike: a project file reaches 6 through the frozen steps and is stamped at the baseline; a team
database gets the baseline's PostgreSQL DDL. A project file's `user_version` is its format
number (read from the header before anything opens); a team database's format is its Alembic
revision. tests/store/test_migrations.py checks every step from every older version and that
the ORM (schema.py) matches the migrated tables.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, text

from .header import APPLICATION_ID

_V1 = """
CREATE TABLE project_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE defect_classes (
    id INTEGER PRIMARY KEY,
    value INTEGER NOT NULL UNIQUE CHECK (value BETWEEN 1 AND 255),
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    rel_path TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bit_depth INTEGER NOT NULL,
    channels INTEGER NOT NULL,
    split TEXT CHECK (split IS NULL OR split IN ('train', 'val', 'test')),
    status TEXT NOT NULL DEFAULT 'unlabeled'
        CHECK (status IN ('unlabeled', 'in_progress', 'labeled')),
    is_good INTEGER NOT NULL DEFAULT 0,
    source_class TEXT,
    imported_at TEXT NOT NULL
);
CREATE INDEX ix_images_sha256 ON images (sha256);
CREATE TABLE mask_revisions (
    id INTEGER PRIMARY KEY,
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    mask_png BLOB NOT NULL,
    defect_pixels INTEGER NOT NULL,
    class_values TEXT NOT NULL,
    source TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_mask_revisions_image ON mask_revisions (image_id, id);
CREATE TABLE annotations (
    image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
    revision_id INTEGER NOT NULL REFERENCES mask_revisions (id),
    updated_at TEXT NOT NULL
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""

_V2 = """
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    rel_dir TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL,
    metrics TEXT NOT NULL DEFAULT '{}',
    weights_sha256 TEXT NOT NULL,
    train_images INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE TABLE predictions (
    id INTEGER PRIMARY KEY,
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    probs BLOB NOT NULL,
    class_values TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (image_id, model_id)
);
"""

_V3 = """
CREATE TABLE recipes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (name, version)
);
CREATE TRIGGER recipes_immutable BEFORE UPDATE ON recipes
BEGIN SELECT RAISE(ABORT, 'recipe versions are immutable: save a new version'); END;
CREATE TABLE inspection_runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    model_id INTEGER REFERENCES models (id),
    recipe_id INTEGER NOT NULL REFERENCES recipes (id),
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'canceled', 'done')),
    created_at TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE TABLE inspection_results (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES inspection_runs (id) ON DELETE CASCADE,
    image_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    grade TEXT,
    reasons TEXT NOT NULL DEFAULT '[]',
    components TEXT NOT NULL DEFAULT '[]',
    risk REAL NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (run_id, image_path)
);
CREATE TABLE review_decisions (
    id INTEGER PRIMARY KEY,
    result_id INTEGER NOT NULL REFERENCES inspection_results (id) ON DELETE CASCADE,
    decision TEXT NOT NULL CHECK (decision IN ('confirm', 'override', 'to_labeling')),
    grade TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    seconds REAL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


_V4 = """
ALTER TABLE recipes ADD COLUMN note TEXT NOT NULL DEFAULT '';
"""


# History is append-only: audit rows, mask revisions, recipe versions and review decisions are
# never changed or removed, and an INSERT never lands on an existing row (REPLACE's implicit
# delete skips delete triggers, so it is refused before it starts). The audit rows form a hash
# chain (app/store/audit_chain.py); audit_head keeps its last link, so rows cut from the end
# show too.
_V5 = """
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN row_hash TEXT NOT NULL DEFAULT '';
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_overwrite BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_head AFTER INSERT ON audit_log
BEGIN INSERT OR REPLACE INTO audit_head (id, last_id, last_hash) VALUES (1, NEW.id, NEW.row_hash); END;
CREATE TRIGGER mask_revisions_no_update BEFORE UPDATE ON mask_revisions
BEGIN SELECT RAISE(ABORT, 'mask revisions are history: save a new revision'); END;
CREATE TRIGGER mask_revisions_no_delete BEFORE DELETE ON mask_revisions
BEGIN SELECT RAISE(ABORT, 'mask revisions are history: save a new revision'); END;
CREATE TRIGGER mask_revisions_no_overwrite BEFORE INSERT ON mask_revisions
WHEN EXISTS (SELECT 1 FROM mask_revisions WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'mask revisions are history: save a new revision'); END;
CREATE TRIGGER recipes_no_delete BEFORE DELETE ON recipes
BEGIN SELECT RAISE(ABORT, 'recipe versions are immutable: save a new version'); END;
CREATE TRIGGER recipes_no_overwrite BEFORE INSERT ON recipes
WHEN EXISTS (SELECT 1 FROM recipes WHERE id = NEW.id OR (name = NEW.name AND version = NEW.version))
BEGIN SELECT RAISE(ABORT, 'recipe versions are immutable: save a new version'); END;
CREATE TRIGGER review_decisions_no_update BEFORE UPDATE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review decisions are history: record a new decision'); END;
CREATE TRIGGER review_decisions_no_delete BEFORE DELETE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review decisions are history: record a new decision'); END;
CREATE TRIGGER review_decisions_no_overwrite BEFORE INSERT ON review_decisions
WHEN EXISTS (SELECT 1 FROM review_decisions WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'review decisions are history: record a new decision'); END;
"""  # noqa: E501 - SQL text kept byte-identical (stored in sqlite_master)

# Chains the audit rows written before v5. The update guard is lifted for this one step only,
# inside the step's transaction, and put back with its v1 text.
_AUDIT_NO_UPDATE = """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""


def _v5(conn: Connection) -> None:
    from .audit_chain import GENESIS, row_hash

    _script(_V5)(conn)
    rows = conn.exec_driver_sql("SELECT id, at, author, action, entity, entity_id, detail "
                                "FROM audit_log ORDER BY id").all()
    if not rows:
        return
    conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
    prev, links = GENESIS, []
    for r in rows:
        h = row_hash(prev, *r)
        links.append((prev, h, r[0]))
        prev = h
    conn.exec_driver_sql("UPDATE audit_log SET prev_hash = ?, row_hash = ? WHERE id = ?", links)
    _script(_AUDIT_NO_UPDATE)(conn)
    conn.exec_driver_sql("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, ?, ?)",
                         (rows[-1][0], prev))


# One spelling for stopped work: "canceled", as inspection runs always wrote it. Training wrote
# "cancelled" into a model's metrics; those rows move over. Audit rows that copied the metrics
# ("model.register") are history and keep their word: app.core.status.normalize_status reads
# both. Inspection results carry the format version of their record (app.core.inspection_record):
# rows written before have 0.
_V6 = """
UPDATE models SET metrics = json_set(metrics, '$.status', 'canceled')
WHERE json_valid(metrics) AND json_extract(metrics, '$.status') = 'cancelled';
ALTER TABLE inspection_results ADD COLUMN record_version INTEGER NOT NULL DEFAULT 0;
"""


def _script(ddl: str) -> Callable[[Connection], None]:
    def step(conn: Connection) -> None:
        for statement in _split(ddl):
            conn.exec_driver_sql(statement)

    return step


def _split(ddl: str) -> list[str]:
    # Triggers contain ';' inside BEGIN..END, so split on blank-line-free statement ends carefully.
    out, buf = [], []
    for line in ddl.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and (not joined.upper().startswith("CREATE TRIGGER")
                                     or joined.upper().endswith("END;")):
            out.append(joined)
            buf = []
    return out


STEPS: list[Callable[[Connection], None]] = [
    _script(_V1), _script(_V2), _script(_V3), _script(_V4), _v5, _script(_V6)]
CHAIN_VERSION = STEPS.index(_v5) + 1  # the first version whose audit rows form a hash chain

# After the frozen steps, the schema moves by Alembic revisions (app/store/revisions/), which run
# on SQLite and PostgreSQL alike. REVISIONS[k] is project format BASELINE + k.
BASELINE = len(STEPS)
REVISIONS = ["0006_baseline", "0007_team"]
SCHEMA_VERSION = BASELINE + len(REVISIONS) - 1
_NEWER = 10_000  # what a team database at a revision this version does not know reads as


def run_frozen_steps(conn: Connection, target: int = BASELINE) -> int:
    """The frozen SQLite steps up to `target`, one transaction each (or inside the caller's)."""
    with _maybe_begin(conn):
        version = _sqlite_version(conn)
    while version < target:
        with _maybe_begin(conn):
            STEPS[version](conn)
            version += 1
            conn.exec_driver_sql(f"PRAGMA user_version = {version}")
            conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    return version


def _maybe_begin(conn: Connection):
    from contextlib import nullcontext

    return nullcontext() if conn.in_transaction() else conn.begin()


def _sqlite_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def _revision_version(conn: Connection) -> int | None:
    """The format the Alembic stamp says; None when there is no stamp."""
    if "alembic_version" not in table_names(conn):
        return None
    rev = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if rev is None:
        return None
    return BASELINE + REVISIONS.index(rev) if rev in REVISIONS else _NEWER


def current_version(conn: Connection) -> int:
    """The schema version; reads in its own short transaction when none is open. A team
    database with no tables reads 0; one with tables of another program reads -1."""
    with _maybe_begin(conn):
        if conn.dialect.name == "sqlite":
            return max(_sqlite_version(conn), _revision_version(conn) or 0)
        stamped = _revision_version(conn)
        if stamped is not None:
            return stamped
        return -1 if table_names(conn) else 0


def migrate(conn: Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the missing steps in one transaction each; returns the version reached."""
    if conn.dialect.name == "sqlite":
        version = run_frozen_steps(conn, min(target, BASELINE))
        if target <= BASELINE:
            return version
        with conn.begin():
            stamped = _revision_version(conn) is not None
        _alembic(conn, "stamp" if not stamped else None, REVISIONS[0])
    _alembic(conn, "upgrade", REVISIONS[target - BASELINE])
    if conn.dialect.name == "sqlite":
        with conn.begin():
            conn.exec_driver_sql(f"PRAGMA user_version = {target}")
    return target


def _alembic(conn: Connection, command_name: str | None, revision: str) -> None:
    if command_name is None:
        return
    from pathlib import Path

    from alembic import command
    from alembic.config import Config

    outer = conn.in_transaction()  # the caller's own transaction (project copy): theirs to end
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("revisions")))
    cfg.attributes["connection"] = conn
    getattr(command, command_name)(cfg, revision)
    if conn.in_transaction() and not outer:  # alembic leaves the outer transaction to us
        conn.commit()


def table_names(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
    else:
        rows = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = "
                                 "current_schema()"))
    return {r[0] for r in rows}
