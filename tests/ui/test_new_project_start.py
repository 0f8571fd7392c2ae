"""The welcome page's new-project question, "Do you have labeled defects yet?": the answer is
stored in the project, and once images are imported the window opens where that answer leads,
with the Train workspace's model kind chosen to match."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog

from app.store import Project
from app.ui.import_dialog import ImportDialog
from app.ui.label.workspace import LabelWorkspace
from app.ui.start_question import GOOD_PARTS, LABELED, NOT_YET, START_SETTING, STARTS
from app.ui.train.model_kind import GOOD_ONLY, LIVE, SEGMENTATION
from app.ui.train.workspace import TrainWorkspace
from tests.support.train_ui import train_of

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace), ("Train", TrainWorkspace)]


@pytest.mark.parametrize(("answer", "kind", "workspace"), [
    (GOOD_PARTS, GOOD_ONLY, "Train"), (NOT_YET, LIVE, "Label"), (LABELED, SEGMENTATION, "Label")])
def test_the_answer_is_stored_and_picks_the_model_kind(qtbot, bare_window, tmp_path,
                                                       monkeypatch, answer, kind, workspace):
    window = bare_window
    parts = tmp_path / "parts"
    parts.mkdir()
    rng = np.random.default_rng(0)
    for k in range(3):
        assert cv2.imwrite(str(parts / f"part-{k}.png"),
                           rng.normal(90, 8, (40, 40)).clip(0, 255).astype(np.uint8))
    path = tmp_path / "new.dsproj"

    question = window.welcome.start_question
    assert question.isVisible() and question.answer() == LABELED  # as before the question
    radio = question.buttons[answer]
    qtbot.mouseClick(radio, LEFT, pos=QPoint(6, radio.height() // 2))  # on its round button
    assert question.answer() == answer
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    with qtbot.waitSignal(window.project_changed, timeout=10_000):
        qtbot.mouseClick(window.welcome.new_button, LEFT)
    with Project.open(path, readonly=True) as p:
        assert p.settings.get(START_SETTING) == answer
    hint = STARTS[answer].hint
    assert window.empty_page.start_hint.isVisible() == bool(hint)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(parts)))
    qtbot.mouseClick(window.empty_page.import_button, LEFT)
    dialog = window.findChild(ImportDialog)
    qtbot.mouseClick(dialog.folder.button, LEFT)  # Browse…
    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, LEFT)
    qtbot.mouseClick(dialog.close_button, LEFT)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.tabs, timeout=10_000)

    assert window.current_workspace().title == workspace
    train = train_of(window)
    assert train.kind.kind() == kind
    assert train.kind.hint.text() == hint
    if hint:
        assert window.statusBar().currentMessage() == hint
    if answer == GOOD_PARTS:
        assert train.kind.good_panel.isVisible() and not train.form.isVisible()
        assert not train.synthetic.isVisible()  # pasted defects train segmentation only
    if answer == NOT_YET:
        assert "Shift+L" in hint
