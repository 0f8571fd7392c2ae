"""The measure tool: drag a line over a feature, type its length, and the project and the
recipe are calibrated; areas then read in mm²."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from tests.support.grade import tiny_part_project
from tests.support.grade_ui import click_save, open_workspace, versions


@pytest.fixture
def ws(qtbot, tmp_path):
    project_path, image_id, _ = tiny_part_project(tmp_path)
    p, ws = open_workspace(qtbot, project_path, image_id)
    yield ws
    ws.shutdown()
    p.close()


def test_measure_a_line_and_type_its_length(qtbot, ws, monkeypatch):
    canvas = ws.canvas
    ws.workspace_actions()[0].trigger()  # Measure (M)
    a, b = QPoint(100, 200), QPoint(500, 200)  # image x 10 -> 50: 40 px
    qtbot.mouseMove(canvas, a)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=a)
    for x in range(150, 501, 50):
        qtbot.mouseMove(canvas, QPoint(x, 200))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=b)
    qtbot.waitUntil(lambda: ws.measure_dialog is not None and ws.measure_dialog.isVisible())
    dialog = ws.measure_dialog
    assert dialog.line.length == pytest.approx(40.0)
    spin = dialog.length
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "8")
    assert dialog.mm_per_pixel == pytest.approx(0.2)
    qtbot.keyClick(spin, Qt.Key.Key_Return)  # the dialog's default button: OK
    qtbot.waitUntil(lambda: not dialog.isVisible())
    project = ws.project
    assert project.settings.get("mm_per_pixel") == pytest.approx(0.2)
    assert project.settings.get("calibrated") is True
    assert versions(ws) == [1] and ws.session.dirty  # the recipe's calibration: in the draft
    click_save(qtbot, ws, monkeypatch, "calibrated on the 8 mm bore")
    assert versions(ws) == [1, 2]
    body = project.recipes.get("part").body
    assert body["calibration"]["mm_per_pixel"] == pytest.approx(0.2)
    # the px limit became mm²: the part grades as before, now in mm
    assert body["rules"][0]["max_area_mm2"] == pytest.approx(20 * 0.04)
    assert ws.banner.grade_text == "OK"
    assert ws.classes.rows[1].min_area_text.text().endswith("mm²")
    assert "(mm²)" in ws.rules.model.headerData(3, Qt.Orientation.Horizontal)
    assert "mm/px" in ws.scale_label.text()
    audit = [r.detail.get("key") for r in project.audit.list(action="setting.set")]
    assert {"mm_per_pixel", "calibrated"} <= set(audit)
    assert QApplication.activeModalWidget() is None
