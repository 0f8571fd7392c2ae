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


def test_choosing_a_zone_reaches_the_training_job(qtbot, bare_window, tmp_path, monkeypatch):
    import app.ui.train.workspace as workspace_module
    from tests.support.zoned_project import make_zoned_project

    received = []
    real_job = workspace_module.train_job

    def recording_job(project, spec, values, *args, **kw):
        received.append(values)
        return real_job(project, spec, values, *args, **kw)

    monkeypatch.setattr(workspace_module, "train_job", recording_job)
    window = bare_window
    assert window.open_project(make_zoned_project(tmp_path / "p"))
    ws = train_of(window)
    window.show_workspace("Train")
    where = ws.synthetic.where
    assert where.isVisible() and where.currentText() == "Anywhere on the part"
    assert [where.itemText(i) for i in range(where.count())] == [
        "Anywhere on the part", "Zone seal (housing)", "Zone edge (housing)"]
    qtbot.keyClick(ws.synthetic.combo, Qt.Key.Key_Down)  # Auto -> On
    qtbot.keyClick(where, Qt.Key.Key_Down)  # Anywhere -> Zone seal
    assert ws.synthetic.zone() == "housing:seal"

    qtbot.mouseClick(ws.synthetic.preview_button, Qt.MouseButton.LeftButton)
    dialog = ws.synthetic_dialog
    qtbot.waitUntil(lambda: len(dialog.tiles) == PREVIEW_COUNT, timeout=30_000)
    assert dialog.status.text().endswith("inside zone housing:seal (outlined in white)")
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.runner.running, timeout=5_000)

    qtbot.waitUntil(lambda: ws.machine is not None, timeout=30_000)
    tiny_settings(ws, epochs=1)
    qtbot.mouseClick(ws.predict_after, Qt.MouseButton.LeftButton)  # no predictions needed
    qtbot.mouseClick(ws.start_button, Qt.MouseButton.LeftButton)
    assert not where.isEnabled()  # taken by the run
    qtbot.waitUntil(lambda: not ws.training, timeout=60_000)
    (values,) = received
    assert values["synthetic"] == "on" and values["synthetic_zone"] == "housing:seal"
    assert "inside zone housing:seal" in ws.log_view.toPlainText()
    (row,) = window.project.models.list()
    assert any(n.endswith("inside zone housing:seal") for n in row.config["notes"])


def test_the_zone_choice_hides_without_zones_and_is_off_when_synthetic_is_off(
        qtbot, bare_window, tmp_path):
    window = bare_window
    assert window.open_project(make_tiny_project(tmp_path))
    ws = train_of(window)
    window.show_workspace("Train")
    assert not ws.synthetic.where.isVisible() and ws.synthetic.zone() == ""
    from app.core.grading import Recipe
    from app.core.grading.zones import ZoneSet
    from tests.support.zoned_project import SEAL

    window.project.recipes.save("housing", Recipe(zones=ZoneSet((SEAL,))).to_dict())
    ws.refresh()
    assert ws.synthetic.where.isVisible()
    ws.synthetic.set_mode("off")
    assert not ws.synthetic.where.isEnabled()


def test_preview_outlines_the_zone_in_white():
    image = np.full((40, 40), 90, np.uint8)
    mask = np.zeros((40, 40), np.uint8)
    zone = np.zeros((40, 40), bool)
    zone[5:35, 20:40] = True
    rgb = outlined(image, mask, {}, zone=zone)
    assert tuple(rgb[5, 25]) == (255, 255, 255) and tuple(rgb[20, 30]) == (90, 90, 90)
