"""File > Copy project to...: a person copies the open project to a new file or an empty team
database in the dialog; the copy holds every row of the original."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from app.store import Project
from app.store.project import check_audit_chain
from app.ui.copy_dialog import CopyProjectDialog
from tests.support.full_project import file_rows


def _open_dialog(window) -> CopyProjectDialog:
    action = window.action_map["file.copy"]
    assert action.isEnabled()
    action.trigger()
    dialog = window.findChild(CopyProjectDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def _copy(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.runner.running and dialog.copy_button.isEnabled(),
                    timeout=60_000)


def test_copy_to_a_new_file(main_window, project_path, tmp_path, qtbot):
    dialog = _open_dialog(main_window)
    dst = tmp_path / "snapshot.dsproj"
    qtbot.keyClicks(dialog.file_edit, str(dst))
    _copy(qtbot, dialog)
    assert dialog.report is not None, dialog.message.text()
    assert "Copied to" in dialog.message.text()
    assert file_rows(dst) == file_rows(project_path)
    with Project.open(dst, readonly=True) as copy:
        assert check_audit_chain(copy.db).ok
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_copy_to_an_existing_file_is_refused(main_window, tmp_path, qtbot):
    dialog = _open_dialog(main_window)
    taken = tmp_path / "taken.dsproj"
    taken.write_bytes(b"someone's file")
    qtbot.keyClicks(dialog.file_edit, str(taken))
    _copy(qtbot, dialog)
    assert dialog.report is None
    assert "already exists" in dialog.message.text()
    assert taken.read_bytes() == b"someone's file"


def test_copy_to_an_empty_team_database(main_window, project_path, pg_empty_url, qtbot):
    dialog = _open_dialog(main_window)
    qtbot.mouseClick(dialog.to_team, Qt.MouseButton.LeftButton,  # on its round indicator
                     pos=QPoint(8, dialog.to_team.height() // 2))
    assert dialog.url_edit.isEnabled() and not dialog.file_edit.isEnabled()
    qtbot.keyClicks(dialog.url_edit, pg_empty_url)
    _copy(qtbot, dialog)
    assert dialog.report is not None, dialog.message.text()
    original = Project.open(project_path, readonly=True)
    with original, Project.open(pg_empty_url, readonly=True) as team:
        assert check_audit_chain(team.db).ok
        assert team.images.list() == original.images.list()
        assert [r.id for r in team.audit.list()] == [r.id for r in original.audit.list()]
        for row in team.images.list():
            assert team.images.abspath(row) == original.images.abspath(row)


def test_the_action_waits_for_a_project(bare_window):
    assert not bare_window.action_map["file.copy"].isEnabled()


def test_copy_an_open_team_project_to_a_file(pg_url, tmp_path, qtbot):
    from tests.support.full_project import _image

    with Project.open(pg_url) as team:
        team.images.add_many([_image(tmp_path / "nas" / "lot1" / "a.png", 80)])
        team.classes.add("crack")
        dialog = CopyProjectDialog(team)
        qtbot.addWidget(dialog)
        dialog.show()
        assert pg_url.split("@")[1] in dialog.intro.text()  # the team project is the source
        dst = tmp_path / "snap.dsproj"
        qtbot.keyClicks(dialog.file_edit, str(dst))
        _copy(qtbot, dialog)
        assert dialog.report is not None, dialog.message.text()
        with Project.open(dst, readonly=True) as snap:
            assert snap.images.list()[0].rel_path == "nas/lot1/a.png"
            assert snap.images.abspath(snap.images.list()[0]) == \
                team.images.abspath(team.images.list()[0])
            assert [c.name for c in snap.classes.list()] == ["crack"]
            assert [a.id for a in snap.audit.list()] == [a.id for a in team.audit.list()]
            assert check_audit_chain(snap.db).ok
