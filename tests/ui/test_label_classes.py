"""Closing the labeling loop on a project made from plain images, driven like a person:
add/rename/recolour/reorder/delete defect classes from the class list, no painting without a
class, Ctrl+Enter and Ctrl+G to mark images, the image list's status/split menu. Every test
asserts on what the project holds (masks, revisions, statuses, audit rows).

Geometry as in test_label_workspace: 40 x 30 images on a 400 x 300 canvas, zoom 10.
"""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QColorDialog, QInputDialog, QMessageBox

from app.store import Project
from app.ui.label import drive
from app.ui.label.class_editor import ERASE, merge_item
from app.ui.label.controller import NO_CLASS_HINT
from app.ui.train.readiness import ReadinessLabel, readiness_text
from tests.support.label_ui import (
    H,
    W,
    close_workspace,
    gradient,
    open_workspace,
    write_image,
)
from tests.support.menus import click_menu_item, right_click_menu

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def plain(tmp_path):
    """A project made from three plain images: no class, no mask."""
    p = Project.create(tmp_path / "plain.dsproj")
    p.images.add_many([write_image(tmp_path, f"part{i}.png", gradient(10 * i)) for i in range(3)])
    yield p
    p.close()


@pytest.fixture
def ws(qtbot, plain):
    workspace = open_workspace(qtbot, plain)
    workspace.messages = []
    workspace.status_message.connect(workspace.messages.append)
    yield workspace
    close_workspace(workspace)


def answer_text(monkeypatch, *answers):
    """QInputDialog.getText returns these (text, ok) in turn."""
    queue = list(answers)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: queue.pop(0))


def class_menu(ws):
    tb = ws.toolbar
    return lambda: qtbot_click(tb.class_button)


def qtbot_click(button):
    QTest.mouseClick(button, LEFT)


def saved(ws, project, image_id):
    ws.flush()
    mask = project.masks.load(image_id)
    return np.zeros((H, W), np.uint8) if mask is None else mask


def test_no_class_no_paint_then_add_rename_recolour_reorder(qtbot, ws, plain, monkeypatch):
    tb = ws.toolbar
    # A project of plain images: the hint, painting tools off, the brush paints nothing.
    assert tb.no_class_hint.isVisibleTo(ws) and tb.no_class_hint.text().strip() == NO_CLASS_HINT
    assert not ws.action("label.tool.brush").isEnabled()
    ws.settings.brush_size = 5
    drive.stroke(ws.canvas, [(5, 5), (20, 10)])
    assert plain.masks.load(ws.current_id) is None
    assert NO_CLASS_HINT in ws.messages
    ws.settings.class_value = 7  # a value left from another project: still nothing painted
    drive.stroke(ws.canvas, [(5, 5), (20, 10)])
    assert plain.masks.load(ws.current_id) is None

    # "+" twice.
    answer_text(monkeypatch, ("pore", True), ("  crack ", True))
    qtbot.mouseClick(tb.add_class, LEFT)
    qtbot.mouseClick(tb.add_class, LEFT)
    pore, crack = plain.classes.list()
    assert (pore.name, crack.name) == ("pore", "crack")
    assert not tb.no_class_hint.isVisibleTo(ws) and ws.action("label.tool.brush").isEnabled()
    assert [tb.classes.itemText(i) for i in range(tb.classes.count())] == ["1  pore", "2  crack"]
    assert ws.settings.class_value == crack.value  # the class just added is selected
    assert ws.action("label.class.2").toolTip() == "Select class 2: crack (2)"
    assert ws.action("label.class.3").toolTip() == "Select class 3 (no class 3 yet) (3)"

    # A duplicate name is refused with a box; nothing changes.
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    answer_text(monkeypatch, ("pore", True))
    qtbot.mouseClick(tb.add_class, LEFT)
    assert warnings == ["there is already a defect class named 'pore'"]
    assert len(plain.classes.list()) == 2

    # Rename and recolour the selected class from the Edit menu.
    drive.key(ws.canvas, Qt.Key.Key_1)
    answer_text(monkeypatch, ("porosity", True))
    click_menu_item(qtbot, class_menu(ws), "label.class.rename")
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor("#00ff00"))
    click_menu_item(qtbot, class_menu(ws), "label.class.recolor")
    row = plain.classes.by_value()[pore.value]
    assert (row.name, row.color) == ("porosity", "#00ff00")
    assert tb.classes.itemText(0) == "1  porosity"
    assert ws.overlay.table[pore.value] == 0xFF00FF00  # the overlay paints the new colour

    # Move crack up: key 1 now selects crack.
    drive.key(ws.canvas, Qt.Key.Key_2)
    click_menu_item(qtbot, class_menu(ws), "label.class.earlier")
    assert [c.name for c in plain.classes.list()] == ["crack", "porosity"]
    drive.key(ws.canvas, Qt.Key.Key_2)
    assert ws.settings.class_value == pore.value
    drive.key(ws.canvas, Qt.Key.Key_1)
    assert ws.settings.class_value == crack.value
    assert ws.action("label.class.1").toolTip() == "Select class 1: crack (1)"

    # Now the brush paints the selected class.
    drive.click(ws.canvas, 10, 10)
    assert saved(ws, plain, ws.current_id)[10, 10] == crack.value

    actions = [a.action for a in plain.audit.list(entity="defect_class")][::-1]
    assert actions == ["class.add", "class.add", "class.update", "class.update",
                       "class.reorder"]


