"""The Train workspace in the main window: start, live curves, stop within 2 s, the model list,
the active model, compare, pre-labels; torch stays out until the workspace needs it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from PySide6.QtCore import Qt

from app.store import Project
from app.ui.label.workspace import LabelWorkspace
from app.ui.train.models_panel import NO_MODEL
from app.ui.train.workspace import TrainWorkspace
from tests.ml.test_project_data import make_tiny_project


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("DEFECT_STUDIO_OFFLINE", "1")


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace), ("Train", TrainWorkspace)]


def train_of(window) -> TrainWorkspace:
    return next(ws for ws in window.workspaces() if isinstance(ws, TrainWorkspace))


def tiny_settings(ws: TrainWorkspace, epochs: int) -> None:
    ws.form.tile.setValue(32)
    ws.form.batch.setValue(4)
    ws.form.epochs.setValue(epochs)
    ws.form.lr.setValue(0.003)
    ws.form.pretrained.setChecked(False)


def test_train_stop_models_and_prelabels(qtbot, bare_window, tmp_path):
    window = bare_window
    assert window.open_project(make_tiny_project(tmp_path))
    ws = train_of(window)
    window.show_workspace("Train")
    qtbot.waitUntil(lambda: ws.machine is not None, timeout=30_000)  # the probe imported torch
    assert ws.form.device.text().startswith("CPU")
    # The CPU default's ImageNet weights come with the app; it trains the decoder only.
    assert ws.form.start_weights.text() == "ImageNet (bundled)" and ws.form.freeze.isChecked()
    assert not ws.form.weights_note.isVisibleTo(ws)
    # Offline, others start from random weights: said plainly, and gone once ImageNet weights are
    # not asked for.
    ws.form.encoder.setCurrentIndex(ws.form.encoder.findData("resnet18"))
    assert ws.form.start_weights.text() == "random" and not ws.form.freeze.isChecked()
    assert "ImageNet weights unavailable" in ws.form.weights_note.text()
    assert "random weights" in ws.form.weights_note.text() and ws.form.weights_note.isVisibleTo(ws)
    assert ws.models.empty.text() == NO_MODEL and ws.start_button.isEnabled()

    tiny_settings(ws, epochs=500)
    assert not ws.form.weights_note.isVisibleTo(ws)
    qtbot.mouseClick(ws.start_button, Qt.MouseButton.LeftButton)
    assert ws.training and not ws.start_button.isEnabled() and not ws.form.isEnabled()
    # Live curves: loss points drawn by the coalescing timer, then a validation point.
    qtbot.waitUntil(lambda: len(ws.curves.epochs) >= 1 and ws.curves.redraws >= 1,
                    timeout=30_000)
    assert len(ws.curves.steps) >= 2 and ws.progress.maximum() > 0
    assert "ETA" in ws.progress_text.text() or "validating" in ws.progress_text.text()
    assert ws.curves.loss_line.getData()[0] is not None
    assert "Epoch 1/500" in ws.log_view.toPlainText()

    started = time.perf_counter()
    qtbot.mouseClick(ws.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not ws.training, timeout=2_000)
    assert time.perf_counter() - started < 2.0
    assert not ws.train_runner.running  # its thread has been joined (JobRunner._finish)

    (row,) = window.project.models.list()
    assert row.metrics["status"] == "cancelled"
    assert row.config["spec"]["encoder"] == "resnet18"
    assert not row.config["spec"]["freeze_encoder"]  # the default's frozen encoder stays with it
    assert window.project.settings.get("active_model_id") == row.id  # the first model
    assert ws.models.table.rowCount() == 1
    assert ws.models.table.item(0, 0).text() == "●"
    assert "stopped" in ws.models.table.item(0, 8).text()
    assert ws.resume_button.isEnabled() and "after epoch" in ws.resume_button.text()

    # A second, complete run; then make it active, compare, and pre-label with it.
    tiny_settings(ws, epochs=1)
    ws.start_training()
    qtbot.waitUntil(lambda: not ws.training, timeout=30_000)
    first, second = sorted(m.id for m in window.project.models.list())
    assert ws.models.table.rowCount() == 2 and ws.models.selected_ids() == [first]
    ws.models.select_ids([second])
    qtbot.mouseClick(ws.models.activate, Qt.MouseButton.LeftButton)
    assert window.project.settings.get("active_model_id") == second
    assert ws.models.table.item(0, 0).text() == "●"  # newest first, now active

    ws.models.select_ids([first, second])
    assert ws.models.compare.isEnabled()
    qtbot.mouseClick(ws.models.compare, Qt.MouseButton.LeftButton)
    dialog = ws.compare_dialog
    labels = [r[0] for r in dialog.rows]
    assert "mIoU" in labels and "IoU spot" in labels and dialog.cell(0, 1) != dialog.cell(0, 2)
    dialog.close()

    ws.models.select_ids([second])
    with qtbot.waitSignal(ws.predictions_changed, timeout=20_000) as got:
        qtbot.mouseClick(ws.models.predict_unlabeled, Qt.MouseButton.LeftButton)
    ids, model_id = got.args
    assert model_id == second and len(ids) == 2
    probs, _ = window.project.models.load_prediction(ids[0], second)
    assert probs.shape == (1, 48, 48)

    label = next(w for w in window.workspaces() if isinstance(w, LabelWorkspace))
    qtbot.waitUntil(lambda: label.current_id is not None, timeout=5_000)
    with qtbot.waitSignal(window.images_changed, timeout=20_000):
        qtbot.mouseClick(ws.models.predict_current, Qt.MouseButton.LeftButton)
    assert window.project.models.load_prediction(label.current_id, second) is not None


def test_no_labels_says_so_and_cannot_start(qtbot, tmp_path):
    with Project.create(tmp_path / "bare.dsproj") as p:
        p.classes.add("crack")
        ws = TrainWorkspace()
        qtbot.addWidget(ws)
        ws.set_project(p)
        assert not ws.start_button.isEnabled() and not ws.resume_button.isEnabled()
        assert ws.models.empty.text().startswith("No labeled images yet")
        assert ws.data_label.text().startswith("No labeled images yet")
        assert not ws.start_training()
        ws.set_project(None)


def test_torch_waits_for_the_train_workspace(tmp_path):
    """Opening the window and a project imports no torch; showing Train does (on a worker)."""
    project = make_tiny_project(tmp_path, n=4, unlabeled=0)
    code = textwrap.dedent(f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ["DEFECT_STUDIO_OFFLINE"] = "1"
        import app.ui.main_window
        print("after import", "torch" in sys.modules)
        from PySide6.QtCore import QStandardPaths
        from PySide6.QtWidgets import QApplication
        QStandardPaths.setTestModeEnabled(True)
        qapp = QApplication([])
        w = app.ui.main_window.MainWindow()
        w.show()
        assert w.open_project({str(project)!r})
        qapp.processEvents()
        print("after open", "torch" in sys.modules)
        w.show_workspace("Train")
        train = [ws for ws in w.workspaces() if ws.title == "Train"][0]
        import time
        end = time.monotonic() + 60
        while train.machine is None and time.monotonic() < end:
            qapp.processEvents()
            time.sleep(0.01)
        print("after train", "torch" in sys.modules, train.machine is not None)
        w.close()
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:3] == ["after import False", "after open False",
                                          "after train True True"], out.stdout + out.stderr
