"""Two people on one team project (the real server): the Label workspace's stroke meets a mask
someone saved behind its back; the dialog names them; "Keep mine" saves the workspace's exact
pixels on top of theirs (theirs stays), "Reload theirs" shows theirs. The image list shows who
else has an image open; "next image" skips it."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.store import Project
from app.ui.label import drive
from tests.support.label_ui import H, W, close_workspace, gradient, open_workspace, write_image
from tests.support.pg_roles import as_role


@pytest.fixture
def team(pg_url):
    """The GUI's project (a team project with three images and a class) and its images."""
    p = Project.open(pg_url)
    folder = p.root / "parts"
    folder.mkdir(parents=True)
    p.images.add_many([write_image(folder, f"p{i}.png", gradient(i * 10)) for i in range(3)])
    p.classes.add("pore")
    yield p, [r.id for r in p.images.list()]
    p.close()


def _stroke_and_meet_conflict(qtbot, ws, other, image_id):
    theirs = np.zeros((H, W), np.uint8)
    theirs[0:4, 0:6] = 1
    their_rev = other.masks.save(image_id, theirs, base_revision=None)  # behind the GUI's back
    ws.settings.brush_size = 3
    drive.stroke(ws.canvas, [(10, 20), (30, 20)])
    qtbot.waitUntil(lambda: ws.conflict_dialog is not None, timeout=10_000)
    return theirs, their_rev


def test_keep_mine_saves_the_exact_strokes_on_top_of_theirs(qtbot, team, pg_cluster, pg_url):
    project, ids = team
    ws = open_workspace(qtbot, project)
    other = Project.open(as_role(pg_cluster, pg_url, "anna"))
    try:
        image_id = ws.current_id
        theirs, their_rev = _stroke_and_meet_conflict(qtbot, ws, other, image_id)
        mine = ws.doc.mask.copy()
        assert mine[20, 10:31].all() and not mine[0:4, 0:6].any()

        dialog = ws.conflict_dialog
        assert "anna" in dialog.message.text()
        assert ws.committer.pending  # the strokes wait, unsaved, in memory
        drive.stroke(ws.canvas, [(10, 26), (30, 26)])  # painting on while it is open
        mine = ws.doc.mask.copy()
        qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not ws.committer.pending, timeout=10_000)

        revs = other.masks.revisions(image_id)
        assert [r.author for r in revs] == ["anna", project.db.identity]
        assert revs[-1].base_revision == their_rev
        np.testing.assert_array_equal(other.masks.load(image_id), mine)
        np.testing.assert_array_equal(other.masks.load_revision(their_rev), theirs)
        assert other.audit.list(action="mask.revision", limit=1)[0].detail["superseded"] == \
            their_rev

        drive.stroke(ws.canvas, [(5, 10), (8, 10)])  # and later strokes go on top of mine
        qtbot.waitUntil(lambda: not ws.committer.pending, timeout=10_000)
        assert ws.conflict_dialog is None
        assert other.masks.revisions(image_id)[-1].base_revision == revs[-1].id
        np.testing.assert_array_equal(other.masks.load(image_id), ws.doc.mask)
    finally:
        other.close()
        close_workspace(ws)


def test_reload_theirs_shows_their_mask(qtbot, team, pg_cluster, pg_url):
    project, ids = team
    ws = open_workspace(qtbot, project)
    other = Project.open(as_role(pg_cluster, pg_url, "anna"))
    try:
        image_id = ws.current_id
        theirs, their_rev = _stroke_and_meet_conflict(qtbot, ws, other, image_id)
        qtbot.mouseClick(ws.conflict_dialog.reload_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: ws.doc is not None and np.array_equal(ws.doc.mask, theirs),
                        timeout=10_000)
        assert not ws.committer.pending
        assert [r.id for r in other.masks.revisions(image_id)] == [their_rev]
        drive.stroke(ws.canvas, [(10, 20), (30, 20)])  # editing theirs now: no conflict
        qtbot.waitUntil(lambda: not ws.committer.pending, timeout=10_000)
        assert ws.conflict_dialog is None
        assert other.masks.revisions(image_id)[-1].base_revision == their_rev
    finally:
        other.close()
        close_workspace(ws)


def test_closing_with_the_dialog_open_keeps_mine(qtbot, team, pg_cluster, pg_url):
    project, ids = team
    ws = open_workspace(qtbot, project)
    other = Project.open(as_role(pg_cluster, pg_url, "anna"))
    try:
        image_id = ws.current_id
        theirs, their_rev = _stroke_and_meet_conflict(qtbot, ws, other, image_id)
        mine = ws.doc.mask.copy()
        close_workspace(ws)  # the project closes with the question open: nothing is lost
        revs = other.masks.revisions(image_id)
        assert [r.id for r in revs][0] == their_rev and revs[-1].base_revision == their_rev
        np.testing.assert_array_equal(other.masks.load(image_id), mine)
        np.testing.assert_array_equal(other.masks.load_revision(their_rev), theirs)
    finally:
        other.close()


def test_the_list_names_who_else_edits_and_next_image_skips_it(qtbot, team, pg_cluster,
                                                               pg_url):
    project, ids = team
    other = Project.open(as_role(pg_cluster, pg_url, "anna"))
    ws = open_workspace(qtbot, project)
    try:
        assert ws.current_id == ids[0]
        assert [r.image_id for r in other.leases.held()] == [ids[0]]  # the GUI's lease
        assert other.leases.held_by_others() == {ids[0]: project.db.identity}
        other.leases.take(ids[1])
        ws.panel.refresh_editors()  # what its timer does
        assert ws.panel.model.entry(ids[1]).team_text == "✎ anna"
        assert ws.panel.model.entry(ids[0]).editor == ""  # its own lease is not shown
        ws.next_image()  # ids[1] is anna's now: the next unclaimed one is ids[2]
        qtbot.waitUntil(lambda: ws.current_id == ids[2], timeout=10_000)
        assert {r.image_id: r.holder for r in other.leases.held()} == {
            ids[1]: "anna", ids[2]: project.db.identity}  # ids[0] released
    finally:
        other.close()
        close_workspace(ws)
    # closing released the GUI's lease; anna's client went without a word: hers expires
    assert [r.holder for r in project.leases.held()] == ["anna"]


def test_the_heartbeat_keeps_the_lease_and_a_silent_client_loses_it(qtbot, team, pg_cluster,
                                                                   pg_url):
    project, ids = team
    project.leases.seconds = 0.8  # a short lease; the heartbeat comes every 0.2 s
    other = Project.open(as_role(pg_cluster, pg_url, "anna"))
    ws = open_workspace(qtbot, project)
    try:
        ws.lease.timer.setInterval(200)
        ws.lease.timer.start()
        ws.panel.editors_timer.setInterval(100)
        ws.panel.editors_timer.start()
        other.leases.take(ids[2])
        qtbot.waitUntil(lambda: ws.panel.model.entry(ids[2]).editor == "anna", timeout=5000)
        qtbot.wait(1500)  # longer than the lease: the heartbeat renewed it
        seen = other.leases.held_by_others()
        assert seen.get(ids[0]) == project.db.identity
        ws.lease.timer.stop()  # the GUI's client goes silent (a crash)
        qtbot.waitUntil(lambda: ids[0] not in other.leases.held_by_others(), timeout=5000)
    finally:
        other.close()
        close_workspace(ws)
