"""The image list's "Assign to…": typed in the dialog with the keyboard, stored, shown in the
row; Label's next image (Page Down) then takes the images assigned to me first."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QInputDialog

from app.store import Project
from app.ui.label import drive
from tests.support.label_ui import close_workspace, gradient, open_workspace, write_image
from tests.support.menus import LEFT, click_menu_item, right_click_menu


def answer_assign_dialog(qtbot, name, seen):
    def step(tries=0):
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            if tries < 200:
                QTimer.singleShot(20, lambda: step(tries + 1))
            return
        combo = dialog.findChild(QComboBox)
        seen.append([combo.itemText(i) for i in range(combo.count())])
        combo.lineEdit().clear()
        qtbot.keyClicks(combo.lineEdit(), name)
        qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    QTimer.singleShot(0, step)


def test_assign_from_the_list_then_next_image_takes_mine(qtbot, tmp_path):
    project = Project.create(tmp_path / "p.dsproj")
    ids = project.images.add_many([write_image(tmp_path, f"part{i}.png", gradient(10 * i))
                                   for i in range(4)]).added
    project.classes.add("pore")
    ws = open_workspace(qtbot, project)
    try:
        me = project.db.identity
        view = ws.panel.view
        qtbot.mouseClick(view.viewport(), LEFT,
                         pos=view.visualRect(ws.panel.model.index(2)).center())
        seen = []
        answer_assign_dialog(qtbot, me, seen)
        click_menu_item(qtbot, right_click_menu(ws.panel, ids[2]), "assign.to")
        qtbot.waitUntil(lambda: project.images.get(ids[2]).assignee == me, timeout=5000)
        assert me in seen[0]  # the people the audit trail knows
        assert ws.panel.model.entry(ids[2]).team_text == f"for {me}"

        qtbot.mouseClick(view.viewport(), LEFT,
                         pos=view.visualRect(ws.panel.model.index(1)).center())
        answer_assign_dialog(qtbot, "ben", seen)
        click_menu_item(qtbot, right_click_menu(ws.panel, ids[1]), "assign.to")
        qtbot.waitUntil(lambda: project.images.get(ids[1]).assignee == "ben", timeout=5000)

        ws.show_image(ids[0])
        qtbot.waitUntil(lambda: ws.current_id == ids[0], timeout=5000)
        drive.key(ws.canvas, Qt.Key.Key_PageDown)  # mine first
        qtbot.waitUntil(lambda: ws.current_id == ids[2], timeout=5000)
        drive.key(ws.canvas, Qt.Key.Key_PageDown)  # then unclaimed (ben's is skipped)
        qtbot.waitUntil(lambda: ws.current_id == ids[3], timeout=5000)
        click_menu_item(qtbot, right_click_menu(ws.panel, ids[3]), "assign.clear")
        assert [r.assignee for r in project.images.list()] == [None, "ben", me, None]
    finally:
        close_workspace(ws)
        project.close()
