"""A stroke save on the team server costs few round trips, and the cheaper path keeps its
guarantees: the audit chain the server hashes is the chain Python checks (any text), a
conflicting save is still refused with nothing written, and a dead pooled connection is
replaced before use.

Round trips are counted at the driver (libpq's protocol trace: each simple Query and each Sync
is one wait for the server), so a statement added to the save, or the lock taken earlier,
shows here."""

import numpy as np
import pytest
from sqlalchemy import event

from app.store import Project, RevisionConflict, audit_chain
from app.store.schema import AuditEntry

from .helpers import make_image_file

SAVE_ROUND_TRIPS = 6  # BEGIN, image lock, checked insert, pointer, audit lock+insert, COMMIT


def _round_trips(trace_path) -> list[str]:
    """The frontend messages that wait for the server, from a libpq trace."""
    sent = [line.split("\t")[3].split(" ")[0] for line in trace_path.read_text().splitlines()
            if "\tF\t" in line]
    return [m for m in sent if m in ("Query", "Sync")]


def _project_with_image(url, tmp_path):
    p = Project.open(url)
    p.images.add_many([make_image_file(tmp_path / "imgs", size=(64, 48))])
    return p, p.images.list()[0].id


def test_a_save_is_six_round_trips(pg_url, tmp_path):
    p, image_id = _project_with_image(pg_url, tmp_path)
    try:
        mask = np.zeros((48, 64), np.uint8)
        mask[5:9, 5:9] = 1
        base = p.masks.save(image_id, mask, base_revision=None)  # the first mask: warm up
        trace = tmp_path / "libpq.trace"
        with trace.open("w") as out:
            def start(dbapi_conn, _record, _proxy):
                dbapi_conn.pgconn.trace(out.fileno())

            def stop(dbapi_conn, _record):
                dbapi_conn.pgconn.untrace()

            event.listen(p._db.engine, "checkout", start)
            event.listen(p._db.engine, "checkin", stop)
            mask[20:30, 20:30] = 2
            rev = p.masks.save(image_id, mask, base_revision=base)
            event.remove(p._db.engine, "checkout", start)
            event.remove(p._db.engine, "checkin", stop)
        assert len(_round_trips(trace)) == SAVE_ROUND_TRIPS, trace.read_text()
        assert p.masks.load_current(image_id)[1] == rev
        assert np.array_equal(p.masks.load(image_id), mask)
    finally:
        p.close()


def test_server_hashed_audit_rows_verify(pg_url, tmp_path):
    p, image_id = _project_with_image(pg_url, tmp_path)
    try:
        mask = np.zeros((48, 64), np.uint8)
        base = None
        for v in (1, 2, 3):
            mask[v:v + 3, :] = v
            base = p.masks.save(image_id, mask, base_revision=base)
        # texts whose character count differs from their UTF-8 byte count
        p.audit.record("note", "image", None, text="Grüße ✓ 🦀 \x1f:3:x", n=1)
        with p._db.engine.connect() as conn:
            check = audit_chain.verify(conn)
            rows = conn.execute(AuditEntry.__table__.select().order_by(AuditEntry.id)).all()
        assert check.ok, check.sentence()
        last = rows[-1]
        assert last.row_hash == audit_chain.row_hash(
            rows[-2].row_hash, last.id, last.at, last.author, last.action, last.entity,
            last.entity_id, last.detail)
        assert [r.id for r in rows] == list(range(1, len(rows) + 1))
    finally:
        p.close()


def test_conflict_still_refused_and_nothing_written(pg_url, tmp_path):
    p, image_id = _project_with_image(pg_url, tmp_path)
    try:
        mask = np.zeros((48, 64), np.uint8)
        first = p.masks.save(image_id, mask, base_revision=None)
        mask[0:4, :] = 1
        theirs = p.masks.save(image_id, mask, base_revision=first)
        audit_rows = len(p.audit.list())
        mine = mask.copy()
        mine[10:14, :] = 2
        with pytest.raises(RevisionConflict) as refused:
            p.masks.save(image_id, mine, base_revision=first)
        assert refused.value.revision_id == theirs
        assert [r.id for r in p.masks.revisions(image_id)] == [first, theirs]
        assert len(p.audit.list()) == audit_rows
        with pytest.raises(RevisionConflict):  # no mask yet is a base too
            p.masks.save(image_id, mine, base_revision=None)
        kept = p.masks.keep_mine(image_id, mine, refused.value)
        assert p.masks.revisions(image_id)[-1].base_revision == theirs
        assert p.masks.load_current(image_id)[1] == kept
    finally:
        p.close()


def test_a_dead_pooled_connection_is_replaced_before_use(pg_url, tmp_path):
    p, image_id = _project_with_image(pg_url, tmp_path)
    try:
        with p._db.engine.connect() as conn:
            conn.connection.driver_connection.close()  # as if the server had dropped it
        mask = np.zeros((48, 64), np.uint8)
        rev = p.masks.save(image_id, mask, base_revision=None)
        assert p.masks.load_current(image_id)[1] == rev
    finally:
        p.close()


def test_an_idle_connection_the_server_dropped_is_replaced(pg_url, tmp_path, monkeypatch):
    import psycopg

    from app.store import database

    p, image_id = _project_with_image(pg_url, tmp_path)
    try:
        monkeypatch.setattr(database, "PING_AFTER_S", 0.0)  # every checkout counts as idle
        with p._db.engine.connect() as conn:
            pid = conn.connection.driver_connection.info.backend_pid
            conn.rollback()
        with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"),
                             autocommit=True) as admin:  # as a server restart would
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        rev = p.masks.save(image_id, np.zeros((48, 64), np.uint8), base_revision=None)
        assert p.masks.load_current(image_id)[1] == rev
    finally:
        p.close()
