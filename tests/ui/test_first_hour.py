"""A newcomer's first hour: the demo opens from the welcome page and every workspace works on it."""

from PySide6.QtCore import QStandardPaths, Qt

from app.ui import actions
from app.ui.shortcuts_dialog import ShortcutsDialog
from app.ui.workspaces import BrokenWorkspace


def test_demo_from_the_welcome_page_opens_every_workspace(qtbot, settings_sandbox, error_handler,
                                                          tmp_path, monkeypatch):
    from app.ui.main_window import MainWindow

    data = tmp_path / "data"
    monkeypatch.setattr(QStandardPaths, "writableLocation", staticmethod(lambda _loc: str(data)))
    w = MainWindow(settings=settings_sandbox, error_handler=error_handler)
    qtbot.addWidget(w)
    w.show()
    assert w.welcome.demo_button.isVisible()
    with qtbot.waitSignal(w.project_changed, timeout=30_000):
        qtbot.mouseClick(w.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert w.project is not None and w.project.name == "demo"
    assert (data / "demo" / "demo.dsproj").is_file()
    assert w.stack.currentWidget() is w.tabs

    titles = [ws.title for ws in w.workspaces()]
    assert titles == ["Label", "Train", "Grade", "Review"]
    for ws in w.workspaces():
        assert not isinstance(ws, BrokenWorkspace), ws.title
        assert w.show_workspace(ws.title)
        qtbot.wait(150)
        assert w.tabs.currentWidget() is ws
    assert error_handler.records == []

    # the shortcut sheet is generated from the live actions: every shortcut is listed, none clash
    rows = actions.shortcut_rows(w)
    assert actions.conflicts(rows) == {}
    sheet = ShortcutsDialog(rows, w)
    listed = {sheet.table.item(r, 1).text() for r in range(sheet.table.rowCount())}
    assert {row.shortcut for row in rows if row.shortcut} <= listed
    sheet.close()
    w.close()
    assert w.project is None
