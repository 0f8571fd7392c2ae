"""The Label workspace driven like a person: real mouse and key events on the canvas, then the
exact pixels the project holds (project.masks.load after flush).

Geometry is pinned: the canvas is 400 x 300 and the images 40 x 30, so Fit shows them at
zoom 10 with no offset and the centre of pixel (x, y) is widget point (10x + 5, 10y + 5).
"""

import math

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.store import Project
from app.ui.label import drive
from tests.support.label_ui import (
    H,
    W,
    close_workspace,
    gradient,
    open_workspace,
    write_image,
)

CTRL, SHIFT, ALT = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier,
                    Qt.KeyboardModifier.AltModifier)














@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "label.dsproj")
    p.classes.add("crack", "#ff0000")  # value 1
    p.classes.add("scratch", "#0000ff")  # value 2
    p.images.add_many([write_image(tmp_path, f"part{i}.png", gradient(10 * i))
                       for i in range(3)])
    yield p
    p.close()


@pytest.fixture
def ws(qtbot, project):
    workspace = open_workspace(qtbot, project)
    yield workspace
    close_workspace(workspace)



def saved(ws, project, image_id=None):
    ws.flush()
    mask = project.masks.load(image_id or ws.current_id)
    return np.zeros((H, W), np.uint8) if mask is None else mask


def capsule_oracle(centers, diameter, value, mask=None):
    """Pixels whose centre lies within diameter/2 of the polyline through stamp centres
    (pixel-index coordinates) -- the brush's definition, computed independently."""
    mask = np.zeros((H, W), np.uint8) if mask is None else mask.copy()
    yy, xx = np.mgrid[0:H, 0:W].astype(float)
    r = diameter / 2 + 1e-9
    segments = list(zip(centers, centers[1:], strict=False)) or [(centers[0], centers[0])]
    for (ax, ay), (bx, by) in segments:
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = np.zeros_like(xx) if length2 == 0 else np.clip(
            ((xx - ax) * dx + (yy - ay) * dy) / length2, 0, 1)
        dist = np.hypot(xx - (ax + t * dx), yy - (ay + t * dy))
        mask[dist <= r] = value
    return mask


def test_polygon_saves_exactly_what_fillpoly_rasterizes(qtbot, ws, project):
    drive.key(ws.canvas, Qt.Key.Key_P)
    vertices = [(5, 4), (33, 7), (27, 26), (9, 21)]
    for x, y in vertices:
        drive.click(ws.canvas, x, y)
    drive.key(ws.canvas, Qt.Key.Key_Return)
    expected = np.zeros((H, W), np.uint8)
    cv2.fillPoly(expected, [np.array(vertices, np.int32)], 1)
    np.testing.assert_array_equal(saved(ws, project), expected)


def test_polygon_backspace_and_double_click(qtbot, ws, project):
    drive.key(ws.canvas, Qt.Key.Key_2)  # scratch, value 2
    drive.key(ws.canvas, Qt.Key.Key_P)
    for x, y in [(2, 2), (20, 3), (39, 29)]:  # the last vertex is a mistake
        drive.click(ws.canvas, x, y)
    drive.key(ws.canvas, Qt.Key.Key_Backspace)
    drive.click(ws.canvas, 18, 20)
    drive.double_click(ws.canvas, 4, 15)
    expected = np.zeros((H, W), np.uint8)
    cv2.fillPoly(expected, [np.array([(2, 2), (20, 3), (18, 20), (4, 15)], np.int32)], 2)
    np.testing.assert_array_equal(saved(ws, project), expected)


def test_brush_stroke_and_shift_click_line(qtbot, ws, project):
    ws.settings.brush_size = 5
    drive.stroke(ws.canvas, [(5, 5), (12, 5), (20, 14)])
    # odd diameters centre the stamp on the pixel under the cursor
    expected = capsule_oracle([(5, 5), (12, 5), (20, 14)], 5, 1)
    np.testing.assert_array_equal(saved(ws, project), expected)

    drive.click(ws.canvas, 30, 25, SHIFT)  # a straight line from where the stroke ended
    expected = capsule_oracle([(20, 14), (30, 25)], 5, 1, expected)
    np.testing.assert_array_equal(saved(ws, project), expected)