def test_the_class_list_context_menu_edits_too(qtbot, ws, plain, monkeypatch):
    answer_text(monkeypatch, ("pore", True), ("pores", True))
    qtbot.mouseClick(ws.toolbar.add_class, LEFT)
    combo = ws.toolbar.classes
    pos = combo.rect().center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, combo.mapToGlobal(pos))
    click_menu_item(qtbot, lambda: QApplication.sendEvent(combo, event), "label.class.rename")
    assert [c.name for c in plain.classes.list()] == ["pores"]


@pytest.fixture
def painted(tmp_path):
    """Three classes; image 1 has a and b pixels, image 2 has c pixels, image 3 none."""
    p = Project.create(tmp_path / "painted.dsproj")
    ids = p.images.add_many([write_image(tmp_path, f"part{i}.png", gradient(10 * i))
                             for i in range(3)]).added
    a, b, c = (p.classes.add(n) for n in ("a", "b", "c"))
    first = np.zeros((H, W), np.uint8)
    first[2:6, 2:8] = a.value
    first[10:14, 10:20] = b.value
    second = np.zeros((H, W), np.uint8)
    second[5:9, 5:9] = c.value
    p.masks.save(ids[0], first)
    p.masks.save(ids[1], second)
    yield p, ids, (a, b, c), (first, second)
    p.close()


def test_delete_a_class_merging_then_erasing_its_pixels(qtbot, painted, monkeypatch):
    project, ids, (a, b, c), (first, second) = painted
    ws = open_workspace(qtbot, project)
    try:
        assert ws.current_id == ids[0]
        asked = []

        def get_item(parent, title, label, items, current, editable):
            asked.append((label, list(items)))
            return choice, True

        monkeypatch.setattr(QInputDialog, "getItem", get_item)
        # b (painted in image 1, which is shown) -> merged into a
        drive.key(ws.canvas, Qt.Key.Key_2)
        choice = merge_item("a")
        with qtbot.waitSignal(ws.image_shown, timeout=10_000):  # shown again, rewritten
            click_menu_item(qtbot, class_menu(ws), "label.class.delete")
        assert "\u201cb\u201d is painted in 1 image(s)" in asked[0][0]
        assert asked[0][1] == [merge_item("a"), merge_item("c"), ERASE]
        expected = first.copy()
        expected[first == b.value] = a.value
        np.testing.assert_array_equal(project.masks.load(ids[0]), expected)
        np.testing.assert_array_equal(ws.doc.mask, expected)  # the canvas shows the new mask
        assert [r.source for r in project.masks.revisions(ids[0])] == ["edit", "class-delete"]
        assert [r.source for r in project.masks.revisions(ids[1])] == ["edit"]

        # c (painted in image 2, not shown) -> erased
        drive.key(ws.canvas, Qt.Key.Key_2)  # c is second now
        assert ws.settings.class_value == c.value
        choice = ERASE
        click_menu_item(qtbot, class_menu(ws), "label.class.delete")
        np.testing.assert_array_equal(project.masks.load(ids[1]), np.zeros((H, W), np.uint8))
        assert [r.source for r in project.masks.revisions(ids[1])] == ["edit", "class-delete"]
        assert [c_.name for c_ in project.classes.list()] == ["a"]
        deletes = project.audit.list(action="class.delete")
        assert [(d.detail["name"], d.detail["reassign_to"], d.detail["masks_changed"])
                for d in deletes] == [("c", None, 1), ("b", a.value, 1)]
        assert ws.settings.class_value == a.value  # never a deleted class

        # a class without pixels: a plain yes/no question
        answer_text(monkeypatch, ("spare", True))
        qtbot.mouseClick(ws.toolbar.add_class, LEFT)
        monkeypatch.setattr(QMessageBox, "question",
                            lambda *args: QMessageBox.StandardButton.Yes)
        click_menu_item(qtbot, class_menu(ws), "label.class.delete")
        assert [c_.name for c_ in project.classes.list()] == ["a"]
        assert len(project.masks.revisions(ids[0])) == 2
    finally:
        close_workspace(ws)


