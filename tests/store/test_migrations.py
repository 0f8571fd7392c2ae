"""Each migration step applies on top of every older file, and the ORM matches the result."""

import sqlite3

import numpy as np
import pytest
from sqlalchemy import create_engine, inspect

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
    assert set(insp.get_table_names()) == set(Base.metadata.tables)
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