def test_brush_size_keys_and_class_keys(qtbot, ws):
    ws.settings.brush_size = 10
    drive.key(ws.canvas, Qt.Key.Key_BracketRight)
    assert ws.settings.brush_size > 10
    drive.key(ws.canvas, Qt.Key.Key_BracketLeft)
    drive.key(ws.canvas, Qt.Key.Key_BracketLeft)
    assert ws.settings.brush_size < 10
    drive.key(ws.canvas, Qt.Key.Key_2)
    assert ws.settings.class_value == 2
    assert ws.toolbar.classes.currentData() == 2
    drive.key(ws.canvas, Qt.Key.Key_9)  # no ninth class: nothing changes
    assert ws.settings.class_value == 2
    for key, mode in ((Qt.Key.Key_E, "eraser"), (Qt.Key.Key_F, "fill"),
                      (Qt.Key.Key_P, "polygon"), (Qt.Key.Key_B, "brush")):
        drive.key(ws.canvas, key)
        assert ws.settings.mode.value == mode
        assert ws.action(f"label.tool.{mode}").isChecked()


def test_eraser_erases_every_class(qtbot, ws, project):
    start = np.zeros((H, W), np.uint8)
    start[5:15, 5:20], start[5:15, 20:35] = 1, 2
    ws.settings.brush_size = 3
    ws.settings.class_value = 1
    drive.key(ws.canvas, Qt.Key.Key_F)
    drive.click(ws.canvas, 0, 0)  # background -> class 1 everywhere: a known start...
    drive.key(ws.canvas, Qt.Key.Key_E)
    drive.stroke(ws.canvas, [(0, 0), (39, 0)])  # ...then erase a band
    expected = np.full((H, W), 1, np.uint8)
    expected = np.where(capsule_oracle([(0, 0), (39, 0)], 3, 1) == 1, 0, expected)
    np.testing.assert_array_equal(saved(ws, project), expected)


def test_fill_fills_the_enclosed_hole(qtbot, qtbot_project_ring):
    ws, project, ring = qtbot_project_ring
    drive.key(ws.canvas, Qt.Key.Key_2)
    drive.key(ws.canvas, Qt.Key.Key_F)
    drive.click(ws.canvas, 12, 10)  # inside the ring
    expected = ring.copy()
    expected[6:14, 6:24] = 2
    np.testing.assert_array_equal(saved(ws, project), expected)


@pytest.fixture
def qtbot_project_ring(qtbot, project):
    """A project whose first image already holds a ring of class 1 (a closed outline)."""
    ring = np.zeros((H, W), np.uint8)
    ring[5:15, 5:25] = 1
    ring[6:14, 6:24] = 0
    first = project.images.list()[0].id
    project.masks.save(first, ring)
    workspace = open_workspace(qtbot, project)
    yield workspace, project, ring
    close_workspace(workspace)


def test_subtract_cuts_a_hole_with_the_toggle_and_with_alt(qtbot, ws, project):
    ws.settings.class_value = 1
    drive.key(ws.canvas, Qt.Key.Key_F)
    drive.click(ws.canvas, 0, 0)  # all class 1
    drive.key(ws.canvas, Qt.Key.Key_P)
    drive.key(ws.canvas, Qt.Key.Key_X)  # subtract on
    assert ws.settings.subtract
    hole = [(4, 4), (14, 4), (14, 12), (4, 12)]
    for x, y in hole:
        drive.click(ws.canvas, x, y)
    drive.key(ws.canvas, Qt.Key.Key_Enter)
    expected = np.full((H, W), 1, np.uint8)
    cv2.fillPoly(expected, [np.array(hole, np.int32)], 0)
    np.testing.assert_array_equal(saved(ws, project), expected)

    drive.key(ws.canvas, Qt.Key.Key_X)  # subtract off; Alt on the first vertex cuts once
    assert not ws.settings.subtract
    second = [(20, 15), (35, 18), (25, 28)]
    drive.click(ws.canvas, *second[0], ALT)
    for x, y in second[1:]:
        drive.click(ws.canvas, x, y)
    drive.key(ws.canvas, Qt.Key.Key_Return)
    cv2.fillPoly(expected, [np.array(second, np.int32)], 0)
    np.testing.assert_array_equal(saved(ws, project), expected)