def test_cancelled_delete_changes_nothing(qtbot, painted, monkeypatch):
    project, ids, _, (first, _) = painted
    ws = open_workspace(qtbot, project)
    try:
        monkeypatch.setattr(QInputDialog, "getItem", lambda *a: ("", False))
        click_menu_item(qtbot, class_menu(ws), "label.class.delete")
        assert len(project.classes.list()) == 3
        assert len(project.masks.revisions(ids[0])) == 1
        assert not project.audit.list(action="class.delete")
    finally:
        close_workspace(ws)


def test_ctrl_enter_marks_labeled_and_shows_the_next_image(qtbot, painted):
    project, ids, (a, _, _), _ = painted
    ws = open_workspace(qtbot, project)
    try:
        drive.click(ws.canvas, 30, 25)  # a stroke not yet written: Ctrl+Enter writes it first
        with qtbot.waitSignal(ws.image_shown, timeout=10_000):
            drive.key(ws.canvas, Qt.Key.Key_Return, CTRL)
        assert ws.current_id == ids[1] and ws.panel.current_image_id() == ids[1]
        row = project.images.get(ids[0])
        assert (row.status, row.is_good) == ("labeled", False)
        assert project.masks.load(ids[0])[25, 30] == a.value
        assert ws.panel.model.entry(ids[0]).status_text == "labeled"
        entry = project.audit.list(action="image.status")[0]
        assert entry.detail == {"ids": [ids[0]], "status": "labeled", "is_good": False}
    finally:
        close_workspace(ws)


def test_ctrl_g_marks_a_good_part_and_asks_before_erasing(qtbot, painted, monkeypatch):
    project, ids, _, (first, _) = painted
    ws = open_workspace(qtbot, project)
    try:
        # image 1 has defects: "No" leaves it as it was
        monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
        drive.key(ws.canvas, Qt.Key.Key_G, CTRL)
        assert ws.current_id == ids[0] and project.images.get(ids[0]).status == "in_progress"
        np.testing.assert_array_equal(project.masks.load(ids[0]), first)
        # "Yes": erased (one undo step), marked good, next image
        monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
        with qtbot.waitSignal(ws.image_shown, timeout=10_000):
            drive.key(ws.canvas, Qt.Key.Key_G, CTRL)
        row = project.images.get(ids[0])
        assert (row.status, row.is_good) == ("labeled", True)
        assert not project.masks.load(ids[0]).any()
        # image 3 has no mask: marked good without a question
        ws.show_image(ids[2])
        qtbot.waitUntil(lambda: ws.current_id == ids[2], timeout=10_000)
        monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("asked"))
        drive.key(ws.canvas, Qt.Key.Key_G, CTRL)
        assert (project.images.get(ids[2]).status, project.images.get(ids[2]).is_good) == (
            "labeled", True)
        assert project.masks.load(ids[2]) is None
        assert ws.current_id == ids[2]  # the last image: it stays
    finally:
        close_workspace(ws)


