"""`defect-studio project copy SRC DST`: file -> team -> file through the command line, the same
rows at the end, `audit verify` holding on the copy; a destination that is not new is refused
with one line and exit status 1."""

from __future__ import annotations

import pytest

from app.cli import main
from tests.support.full_project import file_rows, make_full_project

pytest.importorskip("torch")


def test_copy_to_a_team_and_back(pg_empty_url, tmp_path, capsys):
    src = make_full_project(tmp_path)
    assert main(["project", "copy", str(src), pg_empty_url]) == 0
    out = capsys.readouterr().out
    assert "Copied to" in out and "mask_revisions: 4 rows" in out and "2 model files" in out

    final = src.with_name("back.dsproj")
    assert main(["project", "copy", pg_empty_url, str(final)]) == 0
    capsys.readouterr()
    assert file_rows(final) == file_rows(src)

    assert main(["audit", "verify", str(final)]) == 0
    assert "The audit trail holds" in capsys.readouterr().out


def test_a_destination_that_is_not_new_is_refused(tmp_path, capsys):
    src = make_full_project(tmp_path)
    before = src.read_bytes()
    assert main(["project", "copy", str(src), str(src)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("defect-studio project copy: error: ") and "already exists" in err
    assert src.read_bytes() == before
