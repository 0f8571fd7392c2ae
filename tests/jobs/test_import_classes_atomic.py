"""An import's classes are made in the import's own transaction: a failed, canceled or killed
import leaves no class and uses up no class value (the probe: after 255 failed imports no class
could be added; a SIGKILL in that window left an empty class)."""

import signal
import sqlite3
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

from app.jobs.context import Canceled, JobContext
from app.jobs.importing import ImportOptions, import_folder
from app.store import Project

MT = ImportOptions(class_pattern=r"MT_(\w+)")


def defect_folder(root, n_classes=3):
    for k in range(n_classes):
        folder = root / f"MT_Kind{k}"
        folder.mkdir(parents=True)
        cv2.imwrite(str(folder / "a.jpg"), np.full((12, 16), 100, np.uint8))
        mask = np.zeros((12, 16), np.uint8)
        mask[3:6, 4:9] = 255
        cv2.imwrite(str(folder / "a.png"), mask)
    return root


def cancel_at_commit() -> JobContext:
    ctx = JobContext()
    ctx.progress_fn = lambda done, total, msg: msg.startswith("Writing") and ctx.cancel()
    return ctx


@pytest.mark.slow
def test_300_failed_imports_then_a_class_add(tmp_path):
    folder = defect_folder(tmp_path / "parts")
    with Project.create(tmp_path / "p.dsproj") as p:
        for _ in range(300):  # 3 new classes each: 900 values, far past 255, if any leaked
            with pytest.raises(Canceled):
                import_folder(p, folder, MT, cancel_at_commit())
        assert p.classes.list() == []
        assert p.classes.add("scratch").value == 1
        assert not [r for r in p.audit.list() if r.action in ("class.add", "class.delete")
                    and r.detail.get("name") != "scratch"]
        report = import_folder(p, folder, MT)  # and the import itself still works
        assert report.classes_created == ["Kind0", "Kind1", "Kind2"]
        assert [c.value for c in p.classes.list()] == [1, 2, 3, 4]


def test_a_failed_import_rolls_its_classes_back_with_it(tmp_path):
    folder = defect_folder(tmp_path / "parts")
    with Project.create(tmp_path / "p.dsproj") as p:
        with pytest.raises(Canceled):
            import_folder(p, folder, MT, cancel_at_commit())
        assert p.classes.list() == [] and p.images.count() == 0
        assert p.classes.add("scratch").value == 1


KILLED_IN_THE_WRITE = textwrap.dedent("""
    import sys, time
    from app.jobs.importing import ImportOptions, import_folder
    from app.store import Project, import_repo

    def stall(*args):  # inside the write transaction, after the classes were added
        print("IN", flush=True)
        time.sleep(60)

    import_repo.ImportRepo._insert = staticmethod(stall)
    with Project.open(sys.argv[1]) as p:
        import_folder(p, sys.argv[2], ImportOptions(class_pattern=r"MT_(\\w+)"))
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_inside_the_import_leaves_no_class(tmp_path):
    folder = defect_folder(tmp_path / "parts")
    path = tmp_path / "p.dsproj"
    Project.create(path).close()
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IN_THE_WRITE, str(path), str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "IN", proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with Project.open(path) as p:
        assert p.classes.list() == [] and p.images.count() == 0
        assert p.classes.add("scratch").value == 1