def test_undo_and_redo_restore_the_exact_masks(qtbot, ws, project):
    states = [saved(ws, project)]
    ws.settings.brush_size = 4
    drive.stroke(ws.canvas, [(3, 3), (30, 20)])
    states.append(saved(ws, project))
    drive.key(ws.canvas, Qt.Key.Key_P)
    for x, y in [(10, 2), (38, 2), (38, 28)]:
        drive.click(ws.canvas, x, y)
    drive.key(ws.canvas, Qt.Key.Key_Return)
    states.append(saved(ws, project))
    drive.key(ws.canvas, Qt.Key.Key_E)
    drive.stroke(ws.canvas, [(0, 10), (39, 12)])
    states.append(saved(ws, project))
    assert len({s.tobytes() for s in states}) == 4

    for back in (2, 1, 0):
        drive.key(ws.canvas, Qt.Key.Key_Z, CTRL)
        np.testing.assert_array_equal(saved(ws, project), states[back])
        np.testing.assert_array_equal(ws.doc.mask, states[back])
    drive.key(ws.canvas, Qt.Key.Key_Z, CTRL | SHIFT)
    np.testing.assert_array_equal(saved(ws, project), states[1])
    drive.key(ws.canvas, Qt.Key.Key_Y, CTRL)
    np.testing.assert_array_equal(saved(ws, project), states[2])
    # a new edit after undo drops the redo step
    drive.key(ws.canvas, Qt.Key.Key_Z, CTRL)
    drive.key(ws.canvas, Qt.Key.Key_F)
    drive.click(ws.canvas, 39, 29)
    assert not ws.action("label.redo").isEnabled()


def test_switching_images_and_reopening_the_project_keeps_the_pixels(qtbot, ws, project,
                                                                      tmp_path):
    ids = [r.id for r in project.images.list()]
    ws.settings.brush_size = 6
    drive.stroke(ws.canvas, [(5, 5), (25, 20)])
    first = ws.doc.mask.copy()
    with qtbot.waitSignal(ws.image_shown, timeout=10_000):
        drive.key(ws.canvas, Qt.Key.Key_PageDown)
    assert ws.current_id == ids[1]
    assert not ws.doc.mask.any()
    drive.key(ws.canvas, Qt.Key.Key_P)
    for x, y in [(30, 3), (38, 25), (20, 27)]:
        drive.click(ws.canvas, x, y)
    drive.key(ws.canvas, Qt.Key.Key_Return)
    second = ws.doc.mask.copy()
    with qtbot.waitSignal(ws.image_shown, timeout=10_000):
        drive.key(ws.canvas, Qt.Key.Key_A)  # previous image: from the cache
    assert ws.current_id == ids[0]
    np.testing.assert_array_equal(ws.doc.mask, first)
    drive.key(ws.canvas, Qt.Key.Key_Z, CTRL)  # its own history came back with it
    assert not ws.doc.mask.any()
    drive.key(ws.canvas, Qt.Key.Key_Z, CTRL | SHIFT)
    np.testing.assert_array_equal(ws.doc.mask, first)

    ws.shutdown()  # the close path: flushes, joins threads
    path = project.path
    project.close()
    with Project.open(path) as again:
        np.testing.assert_array_equal(again.masks.load(ids[0]), first)
        np.testing.assert_array_equal(again.masks.load(ids[1]), second)
        other = open_workspace(qtbot, again)
        np.testing.assert_array_equal(other.doc.mask, first)
        with qtbot.waitSignal(other.image_shown, timeout=10_000):
            other.next_image()
        np.testing.assert_array_equal(other.doc.mask, second)
        close_workspace(other)
    ws.project = None  # already shut down; the fixture's shutdown is then a no-op


def test_every_finished_stroke_is_committed_without_flush(qtbot, ws, project):
    dirty = []
    ws.dirty_changed.connect(dirty.append)
    ws.settings.brush_size = 3
    drive.stroke(ws.canvas, [(10, 10), (11, 10)])
    qtbot.waitUntil(lambda: project.masks.load(ws.current_id) is not None, timeout=1000)
    qtbot.waitUntil(lambda: dirty[-1:] == [False], timeout=1000)
    assert dirty[0] is True
    assert project.images.get(ws.current_id).status == "in_progress"


