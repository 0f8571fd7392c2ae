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
from tests.support.tiny_project import make_tiny_project
from tests.support.train_ui import tiny_settings, train_of

pytestmark = pytest.mark.usefixtures("offline")  # tests/ui/conftest.py


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace), ("Train", TrainWorkspace)]






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
    assert ws.predict_after.isChecked()  # on by default; this test predicts by hand below
    qtbot.mouseClick(ws.predict_after, Qt.MouseButton.LeftButton)
    assert not ws.predict_after.isChecked()
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
    assert row.metrics["status"] == "canceled"
    assert row.config["spec"]["encoder"] == "resnet18"
    assert not row.config["spec"]["freeze_encoder"]  # the default's frozen encoder stays with it
    assert ws.models.table.rowCount() == 1
    assert "stopped" in ws.models.table.item(0, 8).text()
    if row.verdict.useful is False:  # one epoch seldom makes a model: it earns no place
        assert window.project.models.active_id() is None
        assert ws.models.table.item(0, 0).text() == ""
        assert ws.models.table.item(0, 9).text() == (
            f"Not useful yet: {row.verdict.reason}. Try: {row.verdict.suggestion}")
        assert "is not useful yet" in ws.log_view.toPlainText()
    else:  # the first useful model becomes active
        assert window.project.models.active_id() == row.id
        assert ws.models.table.item(0, 0).text() == "●"
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
    assert window.project.models.predicted_image_ids(second) == set()  # predicting was off
    with qtbot.waitSignal(ws.predictions_changed, timeout=20_000) as got:
        qtbot.mouseClick(ws.models.predict_all, Qt.MouseButton.LeftButton)
    ids, model_id = got.args
    assert model_id == second and sorted(ids) == [r.id for r in window.project.images.list()]
    assert len(ids) == 10  # labeled ones too: the what-if grades them
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


def test_train_for_a_time_budget_set_in_the_form(qtbot, bare_window, tmp_path):
    window = bare_window
    assert window.open_project(make_tiny_project(tmp_path))
    ws = train_of(window)
    window.show_workspace("Train")
    qtbot.waitUntil(lambda: ws.machine is not None, timeout=30_000)
    # On a CPU the form trains for a time budget by default; epochs are the alternative.
    assert ws.form.by_time.isChecked() and ws.form.minutes.value() == 10.0
    assert ws.form.minutes.isEnabled() and not ws.form.epochs.isEnabled()
    tiny_settings(ws)
    qtbot.mouseClick(ws.form.by_epochs, Qt.MouseButton.LeftButton)
    assert ws.form.epochs.isEnabled() and not ws.form.minutes.isEnabled()
    assert not ws.form.budget_note.isVisibleTo(ws)
    qtbot.mouseClick(ws.form.by_time, Qt.MouseButton.LeftButton)
    ws.form.minutes.setFocus()
    qtbot.keyClick(ws.form.minutes, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(ws.form.minutes, "0.1")
    qtbot.keyClick(ws.form.minutes, Qt.Key.Key_Return)
    assert ws.form.minutes.value() == pytest.approx(0.1)
    assert ws.form.train_values()["minutes"] == pytest.approx(0.1)
    # Told up front what the budget buys: no run yet, so from a probe measured just now.
    qtbot.waitUntil(lambda: "crops of 32 px in 0.1 minutes" in ws.form.budget_note.text(),
                    timeout=60_000)
    assert "measured just now" in ws.form.budget_note.text()
    qtbot.waitUntil(lambda: not ws.budget.runner.running, timeout=10_000)

    started = time.perf_counter()
    qtbot.mouseClick(ws.start_button, Qt.MouseButton.LeftButton)
    assert ws.training
    qtbot.waitUntil(lambda: not ws.training, timeout=60_000)
    took = time.perf_counter() - started
    (row,) = window.project.models.list()
    m = row.metrics
    assert m["budget_minutes"] == pytest.approx(0.1) and m["crops_per_s"] > 0
    # The budget ends the run, unless the tiny set stops improving first: on a quiet machine
    # its epochs are fast enough for patience (10 epochs without a better score) to end it.
    assert m["time_up"] or m["status"] == "early_stopped", m
    assert m["run_seconds"] < 8.0, m["run_seconds"]
    assert took < 6.0 + 8.0, took  # data, setup, the last validation, registration
    log = ws.log_view.toPlainText()
    assert "tile 32, 0.1 minutes" in log and "The budget buys about" in log
    if m["time_up"]:
        assert m["status"] == "completed" and m["run_seconds"] > 4.0
        assert "Time budget of 6 s used" in log
    else:
        assert "No better validation score for 10 epochs: stopped" in log
    assert "(0.1 min budget)" in ws.models.table.item(0, 8).text()
    # The next estimate comes from this run's measured speed, no probe needed.
    qtbot.waitUntil(lambda: f"the last such run's speed, model {row.id}"
                    in ws.form.budget_note.text(), timeout=5_000)
    print(f"GUI budget run: {took:.1f} s from Start to done, run {m['run_seconds']:.1f} s, "
          f"{m['epochs_done']} epochs, {m['crops_trained']} crops")


def test_make_active_uses_a_model_that_is_not_useful_yet_only_when_chosen(qtbot, tmp_path):
    with Project.create(tmp_path / "m.dsproj") as p:
        p.classes.add("crack")
        good = p.models.register("good", p.models.folder / "good", {}, {
            "miou": 0.4, "false_reject_rate": 0.0, "verdict": {"useful": True}}, "a", 30)
        bad = p.models.register("bad", p.models.folder / "bad", {}, {
            "miou": 0.002, "false_reject_rate": 1.0, "verdict": {
                "useful": False, "reason": "it finds almost nothing (validation mIoU 0.002)",
                "suggestion": "label more images (it learned from 6), or train longer"}}, "b", 6)
        ws = TrainWorkspace()
        qtbot.addWidget(ws)
        ws.set_project(p)
        table = ws.models.table
        # Newest first: the useless model is listed, says why, and is not the active one.
        assert [table.item(r, 1).text() for r in range(2)] == ["bad", "good"]
        assert table.item(0, 9).text() == ("Not useful yet: it finds almost nothing (validation "
                                           "mIoU 0.002). Try: label more images (it learned "
                                           "from 6), or train longer")
        assert table.item(1, 0).text() == "●" and p.models.active_id() == good.id
        assert ws.models.activate.text() == "Make active"

        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         pos=table.visualItemRect(table.item(0, 1)).center())
        assert ws.models.selected_ids() == [bad.id] and ws.models.activate.isEnabled()
        qtbot.mouseClick(ws.models.activate, Qt.MouseButton.LeftButton)
        assert p.models.active_id() == bad.id  # chosen by a person: used after all
        assert p.settings.get("active_model_chosen") is True
        assert table.item(0, 0).text() == "●" and not ws.models.activate.isEnabled()
        assert "chosen by you" in ws.log_view.toPlainText()
        ws.set_project(None)
