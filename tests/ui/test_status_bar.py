"""Status-bar messages belong to their workspace (see test_job_status.py for job lines)."""

import pytest
from PySide6.QtCore import Qt

from app.ui.workspace import Workspace


class Talker(Workspace):
    title = "Label"


class Other(Workspace):
    title = "Review"


@pytest.fixture
def workspace_registry():
    return [("Label", Talker), ("Review", Other)]


def click_tab(qtbot, window, title):
    bar = window.tabs.tabBar()
    i = next(i for i in range(bar.count()) if bar.tabText(i) == title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(i).center())
    assert window.current_workspace().title == title


def test_a_workspace_message_leaves_with_its_workspace(qtbot, main_window):
    window = main_window
    label, review = window.workspaces()
    bar = window.statusBar()
    label.status_message.emit("x 12  y 40   crack")
    assert bar.currentMessage() == "x 12  y 40   crack"

    click_tab(qtbot, window, "Review")
    assert bar.currentMessage() == ""  # Label's pixel readout does not linger over Review
    label.status_message.emit("x 13  y 40")  # a hidden workspace does not write on the bar
    assert bar.currentMessage() == ""
    review.status_message.emit("Sent to labeling: part-07")
    assert bar.currentMessage() == "Sent to labeling: part-07"

    click_tab(qtbot, window, "Label")
    assert bar.currentMessage() == "x 13  y 40"  # its own latest line comes back with it
    label.status_message.emit("")
    click_tab(qtbot, window, "Review")
    click_tab(qtbot, window, "Label")
    assert bar.currentMessage() == ""


def test_closing_the_project_clears_the_bar(qtbot, main_window):
    main_window.workspaces()[0].status_message.emit("zoom 200%")
    main_window.close_project()
    assert main_window.statusBar().currentMessage() == ""
