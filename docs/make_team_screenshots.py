"""Screenshots of the team-project screens, taken from the real app on a throw-away PostgreSQL
server, offscreen (the companion of docs/make_screenshots.py):

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_team_screenshots.py

Builds the demo (app/demo.py), copies it into a new team database (File > Copy project to...,
app/store/project_copy.py) on a server started for the run (tests/support/postgres.py: needs
PostgreSQL's initdb/pg_ctl, as the tests do), adds three members, opens the main window at
1280 x 800 as the project's owner and saves docs/screenshots/team-*.png: the Open team project
dialog, Storage roots, Team members, the Label workspace's conflict dialog, the image list with
who else has a part open, Train with "Run on: Team worker", and the Jobs dialog. A dialog is
drawn centred over the window it belongs to, as a person sees it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/support, app

from make_screenshots import OUT, first_start, settle, workspace  # noqa: E402

MEMBERS = (("anna", "labeler"), ("ben", "recipe-owner"), ("carla", "reviewer"))


def over(window, dialog, name: str, app) -> None:
    """Saves the window with `dialog` drawn centred over it."""
    from PySide6.QtGui import QColor, QPainter

    settle(app, 0.5)
    shot = window.grab()
    face = dialog.grab()
    painter = QPainter(shot)
    painter.fillRect(shot.rect(), QColor(0, 0, 0, 70))  # the window behind a modal dialog, dimmed
    painter.drawPixmap((shot.width() - face.width()) // 2,
                       (shot.height() - face.height()) // 2, face)
    painter.end()
    shot.save(str(OUT / name))


def team_project(tmp: Path, cluster) -> str:
    from app.demo import build_demo_project
    from app.store import Project
    from app.store.project_copy import copy_location
    from app.store.team_roles import add_member, ensure_roles

    demo = build_demo_project(tmp / "demo", with_model=True)
    url = cluster.url(cluster.new_database("lines"))
    copy_location(demo, url)
    with Project.open(url) as p, p.db.session() as s:
        ensure_roles(s.connection())
        for login, role in MEMBERS:
            add_member(s.connection(), login, role)
        p.roots.add("nas-lot2", note="the second line's share")  # not mapped here yet
    return url


def as_login(url: str, login: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=login).render_as_string(hide_password=False)


def shoot(url: str, settings_dir: Path) -> None:
    from app.store import Project

    app, w = first_start(settings_dir)

    dialog = w.team.ask(False, as_login(url, "anna"))  # File > Open team project
    dialog.password.setText("secret-password")
    over(w, dialog, "team-open.png", app)
    dialog.reject()
    assert w.open_project(url), "the team project did not open"
    settle(app, 1.5)

    over(w, w.team.storage_roots(), "team-roots.png", app)
    w.team.roots_dialog.reject()
    over(w, w.team.members(), "team-members.png", app)
    w.team.members_dialog.reject()

    anna = Project.open(as_login(url, "anna"))  # another workstation, at the same time
    try:
        label = workspace(w, "Label")
        ids = label.panel.visible_ids()
        anna.leases.take(ids[2])  # anna has the third part open: the list names her
        label.panel.refresh_editors()
        settle(app, 1.0)
        w.grab().save(str(OUT / "team-editors.png"))

        # anna saves the shown part's mask while the owner paints it: the conflict dialog
        shown = label.current_id
        theirs, base = anna.masks.load_current(shown)
        theirs[:20, :20] = theirs.max() or 1
        anna.masks.save(shown, theirs, base_revision=base)
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        from app.ui.label import drive

        label.canvas.setFocus()
        QTest.keyClick(label.canvas, Qt.Key.Key_B)
        QTest.keyClick(label.canvas, Qt.Key.Key_1)
        h, wd = label.doc.mask.shape
        drive.stroke(label.canvas, [(wd // 3, h // 2), (wd // 2, h // 2)])
        deadline = time.monotonic() + 20
        while label.conflict_dialog is None and time.monotonic() < deadline:
            settle(app, 0.2)
        over(w, label.conflict_dialog, "team-conflict.png", app)
        label.conflict_dialog.reject()  # keep mine: nothing lost
        settle(app, 1.0)

        # Train: "Run on: Team worker"; a training queued and another's running on gpu-box
        w.show_workspace("Train")
        train = workspace(w, "Train")
        train.run_on.combo.setCurrentIndex(train.run_on.combo.findData("worker"))
        ben = Project.open(as_login(url, "ben"))
        try:
            ben.jobs.enqueue("train", {"spec": None, "config": {"epochs": 20}})
            running = ben.jobs.enqueue("inspect", {"images": ["nas-lot2/lot-07"]})
            ben.jobs.enqueue("train", {"spec": None, "config": {"epochs": 40}})
        finally:
            ben.close()
        with Project.open(url) as worker:
            claim = worker.jobs.claim("gpu-box")
            assert claim is not None and claim.id <= running.id
            worker.jobs.report(claim, progress=0.4, message="Training epoch 8 of 20")
        settle(app, 2.0)
        deadline = time.monotonic() + 60
        while train.form.device.text().startswith("Detecting") and time.monotonic() < deadline:
            settle(app, 0.5)
        w.grab().save(str(OUT / "team-train-worker.png"))
        over(w, train.run_on.show_jobs(), "team-jobs.png", app)
        train.run_on.jobs_dialog.close()
    finally:
        anna.close()
    w.close()


def main() -> int:
    from tests.support.postgres import PgCluster

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DEFECT_STUDIO_TEAM_DIR"] = str(Path(tmp) / "team")
        cluster = PgCluster()
        try:
            started = time.perf_counter()
            url = team_project(Path(tmp), cluster)
            print(f"team project built in {time.perf_counter() - started:.1f} s", flush=True)
            shoot(url, Path(tmp) / "settings")
        finally:
            cluster.stop()
    print(f"team screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
