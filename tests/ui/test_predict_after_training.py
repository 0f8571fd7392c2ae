"""Predictions follow training: a run started with real clicks ends with every image predicted,
Grade's what-if fills in with no other step, and the status bar shows the job's progress line
from another workspace while it runs (and drops it when done)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.jobs.prediction import default_model_id
from app.ui.grade.workspace import GradeWorkspace
from app.ui.label.workspace import LabelWorkspace
from app.ui.train.workspace import TrainWorkspace
from tests.support.tiny_project import make_tiny_project
from tests.support.train_ui import tiny_settings

pytestmark = pytest.mark.usefixtures("offline")  # tests/ui/conftest.py


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace), ("Train", TrainWorkspace), ("Grade", GradeWorkspace)]


def of(window, cls):
    return next(ws for ws in window.workspaces() if isinstance(ws, cls))


def test_training_ends_with_predictions_graded_by_the_whatif(qtbot, bare_window, tmp_path,
                                                            settings_sandbox):
    window = bare_window
    assert window.open_project(make_tiny_project(tmp_path, n=6, size=40, unlabeled=2))
    project = window.project
    train, grade = of(window, TrainWorkspace), of(window, GradeWorkspace)
    window.show_workspace("Grade")
    assert "needs a trained model" in grade.whatif_panel.summary.text()

    window.show_workspace("Train")
    qtbot.waitUntil(lambda: train.machine is not None, timeout=30_000)
    assert train.predict_after.isChecked() and settings_sandbox.predict_after_training()
    tiny_settings(train, epochs=2)
    shown: list[str] = []  # the status bar's job line each time a workspace updates it
    train.job_progress.connect(lambda _t: shown.append(window.job_status.text()))

    qtbot.mouseClick(train.start_button, Qt.MouseButton.LeftButton)
    assert train.training
    qtbot.waitUntil(lambda: any(s.startswith("Training epoch") for s in shown), timeout=30_000)
    window.show_workspace("Grade")  # the line stays on the status bar from another workspace
    with qtbot.waitSignal(grade.whatif_refreshed, timeout=60_000,
                          check_params_cb=lambda out: out.parts == 6) as got:
        qtbot.waitUntil(lambda: not train.training, timeout=60_000)

    # Every image has a prediction of the model the app uses now; the what-if graded the
    # labeled ones, with no "predict" pressed.
    model_id = default_model_id(project)
    assert model_id == project.models.list()[-1].id
    every = {r.id for r in project.images.list()}
    labeled = {r.id for r in project.images.list(status="labeled")}
    assert project.models.predicted_image_ids(model_id) == every and len(every) == 8
    out = got.args[0]
    assert out.parts == len(labeled) == 6 and out.result.skipped == 0
    assert {c.key for c in out.result.cases} == labeled
    assert f"<b>{len(labeled)}</b> labeled parts" in grade.whatif_panel.summary.text()

    # The progress line: training epochs, then predictions, on the status bar; gone after.
    assert any(s.startswith("Training epoch 2/2 · ETA") for s in shown)
    assert "Predicting 8/8" in shown
    assert shown.index("Predicting 8/8") > max(i for i, s in enumerate(shown)
                                               if s.startswith("Training"))
    assert window.job_status.text() == "" and not window.job_status.isVisible()
    assert "8 images predicted" in train.progress_text.text()


def test_predicting_can_be_turned_off_and_it_stays_off(qtbot, bare_window, tmp_path,
                                                       settings_sandbox):
    window = bare_window
    assert window.open_project(make_tiny_project(tmp_path, n=4, size=40, unlabeled=1))
    train = of(window, TrainWorkspace)
    window.show_workspace("Train")
    qtbot.mouseClick(train.predict_after, Qt.MouseButton.LeftButton)
    assert not train.predict_after.isChecked()
    assert settings_sandbox.predict_after_training() is False
    again = TrainWorkspace()  # a new window reads the setting back
    qtbot.addWidget(again)
    assert not again.predict_after.isChecked()
    qtbot.waitUntil(lambda: train.machine is not None, timeout=30_000)
    tiny_settings(train, epochs=1)
    qtbot.mouseClick(train.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not train.training, timeout=60_000)
    (row,) = window.project.models.list()
    assert window.project.models.predicted_image_ids(row.id) == set()
