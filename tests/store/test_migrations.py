"""Each migration step applies on top of every older file, and the ORM matches the result."""

import json
import sqlite3

import numpy as np
import pytest
from sqlalchemy import create_engine, inspect

from app.core.statuses import normalize_status
from app.store import Project
from app.store.header import APPLICATION_ID
from app.store.migrations import SCHEMA_VERSION
from app.store.schema import Base
from tests.support.old_projects import make_old_project

from .helpers import make_image_file


@pytest.mark.parametrize("old", range(0, SCHEMA_VERSION))
def test_upgrade_from_every_older_version(tmp_path, old):
    path = tmp_path / "old.dsproj"
    make_old_project(path, old)
    if old == 0:  # a bare v0 file carries no application id: nothing of ours to open
        return
    with Project.open(path) as p:
        p.classes.add("crack")
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_v1_data_survives_upgrade(tmp_path):
    path = tmp_path / "v1.dsproj"
    make_old_project(path, 1)
    # A v1 project with an image and a mask, written through today's code restricted to v1 tables.
    with Project.open(path) as p:
        img = make_image_file(tmp_path, "a.png", (8, 6))
        (image_id,) = p.images.add_many([img]).added
        mask = np.zeros((6, 8), np.uint8)
        mask[2:4, 3:6] = 1
        p.masks.save(image_id, mask)
    with Project.open(path) as p:
        assert np.array_equal(p.masks.load(image_id), mask)


def test_orm_matches_migrated_schema(tmp_path):
    path = tmp_path / "x.dsproj"
    Project.create(path).close()
    insp = inspect(create_engine(f"sqlite:///{path}"))
    assert set(insp.get_table_names()) - {"alembic_version"} == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        db_cols = {c["name"] for c in insp.get_columns(name)}
        assert db_cols == {c.name for c in table.columns}, name


def test_v3_recipes_survive_upgrade_with_an_empty_note(tmp_path):
    """v4 adds recipes.note: a v3 recipe row keeps its body and reads with note ''."""
    path = tmp_path / "v3.dsproj"
    make_old_project(path, 3)
    con = sqlite3.connect(path)
    con.execute("INSERT INTO recipes (name, version, body, content_hash, created_at, author) "
                "VALUES ('housing', 1, '{\"t\": 0.5}', 'abc', '2026-01-01T00:00:00Z', 'ana')")
    con.commit()
    con.close()
    with Project.open(path) as p:
        old = p.recipes.get("housing")
        assert (old.version, old.body, old.note) == (1, {"t": 0.5}, "")
        new = p.recipes.save("housing", {"t": 0.6}, note="tighter after line 3 escapes")
        assert (new.version, new.note) == (2, "tighter after line 3 escapes")
    con = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        con.execute("UPDATE recipes SET note = 'rewritten' WHERE version = 1")
    con.close()


def test_v5_project_upgrades_to_one_spelling_and_typed_records(tmp_path):
    """A v5 project as older builds wrote it: a model stopped by the user ("cancelled" in its
    metrics and in its audit row), an inspection result in the old shape (no version,
    "class_name", "polygon")."""
    path = tmp_path / "v5.dsproj"
    make_old_project(path, 4)  # filled at v4, so that step 5 chains the audit row as it would
    stopped = {"status": "cancelled", "miou": 0.5, "epochs_done": 1}
    con = sqlite3.connect(path)
    con.executescript(f"""
        INSERT INTO models (name, rel_dir, config, metrics, weights_sha256, created_at, author)
        VALUES ('m1', 'm1', '{{}}', '{json.dumps(stopped)}', 'w', '2026-01-01', 'ana'),
               ('m2', 'm2', '{{}}', '{{"status": "completed"}}', 'w2', '2026-01-02', 'ana');
        INSERT INTO audit_log (at, author, action, entity, entity_id, detail)
        VALUES ('2026-01-01', 'ana', 'model.register', 'model', 1,
                '{json.dumps({"name": "m1", "metrics": stopped})}');
        INSERT INTO recipes (name, version, body, content_hash, created_at, author)
        VALUES ('housing', 1, '{{}}', 'h', '2026-01-01', 'ana');
        INSERT INTO inspection_runs (name, model_id, recipe_id, status, created_at, author)
        VALUES ('lot 7', 1, 1, 'canceled', '2026-01-03', 'ana');
        INSERT INTO inspection_results (run_id, image_path, sha256, grade, reasons, components,
                                        risk, flagged, created_at)
        VALUES (1, 'a.png', 'h1', 'SCRAP', '["crack too long"]',
                '[{{"class_name": "crack", "class_value": 1, "grade": "SCRAP",
                    "bbox": [1, 2, 3, 4], "polygon": [[1, 2], [3, 2], [3, 5]],
                    "zones": ["seal"]}}]', 0.9, 1, '2026-01-03');
    """)
    con.commit()
    con.close()
    make_old_project(path, 5)  # the rest of the way to v5: the audit row is chained
    with Project.open(path) as p:
        assert not p.readonly and p.warning == ""  # the chain holds after step 6 too
        m1, m2 = p.models.list()
        assert m1.metrics == {**stopped, "status": "canceled"}  # the rest untouched
        assert m2.metrics == {"status": "completed"}
        (r,) = p.runs.results(1)
        assert r.record_version == 0 and r.grade == "SCRAP" and r.flagged
        (c,) = r.components
        assert (c.class_label(), c.bbox, c.outline, list(c.zones)) == (
            "crack", (1, 2, 3, 4), ((1, 2), (3, 2), (3, 5)), ["seal"])
        assert [x.display_text for x in r.reasons] == ["crack too long"]
        # The audit row is history: it keeps the word it was written with, read as one word.
        (reg,) = p.audit.list(action="model.register")
        assert reg.detail["metrics"]["status"] == "cancelled"
        assert normalize_status(reg.detail["metrics"]["status"]) == "canceled"
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()
