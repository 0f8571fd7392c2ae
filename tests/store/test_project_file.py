"""Opening, refusing and locking project files."""

import hashlib
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from app.store import ForeignFileError, NewerSchemaError, Project, ProjectError, ProjectLockedError
from app.store.header import APPLICATION_ID
from app.store.migrations import SCHEMA_VERSION


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_create_marks_file_and_reopens(tmp_path):
    path = tmp_path / "line3.dsproj"
    with Project.create(path) as p:
        p.settings.set("mm_per_pixel", 0.02)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    with Project.open(path) as p:
        assert p.settings.get("mm_per_pixel") == 0.02
        assert p.audit.list(action="project.create")


def test_create_adds_extension_and_refuses_existing(tmp_path):
    with Project.create(tmp_path / "a") as p:
        assert p.path.name == "a.dsproj"
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(tmp_path / "a.dsproj")


def test_text_file_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.dsproj"
    path.write_text("hello")
    before = digest(path)
    with pytest.raises(ForeignFileError, match="not a SQLite file"):
        Project.open(path)
    assert digest(path) == before
    assert sorted(f.name for f in tmp_path.iterdir()) == ["notes.dsproj"]


def test_foreign_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "other.dsproj"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = digest(path)
    with pytest.raises(ForeignFileError, match="another program"):
        Project.open(path)
    assert digest(path) == before
    assert sorted(f.name for f in tmp_path.iterdir()) == ["other.dsproj"]


def test_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "future.dsproj"
    Project.create(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    before = digest(path)
    with pytest.raises(NewerSchemaError, match="newer Defect Studio"):
        Project.open(path)
    assert digest(path) == before


def test_missing_file(tmp_path):
    with pytest.raises(ProjectError, match="no project file"):
        Project.open(tmp_path / "nope.dsproj")


def test_second_writer_in_another_process_is_refused(tmp_path):
    path = tmp_path / "shared.dsproj"
    with Project.create(path) as p:
        p.settings.set("mm_per_pixel", 0.5)
        code = textwrap.dedent(f"""
            from app.store import Project, ProjectLockedError
            try:
                Project.open({str(path)!r})
            except ProjectLockedError as e:
                print("LOCKED:", e)
            ro = Project.open({str(path)!r}, readonly=True)
            print("RO:", ro.settings.get("mm_per_pixel"))
            ro.close()
        """)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=60)
        assert "LOCKED:" in out.stdout, out.stderr
        assert "already open for writing by" in out.stdout
        assert "RO: 0.5" in out.stdout
        p.settings.set("mm_per_pixel", 0.25)  # the holder still writes normally
    with Project.open(path) as p:  # released on close
        assert p.settings.get("mm_per_pixel") == 0.25


def test_second_writer_in_same_process_is_refused(tmp_path):
    path = tmp_path / "x.dsproj"
    with Project.create(path):
        with pytest.raises(ProjectLockedError):
            Project.open(path)
