"""One writer per project file, whatever name it is opened by (hard link, symlink, renamed)."""

import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from app.store import Project, ProjectError, ProjectLockedError
from app.store.errors import ProjectLinkedError

from .helpers import make_image_file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="hard links and flock: POSIX")

SECOND_WRITER = textwrap.dedent("""
    import sys
    from app.store import Project, ProjectError
    try:
        p = Project.open(sys.argv[1])
    except ProjectError as e:
        print("REFUSED:", e)
        raise SystemExit(0)
    p.settings.set("who", "second")
    p.close()
    print("WROTE")
""")


def _second_writer(path):
    out = subprocess.run([sys.executable, "-c", SECOND_WRITER, str(path)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _integrity(path):
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def test_hard_linked_second_writer_in_another_process_is_refused(tmp_path):
    """The probe's case: a writer on one name, a second process on a hard-linked name."""
    path = tmp_path / "part.dsproj"
    with Project.create(path) as p:
        (image_id,) = p.images.add_many([make_image_file(tmp_path, "a.png", (32, 24))]).added
        os.link(path, tmp_path / "alias.dsproj")
        out = _second_writer(tmp_path / "alias.dsproj")
        assert "REFUSED:" in out and "hard links" in out, out
        mask = p.masks.load_or_empty(image_id)
        for n in range(20):  # the first writer goes on writing normally
            mask[n % 24, :] = 1
            p.masks.save(image_id, mask)
    assert _integrity(path) == "ok"
    with Project.open(path, readonly=True) as p:
        assert len(p.masks.revisions(image_id)) == 20
        assert p.settings.get("who") is None


def test_project_with_two_names_is_refused_for_writing_by_both(tmp_path):
    path = tmp_path / "part.dsproj"
    Project.create(path).close()
    os.link(path, tmp_path / "alias.dsproj")
    for name in ("part.dsproj", "alias.dsproj"):
        with pytest.raises(ProjectLinkedError, match="2 names on disk"):
            Project.open(tmp_path / name)
        with Project.open(tmp_path / name, readonly=True) as p:  # reading stays possible
            assert p.readonly
    assert not (tmp_path / "part.dsproj.lock").read_bytes()  # the refused opener let go


def test_symlink_and_renamed_file_meet_the_same_lock(tmp_path):
    path = tmp_path / "part.dsproj"
    with Project.create(path):
        (tmp_path / "link.dsproj").symlink_to(path)
        with pytest.raises(ProjectLockedError):
            Project.open(tmp_path / "link.dsproj")
        # Renamed while open: the name lock is free, the file's identity lock is not.
        os.rename(path, tmp_path / "renamed.dsproj")
        out = _second_writer(tmp_path / "renamed.dsproj")
        assert "REFUSED:" in out and "under another name" in out, out
    with Project.open(tmp_path / "renamed.dsproj") as p:  # released on close
        p.settings.set("who", "after")


def test_refusals_are_project_errors(tmp_path):
    assert issubclass(ProjectLinkedError, ProjectError)
