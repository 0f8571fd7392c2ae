"""The Label workspace inside the real main window: keys, title marker, close saves."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.store import Project
from app.ui import actions
from app.ui.label import drive
from app.ui.label.image_layer import ImageLayer
from app.ui.label.workspace import LabelWorkspace


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace)]


def label_of(window) -> LabelWorkspace:
    (ws,) = window.workspaces()
    return ws


def test_label_in_the_main_window_paints_and_saves_on_close(qtbot, bare_window, project_path):
    window = bare_window
    window.resize(1200, 800)
    assert window.open_project(project_path)
    ws = label_of(window)
    qtbot.waitUntil(lambda: ws.current is not None, timeout=5000)
    image_id = ws.current_id
    before = ws.doc.mask.copy()
    assert actions.conflicts(actions.shortcut_rows(window)) == {}
    tips = {a.objectName(): a.toolTip() for a in ws.workspace_actions()}
    assert tips["label.tool.brush"].endswith("(B)")
    assert tips["label.undo"].endswith("(Ctrl+Z)")

    ws.canvas.setFocus()
    drive.key(ws.canvas, Qt.Key.Key_B)
    ws.settings.brush_size = 3
    titles = []
    ws.dirty_changed.connect(lambda _d: titles.append(window.windowTitle()))
    drive.stroke(ws.canvas, [(30, 20), (40, 25)])
    assert any("•" in t for t in titles)  # pending shows in the title
    qtbot.waitUntil(lambda: "•" not in window.windowTitle(), timeout=2000)
    drive.stroke(ws.canvas, [(30, 5), (40, 5)])
    after = ws.doc.mask.copy()
    assert (after != before).any()
    window.close()  # flushes, shuts the workspace down, closes the project
    assert window.project is None
    with Project.open(project_path) as p:
        np.testing.assert_array_equal(p.masks.load(image_id), after)


def test_read_only_project_shows_but_does_not_edit(qtbot, project_path):
    with Project.open(project_path, readonly=True) as p:
        ws = LabelWorkspace()
        qtbot.addWidget(ws)
        ws.resize(900, 600)
        ws.show()
        with qtbot.waitSignal(ws.image_shown, timeout=5000):
            ws.set_project(p)
        before = ws.doc.mask.copy()
        drive.stroke(ws.canvas, [(5, 5), (20, 20)])
        drive.key(ws.canvas, Qt.Key.Key_F)
        drive.click(ws.canvas, 40, 30)
        np.testing.assert_array_equal(ws.doc.mask, before)
        assert not ws.committer.pending
        ws.shutdown()


def test_colour_and_16_bit_layers_show_windowed_pixels(qapp):
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[..., 0], rgb[..., 2] = 200, 50
    layer = ImageLayer(rgb, window=(0, 255))
    assert layer.qimage.pixelColor(2, 1).getRgb()[:3] == (200, 0, 50)
    assert layer.value_text(2, 1) == "RGB 200, 0, 50"
    deep = np.full((4, 6), 40000, np.uint16)
    deep[0, 0] = 1000
    layer = ImageLayer(deep, window=(1000, 41000))
    assert layer.levels == 65536 and layer.value_text(0, 0) == "value 1000"
    assert layer.qimage.pixelColor(0, 0).red() == 0
    assert layer.qimage.pixelColor(1, 0).red() == round(39000 * 255 / 40000)
    assert layer.set_window(0, 65535)
    assert layer.qimage.pixelColor(1, 0).red() == round(40000 * 255 / 65535)
