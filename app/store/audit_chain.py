"""The audit trail as a hash chain: each row stores the hash of its content and of the row before.

Rewriting, removing or inserting a row anywhere breaks the chain at that row; removing rows from
the end is caught by the head (last id and hash) that a trigger keeps in `audit_head`; removing
a guard trigger is caught by the list of guards. The chain is checked when a project opens and
by `defect-studio audit verify`. Someone who rewrites the whole file can recompute all of it, as
with any chain without a secret: note the head hash `audit verify` prints to keep it checkable.

The hash of a row is frozen (migration 5 fills it for older rows): the sha256, in hex, of the
UTF-8 text of its fields joined by U+001F, each text field as LENGTH:TEXT (so no field can run
into the next), entity_id empty when there is none, the previous row's hash last:
    id \x1f len(at):at \x1f len(author):author \x1f len(action):action \x1f
    len(entity):entity \x1f entity_id \x1f len(detail):detail \x1f prev_hash
Plain text rather than JSON because the whole chain is checked each time a project opens: 100k
rows in well under a second (bench/bench_tamper.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, insert, text
from sqlalchemy.orm import Session

GENESIS = "0" * 64
_sha256 = hashlib.sha256
# The append-only guards (migrations 1, 3 and 5); one missing means someone removed it.
GUARDS = (
    "audit_log_no_update", "audit_log_no_delete", "audit_log_no_overwrite", "audit_log_head",
    "mask_revisions_no_update", "mask_revisions_no_delete", "mask_revisions_no_overwrite",
    "recipes_immutable", "recipes_no_delete", "recipes_no_overwrite",
    "review_decisions_no_update", "review_decisions_no_delete", "review_decisions_no_overwrite",
)
# PostgreSQL has TRUNCATE, which row triggers do not see: four more guards there.
TRUNCATE_GUARDS = ("audit_log_no_truncate", "mask_revisions_no_truncate", "recipes_no_truncate",
                   "review_decisions_no_truncate")
_ROWS = ("SELECT id, at, author, action, entity, entity_id, detail, prev_hash, row_hash "
         "FROM audit_log ORDER BY id")


def row_hash(prev_hash: str, id: int, at: str, author: str, action: str, entity: str,
             entity_id: int | None, detail: str) -> str:
    eid = "" if entity_id is None else entity_id
    return _sha256(f"{id}\x1f{len(at)}:{at}\x1f{len(author)}:{author}\x1f{len(action)}:{action}"
                   f"\x1f{len(entity)}:{entity}\x1f{eid}\x1f{len(detail)}:{detail}\x1f{prev_hash}"
                   .encode("utf-8", "surrogatepass")).hexdigest()


# One row appended on PostgreSQL in one statement: the row's id and hash computed by the server
# from the last row, exactly as row_hash does (length() counts characters, as len() does;
# convert_to gives the UTF-8 bytes).
_APPEND_ONE_PG = """
WITH last AS (SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1),
     h AS (SELECT coalesce((SELECT id FROM last), 0) + 1 AS id,
                  coalesce((SELECT row_hash FROM last), %(genesis)s::text) AS prev)
INSERT INTO audit_log (id, at, author, action, entity, entity_id, detail, prev_hash, row_hash)
SELECT h.id, %(at)s::text, %(author)s::text, %(action)s::text, %(entity)s::text,
       %(entity_id)s::integer, %(detail)s::text, h.prev,
       encode(sha256(convert_to(
           h.id::text || chr(31) || length(%(at)s::text) || ':' || %(at)s::text || chr(31)
           || length(%(author)s::text) || ':' || %(author)s::text || chr(31)
           || length(%(action)s::text) || ':' || %(action)s::text || chr(31)
           || length(%(entity)s::text) || ':' || %(entity)s::text || chr(31)
           || coalesce(%(entity_id)s::integer::text, '') || chr(31)
           || length(%(detail)s::text) || ':' || %(detail)s::text || chr(31) || h.prev,
           'UTF8')), 'hex')
