"""A team role in the window: what the role may not do is greyed with the reason in its
tooltip, and a write the database refuses anyway is one sentence, never a traceback."""

import pytest
from PySide6.QtCore import QTimer
from sqlalchemy.engine import make_url

from app.store import Project
from app.store.team_roles import add_member, ensure_roles
from app.ui.errors import REFUSED_TITLE
from app.ui.grade.workspace import GradeWorkspace
from app.ui.label.workspace import LabelWorkspace
from tests.store.helpers import make_image_file


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace), ("Grade", GradeWorkspace)]


@pytest.fixture
def labeler_url(pg_url, tmp_path):
    login = f"lena_{make_url(pg_url).database}"
    with Project.open(pg_url) as p:
        p.classes.add("crack", "#ff0000")
        p.images.add_many([make_image_file(tmp_path / "parts")])
        with p.db.session() as s:
            ensure_roles(s.connection())
            add_member(s.connection(), login, "labeler")
    return make_url(pg_url).set(username=login).render_as_string()


@pytest.mark.qt_no_exception_capture
def test_a_labeler_sees_what_they_cannot_do(qtbot, bare_window, labeler_url, error_handler,
                                            pg_url):
    window = bare_window
    assert window.open_project(labeler_url)
    assert window.project.role == "labeler"
    label, grade = window.workspaces()
    new_class = label.action("label.class.new")
    assert not new_class.isEnabled()
    assert "Your role labeler cannot add, change or delete defect classes" in new_class.toolTip()
    window.show_workspace("Grade")
    save = grade.recipe_bar.save_button
    assert not save.isEnabled()  # a starter recipe never saved: an admin could save it
    assert save.toolTip().startswith("Your role labeler cannot save recipe versions")
    assert not grade.recipe_bar.import_button.isEnabled()
    assert not window.action_map["file.import"].isEnabled()
    assert "cannot import images" in window.action_map["file.import"].toolTip()
    assert window.import_images() is None  # the image list's button asks it too
    assert "labeler cannot import images" in window.last_message.text()

    QTimer.singleShot(0, lambda: window.project.classes.add("dent", "#00ff00"))
    qtbot.waitUntil(lambda: error_handler.last_error is not None)
    record = error_handler.last_error
    assert record.title == REFUSED_TITLE and record.details == ""
    assert record.message.startswith("Your role labeler cannot add, change or delete")
    with Project.open(pg_url) as owner:
        assert [c.name for c in owner.classes.list()] == ["crack"]  # nothing written


def test_the_owner_may_do_everything(qtbot, bare_window, labeler_url, pg_url):
    window = bare_window
    assert window.open_project(pg_url)
    label, grade = window.workspaces()
    assert window.project.role == "admin"
    assert label.action("label.class.new").isEnabled()
    window.show_workspace("Grade")
    assert grade.recipe_bar.save_button.isEnabled()
    assert window.action_map["file.import"].isEnabled()


def test_team_members_dialog_adds_a_member_and_changes_a_role(qtbot, bare_window, labeler_url,
                                                               pg_url):
    from PySide6.QtCore import Qt

    window = bare_window
    assert window.open_project(pg_url)
    window.action_map["file.members"].trigger()
    dialog = window.team.members_dialog
    lena = make_url(labeler_url).username
    assert dialog.rows() == [(lena, "labeler")]
    newbie = f"nico_{make_url(pg_url).database}"
    qtbot.keyClicks(dialog.login, newbie)
    dialog.role.setCurrentText("reviewer")
    qtbot.keyClicks(dialog.password, "n1co-pass")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert sorted(dialog.rows()) == sorted([(lena, "labeler"), (newbie, "reviewer")])
    assert dialog.password.text() == ""
    dialog.table.selectRow([r[0] for r in dialog.rows()].index(lena))
    assert dialog.login.text() == lena
    dialog.role.setCurrentText("recipe-owner")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert (lena, "recipe-owner") in dialog.rows()
    with Project.open(labeler_url) as p:
        assert p.role == "recipe-owner"  # the database says so, not only the dialog


def test_a_labeler_cannot_manage_members(qtbot, bare_window, labeler_url):
    window = bare_window
    assert window.open_project(labeler_url)
    window.action_map["file.members"].trigger()
    dialog = window.team.members_dialog
    assert not dialog.add_button.isEnabled()
    assert "Your role labeler cannot manage team members" in dialog.add_button.toolTip()
    assert not dialog.add_member("mallory", "admin")  # even past the greyed button
    assert "labeler cannot manage team members" in dialog.message.text()


@pytest.mark.usefixtures("offline")
def test_a_labeler_cannot_start_training(qtbot, labeler_url, pg_url):
    import numpy as np

    from app.ui.train.workspace import TrainWorkspace

    with Project.open(pg_url) as owner:  # one labeled image: training could start
        image_id = owner.images.list()[0].id
        mask = np.zeros((30, 40), np.uint8)
        mask[2:6, 2:6] = owner.classes.list()[0].value
        owner.masks.save(image_id, mask)
        owner.images.set_status([image_id], "labeled")
    for url, allowed in ((pg_url, True), (labeler_url, False)):
        with Project.open(url) as p:
            ws = TrainWorkspace()
            qtbot.addWidget(ws)
            ws.set_project(p)
            assert ws.start_button.isEnabled() is allowed
            tip = ws.start_button.toolTip()
            assert ("Your role labeler cannot add or change models" in tip) is not allowed
            ws.set_project(None)
            ws.shutdown()


def test_review_decisions_follow_the_role(qtbot, pg_url, tmp_path):
    from app.core.grading import Recipe
    from app.core.inspection_record import InspectionRecord
    from tests.support.review_ui import open_workspace, write_png

    db = make_url(pg_url).database
    with Project.open(pg_url) as owner:
        recipe = owner.recipes.save("housing", Recipe(name="housing").to_dict())
        run = owner.runs.create("lot 1", None, recipe.id)
        img = write_png(tmp_path / "line" / "part.png", 100)
        owner.runs.add_result(run.id, img.path, InspectionRecord.from_dict(dict(
            sha256=img.sha256, grade="SCRAP", reasons=[], components=[], risk=0.9,
            flagged=True)))
        owner.runs.set_status(run.id, "done")
        with owner.db.session() as s:
            ensure_roles(s.connection())
            add_member(s.connection(), f"lab_{db}", "labeler")
            add_member(s.connection(), f"rev_{db}", "reviewer")
    for login, allowed in ((f"lab_{db}", False), (f"rev_{db}", True)):
        with Project.open(make_url(pg_url).set(username=login).render_as_string()) as p:
            ws = open_workspace(qtbot, p)
            confirm = {a.objectName(): a for a in ws.workspace_actions()}["review.confirm"]
            assert confirm.isEnabled() is allowed
            assert ("Your role labeler cannot record review decisions" in confirm.toolTip()) \
                is not allowed
            ws.shutdown()
            ws.set_project(None)
