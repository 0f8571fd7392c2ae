"""The Train workspace's model-kind choice: each kind says when it fits; "Good parts only"
trains an anomaly model from the project's good parts and makes it active."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.store import Project
from app.ui.label.workspace import LabelWorkspace
from app.ui.train.model_kind import GOOD_ONLY, KINDS, LIVE, SEGMENTATION
from app.ui.train.workspace import TrainWorkspace
from tests.support.anomaly_parts import add_images, good_part


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace), ("Train", TrainWorkspace)]


def test_good_parts_only_trains_from_the_train_workspace(qtbot, bare_window, tmp_path):
    path = tmp_path / "good.dsproj"
    with Project.create(path) as p:
        add_images(p, tmp_path / "g", [good_part(s) for s in range(5)], good=True)
    window = bare_window
    assert window.open_project(path)
    ws = next(w for w in window.workspaces() if isinstance(w, TrainWorkspace))
    window.show_workspace("Train")
    chooser = ws.kind
    assert chooser.kind() == SEGMENTATION and ws.start_button.isVisibleTo(ws)
    assert chooser.why.text() == KINDS[SEGMENTATION][1]
    qtbot.keyClick(chooser.combo, Qt.Key.Key_Down)
    assert chooser.kind() == GOOD_ONLY and chooser.why.text() == KINDS[GOOD_ONLY][1]
    assert not ws.start_button.isVisibleTo(ws) and not ws.form.isVisibleTo(ws)
    assert chooser.good_panel.isVisibleTo(ws)
    chooser.rate.clear()
    qtbot.keyClicks(chooser.rate, "20")
    qtbot.mouseClick(chooser.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not chooser.runner.running, timeout=240_000)
    (row,) = ws.project.models.list()
    assert row.config["kind"] == "anomaly" and ws.project.models.active_id() == row.id
    assert row.config["extra"]["false_reject_rate"] == pytest.approx(0.2)
    assert [c.name for c in ws.project.classes.list()] == ["anomaly"]
    assert any("good parts and now active" in line
               for line in ws.log_view.toPlainText().splitlines())
    qtbot.keyClick(chooser.combo, Qt.Key.Key_Down)
    assert chooser.kind() == LIVE and "Shift+L" in chooser.combo.currentText()
    assert not chooser.good_panel.isVisibleTo(ws)