def test_status_line_shows_position_raw_value_and_class(qtbot, tmp_path):
    p = Project.create(tmp_path / "deep.dsproj")
    p.classes.add("crack", "#ff0000")
    p.images.add_many([write_image(tmp_path, "deep.png", gradient(0, np.uint16, 300))])
    mask = np.zeros((H, W), np.uint8)
    mask[7, 12] = 1
    p.masks.save(p.images.list()[0].id, mask)
    ws = open_workspace(qtbot, p)
    try:
        messages = []
        ws.status_message.connect(messages.append)
        # offscreen: the first synthesized move into a window only enters it
        qtbot.mouseMove(ws.canvas, drive.pixel_point(ws.canvas, 1, 1))
        qtbot.mouseMove(ws.canvas, drive.pixel_point(ws.canvas, 12, 7))
        assert messages[-1].startswith(f"x 12  y 7   value {(12 * 3 + 7) * 300}   crack")
        qtbot.mouseMove(ws.canvas, drive.pixel_point(ws.canvas, 13, 7))
        assert "background" in messages[-1]
        assert ws.settings.levels == 65536
    finally:
        close_workspace(ws)
        p.close()


def test_wheel_zooms_about_the_cursor_and_middle_drag_pans(qtbot, ws):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    canvas = ws.canvas
    at = QPointF(125, 85)
    before = canvas.image_point(at)
    event = QWheelEvent(at, canvas.mapToGlobal(at), QPoint(), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas, event)
    assert canvas.view.zoom == pytest.approx(10 * 1.25 ** 2)
    after = canvas.image_point(at)
    assert math.dist(before, after) < 1 / canvas.view.zoom  # whole-pixel offsets round
    ox, oy = canvas.view.ox, canvas.view.oy
    qtbot.mousePress(canvas, Qt.MouseButton.MiddleButton, pos=QPoint(200, 150))
    qtbot.mouseMove(canvas, QPoint(230, 140))
    qtbot.mouseRelease(canvas, Qt.MouseButton.MiddleButton, pos=QPoint(230, 140))
    assert (canvas.view.ox, canvas.view.oy) == (ox + 30, oy - 10)
    drive.key(canvas, Qt.Key.Key_0, CTRL)  # Fit
    assert canvas.view.zoom == 10
    drive.key(canvas, Qt.Key.Key_0, CTRL | ALT)  # 100 %
    assert canvas.view.zoom == 1


def test_neighbours_are_prefetched_so_next_shows_at_once(qtbot, ws, project):
    ids = [r.id for r in project.images.list()]
    qtbot.waitUntil(lambda: ws.loader.cached(ids[1]), timeout=5000)
    shown = []
    ws.image_shown.connect(shown.append)
    ws.next_image()
    assert shown == [ids[1]]  # synchronously: no load on the switch
    qtbot.waitUntil(lambda: ws.loader.cached(ids[2]) and ws.loader.cached(ids[0]), timeout=5000)
    ws.next_image()
    assert shown == [ids[1], ids[2]]
    ws.next_image()  # the last image: nothing after it
    assert shown == [ids[1], ids[2]] and ws.current_id == ids[2]


def test_escape_drops_the_polygon_and_tool_switch_ends_it(qtbot, ws, project):
    drive.key(ws.canvas, Qt.Key.Key_P)
    for x, y in [(2, 2), (20, 3), (10, 20)]:
        drive.click(ws.canvas, x, y)
    drive.key(ws.canvas, Qt.Key.Key_Escape)
    drive.key(ws.canvas, Qt.Key.Key_Return)
    assert not saved(ws, project).any()
    assert not ws.controller.busy


def test_a_mask_changed_in_another_workspace_is_shown_on_return(qtbot, ws, project):
    ws.settings.brush_size = 3
    drive.stroke(ws.canvas, [(5, 5), (9, 5)])
    ws.flush()
    ws.activated()  # nothing changed elsewhere: same mask, history kept
    assert ws.action("label.undo").isEnabled()

    other = np.zeros((H, W), np.uint8)
    other[20:25, 30:35] = 2
    project.masks.save(ws.current_id, other, source="review")  # e.g. a prediction accepted
    with qtbot.waitSignal(ws.image_shown, timeout=5000):
        ws.activated()
    np.testing.assert_array_equal(ws.doc.mask, other)
    assert not ws.action("label.undo").isEnabled()  # old diffs do not apply to this mask