FROM h
"""


def append(s: Session, rows: list[dict]) -> None:
    """Inserts audit rows (at, author, action, entity, entity_id, detail) chained to the last.

    Runs inside the caller's write transaction (BEGIN IMMEDIATE), so no other writer can
    append between reading the last row and inserting after it. On PostgreSQL appenders take
    turns on a transaction-scoped lock, held until commit, so it is taken as late as it can
    be: one row (every mask save) goes as the lock and the insert sent together, one round
    trip, the insert computing id and hash on the server after the lock is granted."""
    from .database import serialize
    from .schema import AuditEntry

    if len(rows) == 1 and s.info.get("dialect") == "postgresql":
        _append_one_pg(s, rows[0])
        return
    serialize(s, "audit_log")  # PostgreSQL: appenders take turns until commit
    last = s.execute(text("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1")).first()
    next_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    chained = []
    for r in rows:
        h = row_hash(prev, next_id, r["at"], r["author"], r["action"], r["entity"],
                     r.get("entity_id"), r["detail"])
        chained.append({**r, "id": next_id, "prev_hash": prev, "row_hash": h})
        next_id, prev = next_id + 1, h
    if chained:
        s.execute(insert(AuditEntry), chained)


def _append_one_pg(s: Session, row: dict) -> None:
    """The lock and the insert in one pipeline: sent together, run one after the other. The
    insert is a statement of its own, so under READ COMMITTED it reads the last row after the
    lock is granted (a statement taking the lock itself would read the chain as it was before
    waiting)."""
    import psycopg
    from sqlalchemy.exc import DBAPIError

    from .database import SERIALIZE_SQL, serialize_key

    params = dict(genesis=GENESIS, at=row["at"], author=row["author"], action=row["action"],
                  entity=row["entity"], entity_id=row.get("entity_id"), detail=row["detail"])
    raw = s.connection().connection.driver_connection
    assert raw is not None  # a checked-out connection always has its driver connection
    try:
        with raw.pipeline(), raw.cursor() as cur:
            cur.execute(SERIALIZE_SQL, {"k": serialize_key("audit_log")})
            cur.execute(_APPEND_ONE_PG, params)
    except psycopg.Error as e:  # as SQLAlchemy would raise it (IntegrityError, ...)
        raise DBAPIError.instance(_APPEND_ONE_PG, params, e, psycopg.Error) from e


@dataclass(frozen=True)
class ChainCheck:
    rows: int  # rows checked
    broken_id: int | None = None  # the first row that does not hold (None: all hold)
    reason: str = ""
    head: str = GENESIS  # the last row's hash

    @property
    def ok(self) -> bool:
        return not self.reason

    def sentence(self) -> str:
        if self.ok:
            return f"The audit trail holds: {self.rows} rows checked, head {self.head[:16]}."
        where = f" at row {self.broken_id}" if self.broken_id is not None else ""
        return f"The audit trail was altered outside Defect Studio{where}: {self.reason}."


def verify(conn: Connection) -> ChainCheck:
    """Checks the guards, every row's hashes and the head; reads only."""
    if conn.dialect.name == "sqlite":
        names = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        guards: tuple[str, ...] = GUARDS
    else:
        names = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        guards = GUARDS + TRUNCATE_GUARDS
    present = {r[0] for r in conn.exec_driver_sql(names)}
    missing = [g for g in guards if g not in present]
    if missing:
        return ChainCheck(0, None, "its guard triggers were removed (" + ", ".join(missing) + ")")
    prev, n, last_id = GENESIS, 0, 0
    raw = conn.connection.dbapi_connection  # the driver's cursor: 3x faster than Result rows
    assert raw is not None  # a checked-out connection always has its driver connection
    for id_, at, author, action, entity, entity_id, detail, stored_prev, stored in \
            raw.execute(_ROWS):
        if stored_prev != prev:
            return ChainCheck(n, id_, "a row before it was removed or changed", prev)
        if row_hash(prev, id_, at, author, action, entity, entity_id, detail) != stored:
            return ChainCheck(n, id_, "its content was changed", prev)
        prev, n, last_id = stored, n + 1, id_
    head = conn.exec_driver_sql("SELECT last_id, last_hash FROM audit_head").first()
    if (head is None and n) or (head is not None and (head[0], head[1]) != (last_id, prev)):
        return ChainCheck(n, last_id + 1 if head else None,
                          "rows were removed from its end", prev)
    return ChainCheck(n, None, "", prev)
