"""History is append-only and the audit trail tamper-evident: the probe's cases, one by one."""

import json
import os
import pwd
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sqlalchemy.exc import OperationalError

from app.cli import main
from app.store import Project
from app.store.audit_chain import GENESIS, row_hash
from app.store.user import current_user
from tests.support.old_projects import make_old_project

from .helpers import make_image_file

HISTORY = ("audit_log", "mask_revisions", "recipes", "review_decisions")


@pytest.fixture
def project_file(tmp_path):
    """A project with a row in every history table, closed."""
    path = tmp_path / "part.dsproj"
    with Project.create(path) as p:
        (image_id,) = p.images.add_many([make_image_file(tmp_path, "a.png", (8, 6))]).added
        p.masks.save(image_id, np.ones((6, 8), np.uint8))
        p.recipes.save("housing", {"t": 0.5})
        p.settings.set("mm_per_pixel", 0.1)
    con = sqlite3.connect(path)
    con.executescript("""
        INSERT INTO inspection_runs (id, name, recipe_id, created_at, author)
            VALUES (1, 'r', 1, 'now', 'ana');
        INSERT INTO inspection_results (id, run_id, image_path, sha256, created_at)
            VALUES (1, 1, 'a.png', 'x', 'now');
        INSERT INTO review_decisions (id, result_id, decision, grade, author, created_at)
            VALUES (1, 1, 'confirm', 'OK', 'ana', 'now');
    """)
    con.close()
    return path


def _sql(path, statement):
    con = sqlite3.connect(path)
    try:
        con.executescript(statement)
    finally:
        con.close()


@pytest.mark.parametrize("table", HISTORY)
def test_update_delete_and_replace_are_refused_on_every_history_table(project_file, table):
    con = sqlite3.connect(project_file)
    row = con.execute(f"SELECT * FROM {table} ORDER BY id LIMIT 1").fetchone()
    cols = [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
    con.close()
    marks = ",".join("?" * len(row))
    for attempt in (f"UPDATE {table} SET id = id",
                    f"DELETE FROM {table}",
                    f"REPLACE INTO {table} ({','.join(cols)}) VALUES ({marks})",
                    f"INSERT OR REPLACE INTO {table} ({','.join(cols)}) VALUES ({marks})"):
        con = sqlite3.connect(project_file)
        args = row if "?" in attempt else ()
        with pytest.raises(sqlite3.DatabaseError, match="append-only|history|immutable"):
            con.execute(attempt, args)
        con.close()
    with Project.open(project_file) as p:  # nothing changed: the trail still holds
        assert p.warning == "" and not p.readonly


def test_replace_of_a_recipe_version_under_a_new_id_is_refused(project_file):
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        _sql(project_file, "REPLACE INTO recipes (id, name, version, body, content_hash, "
                           "created_at, author) VALUES (99, 'housing', 1, '{}', 'h', 'now', 'eve')")


def test_drop_trigger_then_delete_all_opens_read_only_and_verify_names_row_1(project_file,
                                                                             capsys):
    """The probe's case: DROP TRIGGER ...; DELETE FROM audit_log."""
    _sql(project_file, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log;")
    with Project.open(project_file) as p:
        assert p.readonly
        assert "audit trail was altered" in p.warning and "opens read-only" in p.warning
        assert "audit_log_no_delete" in p.warning
    # Guard put back by the tamperer: the chain head still shows the rows cut away.
    _sql(project_file, "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;")
    assert main(["audit", "verify", str(project_file)]) == 3
    out = capsys.readouterr().out
    assert "at row 1: rows were removed from its end" in out
    with Project.open(project_file) as p:
        assert p.readonly and "rows were removed" in p.warning


def test_rewritten_row_is_named(project_file, capsys):
    _sql(project_file, """
        DROP TRIGGER audit_log_no_update;
        UPDATE audit_log SET author = 'QA-Manager (approved)' WHERE id = 2;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    """)
    assert main(["audit", "verify", str(project_file)]) == 3
    assert "at row 2: its content was changed" in capsys.readouterr().out
    with Project.open(project_file) as p:
        assert p.readonly and "at row 2" in p.warning
        with pytest.raises(OperationalError, match="readonly"):  # evidence stays as found
            p.settings.set("mm_per_pixel", 0.2)


def test_removed_middle_row_names_the_row_after(project_file, capsys):
    _sql(project_file, """
        DROP TRIGGER audit_log_no_delete;
        DELETE FROM audit_log WHERE id = 2;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    """)
    assert main(["audit", "verify", str(project_file)]) == 3
    assert "at row 3: a row before it was removed or changed" in capsys.readouterr().out


def test_intact_trail_verifies_and_prints_its_head(project_file, capsys):
    assert main(["audit", "verify", str(project_file)]) == 0
    out = capsys.readouterr().out
    con = sqlite3.connect(project_file)
    rows = con.execute("SELECT id, at, author, action, entity, entity_id, detail, prev_hash, "
                       "row_hash FROM audit_log ORDER BY id").fetchall()
    con.close()
    prev = GENESIS  # recomputed here from the documented formula
    for r in rows:
        assert r[7] == prev and r[8] == row_hash(prev, *r[:7])
        prev = r[8]
    assert f"{len(rows)} rows checked" in out and f"head {prev}" in out


def test_upgrade_from_v4_chains_the_rows_already_there(tmp_path, capsys):
    path = tmp_path / "v4.dsproj"
    make_old_project(path, 4)
    _sql(path, "INSERT INTO audit_log (at, author, action, entity, detail) VALUES "
               "('2026-01-01', 'ana', 'project.create', 'project', '{}'), "
               "('2026-01-02', 'bo', 'class.add', 'defect_class', '{\"name\": \"crack\"}');")
    with Project.open(path) as p:
        assert not p.readonly
        p.classes.add("dent")
    assert main(["audit", "verify", str(path)]) == 0
    assert "3 rows checked" in capsys.readouterr().out
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        _sql(path, "UPDATE audit_log SET author = 'eve' WHERE id = 1")


@pytest.mark.skipif(sys.platform == "win32", reason="pwd: POSIX")
def test_author_is_the_os_account_not_the_environment(tmp_path):
    """The probe's case: LOGNAME="QA-Manager (approved)" must not be recorded."""
    path = tmp_path / "part.dsproj"
    Project.create(path).close()
    code = textwrap.dedent(f"""
        from app.store import Project
        with Project.open({str(path)!r}) as p:
            p.classes.add("crack")
    """)
    env = {**os.environ, "LOGNAME": "QA-Manager (approved)", "USER": "QA-Manager (approved)",
           "USERNAME": "QA-Manager (approved)", "LNAME": "QA-Manager (approved)"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    with Project.open(path, readonly=True) as p:
        authors = {r.author for r in p.audit.list()}
    assert authors == {pwd.getpwuid(os.getuid()).pw_name} == {current_user()}
    assert json.dumps("QA-Manager (approved)") not in path.read_bytes().decode("latin-1")
