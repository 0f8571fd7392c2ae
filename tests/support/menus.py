"""Popup menus driven with the mouse, as a person would: the image list's right-click menu."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

LEFT = Qt.MouseButton.LeftButton


def click_menu_item(qtbot, open_menu, *object_names_or_texts):
    """Open a popup menu with `open_menu()`, then click through items (submenus first) with
    the mouse, as a person would; the clicks run from a timer inside the menu's event loop.
    A missing item closes every popup and fails the test (never a hang in exec())."""
    path = list(object_names_or_texts)
    clicked, errors = [], []

    def find(menu, key):
        found = [a for a in menu.actions()
                 if key in (a.objectName(), a.text().replace("&", ""))]
        if not found:
            raise LookupError(f"no item {key!r} in {[a.text() for a in menu.actions()]}")
        return found[0]

    def step(tries=0):
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            if tries > 200:
                errors.append("no popup menu opened")
                return
            QTimer.singleShot(20, lambda: step(tries + 1))
            return
        try:
            action = find(menu, path[0])
        except LookupError as e:
            errors.append(str(e))
            while QApplication.activePopupWidget() is not None:
                QApplication.activePopupWidget().close()
            return
        QTest.mouseClick(menu, LEFT, pos=menu.actionGeometry(action).center())
        if action.menu() is not None:
            path.pop(0)
            QTimer.singleShot(20, step)  # the submenu opens
        else:
            clicked.append(action)

    window = QApplication.activeWindow()
    QTimer.singleShot(0, step)
    open_menu()
    qtbot.waitUntil(lambda: (clicked or errors) and QApplication.activePopupWidget() is None,
                    timeout=5000)
    assert not errors, errors
    if window is not None:  # offscreen, a closed popup does not give activation back
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


def right_click_menu(panel, image_id):
    view = panel.view
    pos = view.visualRect(panel.model.index(panel.model.row_of(image_id))).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.viewport().mapToGlobal(pos))
    return lambda: QApplication.sendEvent(view.viewport(), event)
