"""One bad file never aborts an import: the probe's looping symlink and non-UTF-8 name are
listed with the reason and skipped; everything else is imported."""

import os
import sys

import cv2
import numpy as np
import pytest

from app.cli import main
from app.core.discover import discover
from app.jobs.importing import import_folder
from app.store import Project
from app.ui.import_dialog import describe

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX names and symlinks")


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "parts"
    root.mkdir()
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(root / name), np.full((20, 30), 100, np.uint8))
    os.symlink("l2.png", root / "l1.png")  # ln -s l2.png l1.png; ln -s l1.png l2.png
    os.symlink("l1.png", root / "l2.png")
    os.symlink("gone.png", root / "dangling.png")
    bad = os.path.join(os.fsencode(root), b"latin1-\xe9.png")
    with open(bad, "wb") as f:
        f.write((root / "a.png").read_bytes())
    masks = tmp_path / "masks"
    masks.mkdir()
    os.symlink("m2.png", masks / "m1.png")
    os.symlink("m1.png", masks / "m2.png")
    return root


def test_discover_lists_them_with_the_reason(folder):
    found = discover(folder, masks_dir=folder.parent / "masks")
    assert [c.image.name for c in found.candidates] == ["a.png", "b.png"]
    reasons = {s.name: s.reason for s in found.skipped}
    assert reasons["l1.png"] == reasons["l2.png"] == "a symbolic link that loops back on itself"
    assert reasons["m1.png"] == "a symbolic link that loops back on itself"
    assert reasons["dangling.png"] == "a symbolic link to a file that does not exist"
    assert reasons["latin1-\\xe9.png"].startswith("its name is not valid UTF-8 text")


def test_import_goes_on_and_reports_them(tmp_path, folder):
    with Project.create(tmp_path / "p.dsproj") as p:
        report = import_folder(p, folder)
        assert len(report.added) == 2
        assert sorted(r.rel_path for r in p.images.list()) == ["parts/a.png", "parts/b.png"]
    summary, lines = describe(report)
    assert summary == "Added 2 images · 4 skipped."
    assert "latin1-\\xe9.png: its name is not valid UTF-8 text, which the project stores paths " \
           "as; rename the file to import it" in lines
    assert "l1.png: a symbolic link that loops back on itself" in lines


def test_cli_import_lists_them_and_succeeds(tmp_path, folder, capsys):
    rc = main(["import", str(tmp_path / "p.dsproj"), str(folder), "--create"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Imported 2 image(s)" in out and "nothing was imported" not in err
    assert "  l2.png: a symbolic link that loops back on itself" in out
    assert "  latin1-\\xe9.png: its name is not valid UTF-8 text" in out
    out.encode("utf-8")  # printable on a strict UTF-8 terminal
