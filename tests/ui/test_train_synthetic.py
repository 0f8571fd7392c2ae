"""Synthetic defects in the Train workspace: the choice reaches the run, and the preview grid
shows generated examples with their pasted defects outlined."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.ui.label.workspace import LabelWorkspace
from app.ui.train.synthetic_preview import PREVIEW_COUNT, outlined
from app.ui.train.workspace import TrainWorkspace
from tests.support.tiny_project import make_tiny_project
from tests.support.train_ui import tiny_settings, train_of

pytestmark = pytest.mark.usefixtures("offline")  # tests/ui/conftest.py


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace), ("Train", TrainWorkspace)]


def test_preview_grid_and_a_run_with_synthetic_defects_on(qtbot, bare_window, tmp_path):
    window = bare_window
    assert window.open_project(make_tiny_project(tmp_path))
    ws = train_of(window)
    window.show_workspace("Train")
    assert ws.synthetic.mode() == "auto"  # the default
    qtbot.keyClick(ws.synthetic.combo, Qt.Key.Key_Down)
    assert ws.synthetic.mode() == "on"

    qtbot.mouseClick(ws.synthetic.preview_button, Qt.MouseButton.LeftButton)
    dialog = ws.synthetic_dialog
    qtbot.waitUntil(lambda: len(dialog.tiles) == PREVIEW_COUNT, timeout=30_000)
    assert "pasted defects are outlined" in dialog.status.text()
    assert all(t.pixmap().width() > 0 and t.toolTip() == "spot" for t in dialog.tiles)
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.runner.running, timeout=5_000)

    qtbot.waitUntil(lambda: ws.machine is not None, timeout=30_000)
    tiny_settings(ws, epochs=1)
    qtbot.mouseClick(ws.predict_after, Qt.MouseButton.LeftButton)  # no predictions needed
    qtbot.mouseClick(ws.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not ws.training, timeout=60_000)
    assert "Synthetic defects (on):" in ws.log_view.toPlainText()
    (row,) = window.project.models.list()
    assert any(n.startswith("Synthetic defects (on)") for n in row.config["notes"])


def test_preview_says_what_auto_does_when_it_adds_nothing(qtbot, bare_window, tmp_path):
    window = bare_window
    assert window.open_project(make_tiny_project(tmp_path))
    ws = train_of(window)
    ws.synthetic.set_mode("off")
    dialog = ws.preview_synthetic()
    qtbot.waitUntil(lambda: len(dialog.tiles) == PREVIEW_COUNT, timeout=30_000)
    assert dialog.status.text() == "Synthetic defects are off; these are what On would add."
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.runner.running, timeout=5_000)


def test_outline_draws_each_class_in_its_colour():
    image = np.full((40, 40), 90, np.uint8)
    mask = np.zeros((40, 40), np.uint8)
    mask[10:20, 10:20] = 2
    rgb = outlined(image, mask, {2: (0, 255, 0)})
    assert rgb.shape == (40, 40, 3)
    assert tuple(rgb[10, 15]) == (0, 255, 0)  # on the outline
    assert tuple(rgb[15, 15]) == (90, 90, 90) and tuple(rgb[30, 30]) == (90, 90, 90)
