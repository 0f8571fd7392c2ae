"""Pre-labels on the Label canvas, driven like a person: a stored prediction shows as outlines;
a click with the Accept tool (K) or Shift+A puts them in the mask through the undo stack and
the committer; Shift+H hides them; Shift+Del clears the stored prediction.

Geometry is pinned as in test_label_workspace: a 400 x 300 canvas over 40 x 30 images, zoom
10, so the centre of pixel (x, y) is widget point (10x + 5, 10y + 5).
"""

import hashlib
import threading

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from app.core.editing import ToolMode
from app.core.prelabel import prelabel_mask
from app.store import NewImage, Project
from app.ui.label import drive
from tests.support.label_ui import shown_workspace

W, H = 40, 30
GRAY = 100
RED, BLUE = (255, 0, 0), (0, 0, 255)
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def two_blobs(value=230):
    """Channel 0 (crack, 1): a rectangle, pixels x 3..14, y 4..11; channel 1 (scratch, 2):
    a disc of radius 5 about (28, 20)."""
    probs = np.zeros((2, H, W), np.uint8)
    probs[0, 4:12, 3:15] = value
    cv2.circle(probs[1], (28, 20), 5, 200, -1)
    return probs


PRELABEL = prelabel_mask(two_blobs(), [1, 2])


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "pre.dsproj")
    p.classes.add("crack", "#ff0000")
    p.classes.add("scratch", "#0000ff")
    rows = []
    for i in range(2):
        path = tmp_path / f"part{i}.png"
        cv2.imwrite(str(path), np.full((H, W), GRAY, np.uint8))
        data = path.read_bytes()
        rows.append(NewImage(str(path), hashlib.sha256(data).hexdigest(), len(data), W, H, 8, 1))
    p.images.add_many(rows)
    yield p
    p.close()


def add_model(project, name):
    return project.models.register(name, project.path.parent / "pre.models" / name, {}, {},
                                   "0" * 64, 1)


def image_ids(project):
    return [r.id for r in project.images.list()]


def open_on_second_image(qtbot, project):
    """The workspace on the project's second image (the first has no prediction)."""
    ws = shown_workspace(qtbot, project)
    with qtbot.waitSignals([ws.image_shown, ws.prelabels_shown], timeout=10_000):
        ws.next_image()
    ws.canvas.fit()
    assert ws.canvas.view.zoom == 10 and (ws.canvas.view.ox, ws.canvas.view.oy) == (0, 0)
    ws.settings.window = (0, 255)  # raw values: the expected colours are simple
    qtbot.waitUntil(lambda: ws.layer.window == (0, 255))
    ws.canvas.setFocus()
    return ws


@pytest.fixture
def model(project):
    row = add_model(project, "unet-1")
    project.models.save_prediction(image_ids(project)[1], row.id, two_blobs(), [1, 2])
    return row


@pytest.fixture
def ws(qtbot, project, model):
    workspace = open_on_second_image(qtbot, project)
    yield workspace
    workspace.shutdown()
    left = [t.name for t in threading.enumerate() if t.name.startswith("prelabel-loader")]
    assert left == []


def saved(ws, project):
    ws.flush()
    mask = project.masks.load(ws.current_id)
    return np.zeros((H, W), np.uint8) if mask is None else mask


def reload(qtbot, ws, trigger):
    with qtbot.waitSignal(ws.prelabels_shown, timeout=10_000) as blocker:
        trigger()
    return blocker.args[1]  # pre-labels drawn


def rgb_at(ws, wx, wy):
    return QColor(ws.canvas.grab().toImage().pixel(wx, wy)).getRgb()[:3]


def test_a_click_accepts_one_component_and_undo_takes_it_back(qtbot, ws, project):
    assert ws.prelabel_layer.shown_count == 2
    drive.key(ws.canvas, Qt.Key.Key_K)
    assert ws.settings.mode is ToolMode.ACCEPT and ws.action("label.tool.accept").isChecked()
    drive.click(ws.canvas, 6, 7)  # inside the crack rectangle
    # committed in the background within a second, like a stroke
    qtbot.waitUntil(lambda: project.masks.load(ws.current_id) is not None, timeout=1000)
    expected = np.where(PRELABEL == 1, 1, 0).astype(np.uint8)
    np.testing.assert_array_equal(saved(ws, project), expected)
    assert ws.prelabel_layer.shown_count == 1  # its outline is gone; the disc's is not
    assert "accept pre-label" in ws.action("label.undo").text()

    drive.click(ws.canvas, 0, 0)  # off every pre-label: nothing
    np.testing.assert_array_equal(saved(ws, project), expected)

    drive.key(ws.canvas, Qt.Key.Key_Z, CTRL)
    np.testing.assert_array_equal(saved(ws, project), np.zeros((H, W), np.uint8))
    assert ws.prelabel_layer.shown_count == 2
    drive.key(ws.canvas, Qt.Key.Key_Z, CTRL | SHIFT)
    np.testing.assert_array_equal(saved(ws, project), expected)


def test_accept_all_fills_background_only_in_one_undo_step(qtbot, project, model):
    first, second = image_ids(project)
    labels = np.zeros((H, W), np.uint8)
    labels[8:14, 0:6] = 2  # the engineer's scratch over the crack rectangle's corner
    labels[18:23, 25:31] = 1  # and a crack inside the scratch disc
    project.masks.save(second, labels)
    ws = open_on_second_image(qtbot, project)
    try:
        drive.key(ws.canvas, Qt.Key.Key_A, SHIFT)
        assert ws.current_id == second  # not "A", the previous image
        expected = np.where(labels == 0, PRELABEL, labels)
        np.testing.assert_array_equal(saved(ws, project), expected)
        assert (expected[8:12, 3:6] == 2).all() and (expected[18:23, 25:31] == 1).all()
        assert ws.prelabel_layer.shown_count == 0
        assert "accept all pre-labels" in ws.action("label.undo").text()
        drive.key(ws.canvas, Qt.Key.Key_Z, CTRL)  # one step back to the labels alone
        np.testing.assert_array_equal(saved(ws, project), labels)
    finally:
        ws.shutdown()


