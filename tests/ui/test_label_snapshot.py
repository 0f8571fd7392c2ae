"""Pixel snapshot of the canvas at pinned geometry: 400 x 300 canvas, 40 x 30 image, zoom 10.

Colours are checked with a tolerance at a few points (Qt's blending may round by one or two).
"""

import hashlib

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QRegion

from app.store import NewImage, Project
from app.ui.label import drive
from app.ui.label.workspace import LabelWorkspace

W, H = 40, 30
GRAY = 100
RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture
def ws(qtbot, tmp_path):
    p = Project.create(tmp_path / "snap.dsproj")
    p.classes.add("crack", "#ff0000")
    p.classes.add("scratch", "#0000ff")
    img = np.full((H, W), GRAY, np.uint8)
    img[:, 30:] = 200
    path = tmp_path / "part.png"
    cv2.imwrite(str(path), img)
    data = path.read_bytes()
    (image_id,) = p.images.add_many([NewImage(str(path), hashlib.sha256(data).hexdigest(),
                                              len(data), W, H, 8, 1)]).added
    mask = np.zeros((H, W), np.uint8)
    mask[2:8, 2:12] = 1
    mask[20:28, 5:15] = 2
    p.masks.save(image_id, mask)
    w = LabelWorkspace()
    qtbot.addWidget(w)
    w.resize(1000, 560)
    w.show()
    with qtbot.waitSignal(w.image_shown, timeout=10_000):
        w.set_project(p)
    w.canvas.setFixedSize(400, 300)
    qtbot.waitUntil(lambda: w.canvas.width() == 400)
    w.canvas.fit()
    w.settings.window = (0, 255)  # show raw values, so expected colours are simple
    qtbot.waitUntil(lambda: w.layer.window == (0, 255))
    w.settings.opacity = 0.5
    yield w
    w.shutdown()
    p.close()


def color_at(image: QImage, px: int, py: int) -> tuple[int, int, int]:
    c = QColor(image.pixel(px * 10 + 5, py * 10 + 5))
    return c.red(), c.green(), c.blue()


def blend(top, bottom, alpha):
    return tuple(alpha * t + (1 - alpha) * b for t, b in zip(top, bottom, strict=True))


def assert_close(actual, expected, tol=3):
    assert np.abs(np.array(actual, float) - np.array(expected, float)).max() <= tol, (
        actual, expected)


def test_overlay_colours_opacity_and_hide(qtbot, ws):
    snap = ws.canvas.grab().toImage()
    gray = (GRAY,) * 3
    assert_close(color_at(snap, 0, 0), gray)
    assert_close(color_at(snap, 35, 0), (200,) * 3)
    assert_close(color_at(snap, 5, 5), blend(RED, gray, 0.5))
    assert_close(color_at(snap, 10, 25), blend(BLUE, gray, 0.5))
    # pixel edges are crisp at zoom 10: the last widget column of pixel 11 is red, the
    # first of pixel 12 is not
    assert_close(QColor(snap.pixel(119, 50)).getRgb()[:3], blend(RED, gray, 0.5))
    assert_close(QColor(snap.pixel(120, 50)).getRgb()[:3], gray)

    ws.settings.opacity = 1.0
    assert_close(color_at(ws.canvas.grab().toImage(), 5, 5), RED)
    drive.key(ws.canvas, Qt.Key.Key_H)
    hidden = ws.canvas.grab().toImage()
    assert_close(color_at(hidden, 5, 5), gray)
    assert_close(color_at(hidden, 10, 25), gray)
    drive.key(ws.canvas, Qt.Key.Key_H)
    assert_close(color_at(ws.canvas.grab().toImage(), 5, 5), RED)


def test_repainting_only_the_dirty_rect_matches_a_full_repaint(qtbot, ws):
    before = ws.canvas.grab()
    dirty = []
    ws.controller.dirty.connect(dirty.append)
    ws.settings.brush_size = 3
    drive.stroke(ws.canvas, [(20, 10), (26, 14)])
    full = ws.canvas.grab().toImage()
    assert_close(color_at(full, 23, 12), blend(RED, (GRAY,) * 3, 0.5))
    partial = before
    for rect in dirty:  # paint only what each event reported, onto the old picture
        x0, y0, x1, y1 = ws.canvas.view.image_rect_to_widget(rect)
        region = QRegion(x0, y0, x1 - x0, y1 - y0)
        ws.canvas.render(partial, QPoint(x0, y0), region)
    a = np.frombuffer(partial.toImage().convertToFormat(QImage.Format.Format_RGB32).constBits(),
                      np.uint32)
    b = np.frombuffer(full.convertToFormat(QImage.Format.Format_RGB32).constBits(), np.uint32)
    # the brush ring follows the cursor and is not part of the mask's dirty rects
    ring = ws.controller.preview_region(ws.canvas.view, ws.canvas._cursor)
    keep = np.ones((300, 400), bool)
    for r in ring:
        keep[max(r.top(), 0):r.bottom() + 1, max(r.left(), 0):r.right() + 1] = False
    assert (a.reshape(300, 400)[keep] == b.reshape(300, 400)[keep]).all()
