"""History is append-only on a team database too: the same refusals as a project file, by the
server itself (triggers), for a client that bypasses Defect Studio with plain SQL."""

import numpy as np
import pytest

from app.store import Project
from tests.support.raw_sql import REFUSED, outside_sql

from .helpers import make_image_file

HISTORY = ("audit_log", "mask_revisions", "recipes", "review_decisions")


@pytest.fixture
def team(pg_url, tmp_path):
    """A team project with a row in every history table, closed; returns its URL."""
    with Project.open(pg_url) as p:
        p.roots.add("data")
        p.roots.map("data", tmp_path)
        (image_id,) = p.images.add_many([make_image_file(tmp_path, "a.png", (8, 6))]).added
        p.masks.save(image_id, np.ones((6, 8), np.uint8))
        recipe = p.recipes.save("housing", {"t": 0.5})
        run = p.runs.create("lot 1", None, recipe.id)
        from app.core.inspection_record import InspectionRecord

        rid = p.runs.add_result(run.id, "a.png", InspectionRecord("OK", sha256="x"))
        p.runs.decide(rid, "confirm", "OK")
    return pg_url


@pytest.mark.parametrize("table", HISTORY)
def test_update_delete_truncate_and_overwrite_are_refused(team, table):
    with Project.open(team) as p:
        before = _rows(p, table)
        for attempt in (f"UPDATE {table} SET id = id",
                        f"DELETE FROM {table}",
                        f"TRUNCATE {table} CASCADE",
                        f"INSERT INTO {table} SELECT * FROM {table} ORDER BY id LIMIT 1 "
                        "ON CONFLICT (id) DO NOTHING"):
            with pytest.raises(REFUSED, match="append-only|history|immutable"):
                outside_sql(p, attempt)
    with Project.open(team) as p:  # nothing changed: the chain still holds, read-write
        assert p.warning == "" and not p.readonly
        assert _rows(p, table) == before and before


def _rows(p, table):
    from sqlalchemy import text

    with p.db.session() as s:
        return [tuple(r) for r in s.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


def test_a_dropped_guard_opens_read_only_and_names_it(team):
    with Project.open(team) as p:
        outside_sql(p, "DROP TRIGGER audit_log_no_delete ON audit_log")
    with Project.open(team) as p:
        assert p.readonly and "audit_log_no_delete" in p.warning


def test_rows_cut_from_the_end_are_noticed(team):
    with Project.open(team) as p:
        outside_sql(p, "ALTER TABLE audit_log DISABLE TRIGGER USER; "
                       "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log); "
                       "ALTER TABLE audit_log ENABLE TRIGGER USER")
    with Project.open(team) as p:
        assert p.readonly and "removed from its end" in p.warning