def test_outlines_are_drawn_in_the_class_colour_and_leave_the_inside_unpainted(qtbot, ws):
    gray = (GRAY,) * 3
    snap = ws.canvas.grab().toImage()

    def at(wx, wy):
        return QColor(snap.pixel(wx, wy)).getRgb()[:3]

    # the crack rectangle's top border runs through pixel centres y = 4 -> widget row 45
    assert at(90, 45) == RED
    assert at(90, 44) == gray and at(90, 46) == gray  # one device pixel thin
    assert at(35, 80) == RED and at(145, 80) == RED  # left and right borders, x = 3 and 14
    assert at(90, 80) == gray  # the inside shows the image, not a fill
    assert at(235, 205) == BLUE  # the disc's leftmost pixel (23, 20)
    assert at(285, 205) == gray  # its centre
    assert at(5, 5) == gray  # off every pre-label

    # drawn over the annotation, at full opacity whatever the mask opacity
    drive.key(ws.canvas, Qt.Key.Key_K)
    drive.click(ws.canvas, 28, 20)
    drive.key(ws.canvas, Qt.Key.Key_B)
    ws.settings.brush_size = 3
    drive.stroke(ws.canvas, [(5, 8), (12, 8)])  # a crack stroke inside the rectangle
    assert rgb_at(ws, 235, 205) != BLUE  # the accepted disc: no outline, solid fill
    assert rgb_at(ws, 90, 45) == RED


def test_shift_h_hides_them_and_hidden_ones_cannot_be_accepted(qtbot, ws, project):
    drive.key(ws.canvas, Qt.Key.Key_H, SHIFT)
    assert not ws.settings.prelabels_visible
    assert ws.action("label.prelabels.hide").isChecked()
    assert ws.settings.overlay_visible  # H alone hides the mask; Shift+H only pre-labels
    assert rgb_at(ws, 90, 45) == (GRAY,) * 3
    drive.key(ws.canvas, Qt.Key.Key_K)
    drive.click(ws.canvas, 6, 7)
    drive.key(ws.canvas, Qt.Key.Key_A, SHIFT)
    assert not saved(ws, project).any()

    drive.key(ws.canvas, Qt.Key.Key_H, SHIFT)
    assert rgb_at(ws, 90, 45) == RED
    drive.click(ws.canvas, 6, 7)
    assert (saved(ws, project) == 1).sum() == (PRELABEL == 1).sum()


def test_clear_deletes_the_stored_prediction_without_asking(qtbot, ws, project, model):
    image_id = ws.current_id
    drive.key(ws.canvas, Qt.Key.Key_K)
    drive.click(ws.canvas, 28, 20)
    before = saved(ws, project)
    drawn = reload(qtbot, ws, lambda: drive.key(ws.canvas, Qt.Key.Key_Delete, SHIFT))
    assert drawn == 0 and ws.prelabels is None and ws.prelabel_layer is None
    assert QApplication.activeModalWidget() is None
    assert project.models.load_prediction(image_id, model.id) is None
    np.testing.assert_array_equal(saved(ws, project), before)  # the mask is untouched
    assert not ws.action("label.prelabels.accept_all").isEnabled()
    # predicting again (the Train workspace) brings them back on return to Label
    project.models.save_prediction(image_id, model.id, two_blobs(), [1, 2])
    assert reload(qtbot, ws, ws.activated) == 1  # the disc is accepted already


def test_the_active_model_wins_else_the_newest_with_a_prediction(qtbot, ws, project, model):
    image_id = ws.current_id
    newer = add_model(project, "unet-2")  # no prediction of this image: model 1's shown
    assert ws.prelabels.model_id == model.id
    project.models.save_prediction(image_id, newer.id, two_blobs()[:1], [1])  # crack only
    assert reload(qtbot, ws, ws.reload_prelabels) == 1
    assert ws.prelabels.model_id == newer.id  # the newest
    project.settings.set("active_model_id", model.id)
    assert reload(qtbot, ws, ws.reload_prelabels) == 2
    assert ws.prelabels.model_id == model.id  # the active one

    project.settings.set("prelabel_threshold", 0.95)  # over every probability stored
    assert reload(qtbot, ws, ws.reload_prelabels) == 0


def test_switching_images_drops_and_restores_them(qtbot, ws, project):
    first, second = image_ids(project)
    with qtbot.waitSignal(ws.image_shown, timeout=10_000):
        drive.key(ws.canvas, Qt.Key.Key_A)
    assert ws.current_id == first and ws.prelabel_layer is None
    assert not ws.action("label.prelabels.accept_all").isEnabled()
    drive.key(ws.canvas, Qt.Key.Key_K)
    drive.click(ws.canvas, 6, 7)  # where the other image's pre-label was: nothing here
    assert not saved(ws, project).any()
    with qtbot.waitSignals([ws.image_shown, ws.prelabels_shown], timeout=10_000):
        drive.key(ws.canvas, Qt.Key.Key_D)
    assert ws.current_id == second and ws.prelabel_layer.shown_count == 2