def test_image_list_menu_sets_split_and_status_of_two_selected(qtbot, painted, monkeypatch):
    project, ids, _, _ = painted
    ws = open_workspace(qtbot, project)
    try:
        ws.messages = []
        ws.status_message.connect(ws.messages.append)
        view = ws.panel.view
        second = view.visualRect(ws.panel.model.index(1)).center()
        third = view.visualRect(ws.panel.model.index(2)).center()
        qtbot.mouseClick(view.viewport(), LEFT, pos=second)
        qtbot.mouseClick(view.viewport(), LEFT, CTRL, third)
        assert ws.panel.selected_ids() == [ids[1], ids[2]]

        click_menu_item(qtbot, right_click_menu(ws.panel, ids[2]), "Split of 2 images",
                        "split.test")
        assert [r.split for r in project.images.list()] == [None, "test", "test"]
        assert ws.panel.selected_ids() == [ids[1], ids[2]]  # kept for the next choice
        click_menu_item(qtbot, right_click_menu(ws.panel, ids[2]), "Status of 2 images",
                        "status.labeled")
        assert [r.status for r in project.images.list()] == ["in_progress", "labeled",
                                                            "labeled"]
        assert ws.messages[-1] == "2 images marked labeled"
        assert [ws.panel.model.entry(i).status_text for i in ids[1:]] == ["labeled"] * 2

        # good part: image 2 has c pixels -> refused, nothing changed
        warnings = []
        monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
        click_menu_item(qtbot, right_click_menu(ws.panel, ids[2]), "Status of 2 images",
                        "status.good")
        assert "1 of the selected images have painted defects" in warnings[0]
        assert not any(r.is_good for r in project.images.list())
        click_menu_item(qtbot, right_click_menu(ws.panel, ids[2]), "Split of 2 images",
                        "split.auto")
        assert [r.split for r in project.images.list()] == [None, None, None]
        audit = [(e.action, e.detail.get("split", e.detail.get("status")))
                 for e in project.audit.list(entity="image")[:3]][::-1]
        assert audit == [("image.split", "test"), ("image.status", "labeled"),
                         ("image.split", None)]
    finally:
        close_workspace(ws)


def test_train_readiness_says_which_images_train_and_why_not(qtbot, opened):
    label = ReadinessLabel()
    qtbot.addWidget(label)
    label.show_project(opened)
    assert label.text() == (
        "1 of 4 images will train.\nNot used: 1 in progress - mark them labeled (Ctrl+Enter "
        "in Label) to use them; 2 unlabeled - label them, or mark good parts (Ctrl+G).")
    rows = opened.images.list()
    opened.images.set_status([rows[1].id], "labeled")
    opened.images.set_status([rows[3].id], "labeled", is_good=True)
    opened.images.set_split([rows[0].id], "test")
    assert readiness_text(opened) == (
        "2 of 4 images will train (1 good parts).\nNot used: 1 unlabeled - label them, or "
        "mark good parts (Ctrl+G); 1 labeled but held out as test (split: right-click in the "
        "image list).")


def test_a_new_project_starts_on_its_own_first_class(qtbot, painted, plain):
    project, _, (a, b, _), _ = painted
    project.classes.reorder([b.value, a.value, project.classes.by_name("c").value])
    ws = open_workspace(qtbot, plain)  # no class: the brush is off
    try:
        ws.settings.class_value = a.value
        with qtbot.waitSignal(ws.image_shown, timeout=10_000):
            ws.set_project(project)
        assert ws.settings.class_value == b.value  # key 1 of this project, not the old value
        assert ws.toolbar.classes.currentText() == "1  b"
        assert ws.action("label.tool.brush").isEnabled()
        assert not ws.toolbar.no_class_hint.isVisibleTo(ws)
    finally:
        close_workspace(ws)


def test_read_only_project_offers_no_class_edits_and_no_marking(qtbot, painted):
    project, ids, _, _ = painted
    path = project.path
    project.close()
    with Project.open(path, readonly=True) as ro:
        ws = open_workspace(qtbot, ro)
        try:
            assert not ws.action("label.class.new").isEnabled()
            assert not ws.toolbar.add_class.isEnabled()
            assert not ws.action("label.class.delete").isEnabled()
            messages = []
            ws.status_message.connect(messages.append)
            drive.key(ws.canvas, Qt.Key.Key_Return, CTRL)
            assert messages == ["The project is read-only"]
            assert ro.images.get(ids[0]).status == "in_progress"
        finally:
            close_workspace(ws)
