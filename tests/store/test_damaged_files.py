"""Damaged project files: a sentence, never a traceback, the original untouched, and a copy of
what can still be read where the file still reads."""

import hashlib
import os
import sqlite3

import pytest

from app.cli import main
from app.store import DamagedProjectError, ForeignFileError, Project
from app.store.salvage import save_readable_copy
from tests.support.store_files import make_project


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()




def side_files(path):
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "-"))


def test_truncated_file_is_called_damaged_and_left_as_is(tmp_path):
    """The probe's case: `truncate -s 61440` of a project of 20 masked images."""
    path = make_project(tmp_path)
    assert path.stat().st_size > 61440
    os.truncate(path, 61440)
    before = digest(path)
    for readonly in (False, True):
        with pytest.raises(DamagedProjectError, match="This project file is damaged") as e:
            Project.open(path, readonly=readonly)
        assert "61440 of its" in str(e.value) and "cut short" in str(e.value)
    assert digest(path) == before and side_files(path) == []


def test_user_version_minus_one_is_foreign_and_left_as_is(tmp_path):
    path = make_project(tmp_path, images=1)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = -1")
    con.close()
    before = digest(path)
    for readonly in (False, True):
        with pytest.raises(ForeignFileError, match="not a Defect Studio project.*-1"):
            Project.open(path, readonly=readonly)
    assert digest(path) == before and side_files(path) == []


def test_cli_says_damaged_without_a_traceback(tmp_path, capsys):
    path = make_project(tmp_path)
    os.truncate(path, 61440)
    before = digest(path)
    assert main(["import", str(path), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "This project file is damaged" in err and "Traceback" not in err
    assert digest(path) == before and side_files(path) == []


def test_cli_user_version_minus_one(tmp_path, capsys):
    path = make_project(tmp_path, images=1)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = -1")
    con.close()
    before = digest(path)
    assert main(["import", str(path), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "not a Defect Studio project" in err and "Traceback" not in err
    assert digest(path) == before


def test_readable_copy_of_a_cut_short_project(tmp_path, capsys):
    path = make_project(tmp_path)  # its list of tables sits in the first pages, masks after
    os.truncate(path, path.stat().st_size * 2 // 3)  # masks lie in the last third
    before = digest(path)
    with pytest.raises(DamagedProjectError) as e:
        Project.open(path)
    assert e.value.salvageable and "defect-studio recover" in str(e.value)
    assert main(["recover", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Saved what could be read as part-recovered.dsproj" in out
    assert "images: 20 rows" in out and "(cut short by damage)" in out
    assert digest(path) == before
    with Project.open(tmp_path / "part-recovered.dsproj", readonly=True) as copy:
        assert copy.images.count() == 20
        assert 0 < len(copy.masks.revisions(copy.images.list()[0].id)) <= 1
    # a second copy never overwrites the first
    assert save_readable_copy(path).path.name == "part-recovered-2.dsproj"


def test_copy_of_an_intact_project_is_whole(tmp_path):
    path = make_project(tmp_path, images=2)
    report = save_readable_copy(path)
    assert report.whole and report.path.name == "part-recovered.dsproj"
    with Project.open(report.path, readonly=True) as copy:
        assert copy.images.count() == 2


def test_unreadable_table_list_says_restore_from_backup(tmp_path, capsys):
    path = make_project(tmp_path)
    os.truncate(path, 61440)
    with pytest.raises(DamagedProjectError) as e:
        Project.open(path)
    if e.value.salvageable:  # depends on where SQLite put the list of tables
        pytest.skip("this file's table list survived the cut")
    assert "restore it from a backup" in str(e.value)
    assert main(["recover", str(path)]) == 1
    assert "nothing was saved" in capsys.readouterr().err
